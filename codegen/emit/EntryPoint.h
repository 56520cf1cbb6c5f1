//===- EntryPoint.h - the generated C entry point of a library --*- C++ -*-===//
#ifndef MODELC_CODEGEN_EMIT_ENTRYPOINT_H
#define MODELC_CODEGEN_EMIT_ENTRYPOINT_H

#include "codegen/emit/LibraryModel.h"

#include <string>

namespace modelc::codegen {

/// The C source implementing runtime/modelc_abi.h for `model`: the tensor
/// descriptions, the model info (with the weights digest), and modelc_run,
/// which only builds halide_buffer_ts over the arena, weights, inputs and
/// outputs and calls the kernels in order (no op semantics).
std::string entryPointSource(const LibraryModel &model,
                             const WeightsDigest &digest);

/// `s` as a C string literal (quotes, backslashes, control bytes escaped).
std::string cStringLiteral(llvm::StringRef s);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_EMIT_ENTRYPOINT_H
