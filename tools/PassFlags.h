//===- PassFlags.h - `modelc compile` flags that choose passes --*- C++ -*-===//
//
// The flags of `modelc compile` that add or remove passes of the -O
// pipeline (--disable-pass=..., the approximate passes), kept apart from the
// driver so that the pass families own their command-line surface.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_TOOLS_PASSFLAGS_H
#define MODELC_TOOLS_PASSFLAGS_H

#include "passes/Pipeline.h"

#include "llvm/Support/CommandLine.h"

namespace modelc {

/// The category the pass flags are listed under in `modelc compile --help`.
llvm::cl::OptionCategory &passFlagsCategory();

/// What the pass flags ask of the driver rather than of a pass.
struct DriverPassFlags {
  /// --drop-layers=angular:N: drop the N layers that turn the stream least
  /// on the calibration input (0: none asked).
  int64_t dropByAngle = 0;
};

/// Fills `options` and `driver` from the pass flags; a value llvm::cl could
/// not check (--low-rank=rank:N) is a failure with `error` saying why.
mlir::LogicalResult applyPassFlags(PipelineOptions &options,
                                   DriverPassFlags &driver, std::string &error);

} // namespace modelc

#endif // MODELC_TOOLS_PASSFLAGS_H
