//===- PassFlags.h - `modelc compile` flags that choose passes --*- C++ -*-===//
//
// The flags of `modelc compile` that add or remove passes of the -O
// pipeline (--disable-pass=...), kept apart from the driver so that the
// pass families own their command-line surface.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_TOOLS_PASSFLAGS_H
#define MODELC_TOOLS_PASSFLAGS_H

#include "passes/Pipeline.h"

#include "llvm/Support/CommandLine.h"

namespace modelc {

/// The category the pass flags are listed under in `modelc compile --help`.
llvm::cl::OptionCategory &passFlagsCategory();

/// Fills `options` from the pass flags (checked when they are parsed).
void applyPassFlags(PipelineOptions &options);

} // namespace modelc

#endif // MODELC_TOOLS_PASSFLAGS_H
