//===- KernelCache.h - compiled kernel objects, reused across compiles ----===//
//
// Objects are stored under a key that hashes everything that determines
// them (docs/codegen.md, "The kernel cache"), next to a sidecar with the
// XXH64 of their bytes: an entry whose bytes no longer match is reported,
// removed and recompiled, never linked.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_EMIT_KERNELCACHE_H
#define MODELC_CODEGEN_EMIT_KERNELCACHE_H

#include "codegen/Codegen.h"

#include <string>

namespace modelc::codegen {

class KernelCache {
public:
  /// Resolves the cache folder from the options and the environment
  /// (Codegen.h, TargetOptions::cacheDir) and creates it; disabled when
  /// there is none or it cannot be created.
  explicit KernelCache(const TargetOptions &options);

  bool enabled() const { return !dir.empty(); }
  const std::string &folder() const { return dir; }

  /// Copies the entry `file` to `dest`. False when there is no such entry,
  /// or it is corrupt (then it is removed and a warning goes to `warn`).
  bool fetch(const std::string &file, const std::string &dest,
             llvm::raw_ostream *warn);
  /// Stores `src` as the entry `file` (write, then rename: concurrent
  /// compiles never see a partial entry).
  void store(const std::string &src, const std::string &file);

private:
  std::string dir;
};

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_EMIT_KERNELCACHE_H
