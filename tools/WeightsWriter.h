//===- WeightsWriter.h - <name>.weights from the weight plan ----*- C++ -*-===//
//
// Streams every tensor of codegen's weight plan from the weight store into
// the library's safetensors file: in pieces of a few MiB, each made (read,
// checked for NaN/Inf, packed into the kernel layout) by worker threads,
// then written and hashed in file order by the calling thread. Memory stays a
// few pieces per thread, whatever the size of the model. A recompile that
// would write the same bytes links the previous output's file instead.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_TOOLS_WEIGHTSWRITER_H
#define MODELC_TOOLS_WEIGHTSWRITER_H

#include "codegen/Codegen.h"
#include "frontend/WeightStore.h"
#include "tools/OutputFolder.h"

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace modelc {

struct WeightsWriteOptions {
  unsigned threads = 1;        // producers besides the writing thread
  bool allowNonFinite = false; // else NaN/Inf in a checkpoint is an error
};

/// Writes `plan`'s tensors from `store` as `fileName` in `folder` and
/// returns the file's size and XXH64 in `digest`. When the folder's previous
/// output holds that file made from the same store, plan and options, and
/// its bytes still hash to what was recorded, that file is linked instead
/// (`reused`). NaN or Inf in a checkpoint tensor is reported (each tensor
/// once, at the spec location of its first use, with its first bad index);
/// I/O problems are printed. On failure the staged file may be partial: the
/// folder discards it.
mlir::LogicalResult emitWeights(frontend::WeightStore &store,
                                llvm::ArrayRef<codegen::WeightPlanEntry> plan,
                                OutputFolder &folder, llvm::StringRef fileName,
                                const WeightsWriteOptions &options,
                                codegen::WeightsDigest &digest, bool &reused);

} // namespace modelc

#endif // MODELC_TOOLS_WEIGHTSWRITER_H
