//===- KernelCache.cpp - compiled kernel objects, reused across compiles --===//
#include "codegen/emit/KernelCache.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <cstdlib>
#include <unistd.h>

namespace modelc::codegen {

namespace {

std::string resolveDir(const TargetOptions &o) {
  if (!o.useCache)
    return "";
  if (const char *e = std::getenv("MODELC_CACHE"); e && std::string(e) == "0")
    return "";
  if (!o.cacheDir.empty())
    return o.cacheDir;
  if (const char *e = std::getenv("MODELC_CACHE_DIR"); e && *e)
    return e;
  if (const char *e = std::getenv("XDG_CACHE_HOME"); e && *e)
    return std::string(e) + "/modelc";
  if (const char *e = std::getenv("HOME"); e && *e)
    return std::string(e) + "/.cache/modelc";
  return "";
}

std::string hashOf(llvm::StringRef bytes) {
  return llvm::utohexstr(llvm::xxh3_64bits(bytes), /*LowerCase=*/true, 16);
}

// Writes `text` to `path` through a temporary file and a rename.
bool writeAtomically(const std::string &path, llvm::StringRef text) {
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec);
    if (ec)
      return false;
    os << text;
    os.close();
    if (os.has_error()) {
      os.clear_error();
      llvm::sys::fs::remove(tmp);
      return false;
    }
  }
  return !llvm::sys::fs::rename(tmp, path);
}

} // namespace

KernelCache::KernelCache(const TargetOptions &options)
    : dir(resolveDir(options)) {
  if (!dir.empty() && llvm::sys::fs::create_directories(dir))
    dir.clear();
}

bool KernelCache::fetch(const std::string &file, const std::string &dest,
                        llvm::raw_ostream *warn) {
  if (!enabled())
    return false;
  std::string path = dir + "/" + file;
  auto object = llvm::MemoryBuffer::getFile(path);
  if (!object)
    return false;
  auto sidecar = llvm::MemoryBuffer::getFile(path + ".xxh");
  if (!sidecar ||
      (*sidecar)->getBuffer().trim() != hashOf((*object)->getBuffer())) {
    if (warn)
      *warn << "modelc: warning: kernel cache entry " << path
            << " is corrupt (its bytes do not match their hash); removed, "
               "recompiling\n";
    llvm::sys::fs::remove(path);
    llvm::sys::fs::remove(path + ".xxh");
    return false;
  }
  return writeAtomically(dest, (*object)->getBuffer());
}

void KernelCache::store(const std::string &src, const std::string &file) {
  if (!enabled())
    return;
  auto object = llvm::MemoryBuffer::getFile(src);
  if (!object)
    return;
  std::string path = dir + "/" + file;
  // The object first: a sidecar without its object is never read.
  if (writeAtomically(path, (*object)->getBuffer()))
    writeAtomically(path + ".xxh", hashOf((*object)->getBuffer()));
}

} // namespace modelc::codegen
