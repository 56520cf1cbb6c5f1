//===- Signature.h - <name>.json and <name>.h of a library ------*- C++ -*-===//
#ifndef MODELC_CODEGEN_EMIT_SIGNATURE_H
#define MODELC_CODEGEN_EMIT_SIGNATURE_H

#include "codegen/emit/LibraryModel.h"

#include <string>

namespace modelc::codegen {

/// <name>.json: inputs, outputs, dtypes, dynamic dims, the weights (file and
/// logical shapes, layout, source tensor), the digest and every launch.
std::string signatureJson(const LibraryModel &model,
                          const WeightsDigest &digest);

/// <name>.h: a comment describing this model's signature, then the ABI
/// header `abiText`, for linking the library directly.
std::string modelHeader(const LibraryModel &model, llvm::StringRef abiText);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_EMIT_SIGNATURE_H
