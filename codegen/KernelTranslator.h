//===- KernelTranslator.h - one nn.kernel region -> Halide ------*- C++ -*-===//
//
// Internal to codegen: builds the Halide pipeline (algorithm + the schedule
// of the kernel's class) of one nn.kernel region.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_KERNELTRANSLATOR_H
#define MODELC_CODEGEN_KERNELTRANSLATOR_H

#include "codegen/GemmSchedule.h"
#include "dialect/NNOps.h"

#include <Halide.h>

#include <string>
#include <vector>

namespace modelc::codegen {

// How one kernel argument is passed (the entry point builds its
// halide_buffer_t from this).
struct KernelArg {
  enum Kind { Activation, TokenIds, Weight } kind;
  int64_t channels = 0;           // Activation: C
  std::vector<int64_t> shape;     // Weight: logical (MLIR) shape
  bool gemm = false;              // Weight: an nn.linear [K, N] weight
  GemmWeightLayout layout;        // gemm weights only
  std::vector<int64_t> fileShape; // Weight: row-major shape of the buffer
};

struct TranslatedKernel {
  std::string name, kind;
  bool flat = true; // activations as (c, m = b*S + s); else (c, s, b)
  std::vector<KernelArg> inputs;       // one per nn.kernel operand
  std::vector<int64_t> outputChannels; // one per result
  Halide::Pipeline pipeline;
  std::vector<Halide::Argument> args; // inputs, then outputs
  double flopsPerToken = 0, flopsPerTokenSeq = 0;
};

// Vector width (floats) the CPU schedules use for `target`.
int vectorWidth(const Halide::Target &target);

mlir::FailureOr<TranslatedKernel> translateKernel(nn::KernelOp op,
                                                  const Halide::Target &target);

} // namespace modelc::codegen

#endif
