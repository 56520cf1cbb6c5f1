//===- Link.h - compile the entry point and link lib<name>.so ---*- C++ -*-===//
#ifndef MODELC_CODEGEN_EMIT_LINK_H
#define MODELC_CODEGEN_EMIT_LINK_H

#include "codegen/emit/LibraryModel.h"

#include <string>

namespace modelc::codegen {

/// Writes `text` to `path`; on failure `error` says why.
mlir::LogicalResult writeTextFile(const std::string &path, llvm::StringRef text,
                                  std::string &error);

/// Writes the entry point into objDir, compiles it with the system C
/// compiler (`cc`) and links it with every kernel object and the Halide
/// runtime object into outDir/lib<name>.so, exporting only modelc_*.
/// On failure `error` says which step failed and why.
mlir::LogicalResult linkLibrary(const LibraryModel &model,
                                const WeightsDigest &digest,
                                const std::string &objDir,
                                const std::string &runtimeObject,
                                const std::string &outDir, std::string &error);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_EMIT_LINK_H
