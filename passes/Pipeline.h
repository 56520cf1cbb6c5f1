//===- Pipeline.h - the -O pipelines of modelc ------------------*- C++ -*-===//
//
// buildPipeline = buildOptimizePipeline (nn -> optimized nn,
// `--emit=optimized`)
//               + buildKernelPipeline  (-> nn.kernel regions, dedup'd names,
//                                       arena offsets, `--emit=kernels`).
// All three expect a pass manager anchored on builtin.module.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_PASSES_PIPELINE_H
#define MODELC_PASSES_PIPELINE_H

#include "mlir/Pass/PassManager.h"

namespace modelc {

struct PipelineOptions {
  /// 0: no canonicalize/CSE, one kernel per compute op.
  /// 1..3: canonicalize, CSE, fusing kernel formation.
  int optLevel = 3;
};

/// The whole pipeline: optimize, then lower to kernels.
void buildPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);
/// Up to `--emit=optimized`: canonicalize + CSE at -O1 and up; nothing at -O0.
void buildOptimizePipeline(mlir::OpPassManager &pm,
                           const PipelineOptions &options);
/// nn-form-kernels{fuse = optLevel > 0}, nn-dedup-kernels, nn-plan-memory.
void buildKernelPipeline(mlir::OpPassManager &pm,
                         const PipelineOptions &options);

/// Registers the `nn-optimize` and `nn-lower-to-kernels` pass pipelines
/// (option `opt-level`, default 3) for modelc-opt's --pass-pipeline.
void registerPipelines();

} // namespace modelc

#endif // MODELC_PASSES_PIPELINE_H
