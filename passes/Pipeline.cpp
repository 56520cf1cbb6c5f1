//===- Pipeline.cpp - the -O pipelines of modelc --------------------------===//
#include "passes/Pipeline.h"
#include "passes/Passes.h"

#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void modelc::buildOptimizePipeline(OpPassManager &pm,
                                   const PipelineOptions &options) {
  if (options.optLevel <= 0)
    return;
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void modelc::buildKernelPipeline(OpPassManager &pm,
                                 const PipelineOptions &options) {
  FormKernelsOptions form;
  form.fuse = options.optLevel > 0;
  pm.addNestedPass<func::FuncOp>(createFormKernels(form));
  pm.addPass(createDedupKernels());
  pm.addPass(createPlanMemory());
}

void modelc::buildPipeline(OpPassManager &pm, const PipelineOptions &options) {
  buildOptimizePipeline(pm, options);
  buildKernelPipeline(pm, options);
}

namespace {
struct PipelineCLOptions : public PassPipelineOptions<PipelineCLOptions> {
  Option<int> optLevel{*this, "opt-level",
                       llvm::cl::desc("optimization level 0..3 (as -O)"),
                       llvm::cl::init(3)};
  modelc::PipelineOptions get() const {
    modelc::PipelineOptions o;
    o.optLevel = optLevel;
    return o;
  }
};
} // namespace

void modelc::registerPipelines() {
  PassPipelineRegistration<PipelineCLOptions>(
      "nn-optimize",
      "canonicalize + CSE on nn IR (-O1 and up); the `--emit=optimized` stage",
      [](OpPassManager &pm, const PipelineCLOptions &o) {
        buildOptimizePipeline(pm, o.get());
      });
  PassPipelineRegistration<PipelineCLOptions>(
      "nn-lower-to-kernels",
      "the whole -O pipeline: optimize, form kernels, dedup them, plan "
      "memory; the `--emit=kernels` stage",
      [](OpPassManager &pm, const PipelineCLOptions &o) {
        buildPipeline(pm, o.get());
      });
}
