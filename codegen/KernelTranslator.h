//===- KernelTranslator.h - one nn.kernel region -> Halide ------*- C++ -*-===//
//
// Internal to codegen: builds the Halide pipeline of one nn.kernel region,
// the algorithm from each op's HalideLoweringOpInterface and the schedule of
// the kernel's class (codegen/schedules/). It names no op.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_KERNELTRANSLATOR_H
#define MODELC_CODEGEN_KERNELTRANSLATOR_H

#include "codegen/lowering/LoweringContext.h"
#include "dialect/NNOps.h"

#include <Halide.h>

#include <string>
#include <vector>

namespace modelc::codegen {

struct TranslatedKernel {
  std::string name, kind;
  bool flat = true; // activations as (c, m = b*S + s); else (c, s, b)
  std::vector<KernelArg> inputs;       // one per nn.kernel operand
  std::vector<int64_t> outputChannels; // one per result
  std::vector<int64_t> outputTokens;   // per result: a static seq, or 0: S
  Halide::Pipeline pipeline;
  std::vector<Halide::Argument> args; // inputs, then outputs
  double flopsPerToken = 0, flopsPerTokenSeq = 0;
  /// The sequence length the kernel was specialized to (0: any).
  int64_t fixedSeq = 0;
};

/// Translates `op`; Halide may throw (the caller guards). `fixedSeq` > 0:
/// every run has this sequence length (an image model's tokens), and the
/// schedules may size their tiles to it.
mlir::FailureOr<TranslatedKernel> translateKernel(nn::KernelOp op,
                                                  const Halide::Target &target,
                                                  int64_t fixedSeq = 0);

} // namespace modelc::codegen

#endif
