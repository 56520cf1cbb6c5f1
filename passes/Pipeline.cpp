//===- Pipeline.cpp - the -O pipelines of modelc --------------------------===//
#include "passes/Pipeline.h"
#include "passes/Passes.h"

#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace {
template <std::unique_ptr<Pass> (*Create)()>
std::unique_ptr<Pass> make(const modelc::PipelineOptions &) {
  return Create();
}

/// A merge pass whose allow-weight-growth follows the pipeline's.
template <typename Options, std::unique_ptr<Pass> (*Create)(const Options &)>
std::unique_ptr<Pass> makeGrowing(const modelc::PipelineOptions &o) {
  Options options;
  options.allowWeightGrowth = o.allowWeightGrowth;
  return Create(options);
}

// -O1: exact folds that keep every kernel's shape. -O2: merges that change
// kernel shapes (one GEMM for several). -O3: nothing more yet: the exact
// rewrites that exist are all faster at -O2 already (docs/passes.md).
// nn-merge-lora comes first so that the norm folds see plain linears.
const modelc::ReparamPass kReparamPasses[] = {
    {"nn-merge-lora", 1,
     makeGrowing<modelc::MergeLoraOptions, modelc::createMergeLora>},
    {"nn-fold-batch-norm", 1, make<modelc::createFoldBatchNorm>},
    {"nn-fold-norm-affine", 1, make<modelc::createFoldNormAffine>},
    {"nn-recenter-stream", 1, make<modelc::createRecenterStream>},
    {"nn-fold-scales", 1, make<modelc::createFoldScales>},
    {"nn-merge-branches", 1,
     makeGrowing<modelc::MergeBranchesOptions, modelc::createMergeBranches>},
    {"nn-merge-linears", 2, make<modelc::createMergeLinears>},
    {"nn-merge-qkv", 2, make<modelc::createMergeQkv>},
    {"nn-merge-glu", 2, make<modelc::createMergeGlu>},
};
} // namespace

llvm::ArrayRef<modelc::ReparamPass> modelc::reparamPasses() {
  return kReparamPasses;
}

LogicalResult modelc::checkDisabledPasses(llvm::ArrayRef<std::string> disabled,
                                          std::string &error) {
  for (const std::string &name : disabled)
    if (llvm::none_of(reparamPasses(),
                      [&](const ReparamPass &p) { return name == p.flag; })) {
      error = "'" + name + "' is not a re-parameterization pass; known:";
      for (const ReparamPass &p : reparamPasses())
        error += std::string(" ") + p.flag;
      return failure();
    }
  return success();
}

bool modelc::ReparamPassNameParser::parse(llvm::cl::Option &option,
                                          llvm::StringRef, llvm::StringRef arg,
                                          std::string &value) {
  std::string error;
  if (failed(checkDisabledPasses({arg.str()}, error)))
    return option.error(error);
  value = arg.str();
  return false;
}

void modelc::buildOptimizePipeline(OpPassManager &pm,
                                   const PipelineOptions &options) {
  if (options.optLevel <= 0)
    return;
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  for (const ReparamPass &p : reparamPasses())
    if (options.optLevel >= p.level &&
        !llvm::is_contained(options.disabled, p.flag))
      pm.addNestedPass<func::FuncOp>(p.create(options));
  // The folds leave duplicate expressions (one splat per folded norm, ...).
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
  ListOption<std::string, modelc::ReparamPassNameParser> disable{
      *this, "disable",
      llvm::cl::desc("re-parameterization passes to leave out, by flag")};
  Option<bool> allowWeightGrowth{
      *this, "allow-weight-growth",
      llvm::cl::desc("merges may copy a shared weight per use (per-loop "
                     "LoRA), reporting the bytes"),
      llvm::cl::init(false)};
  modelc::PipelineOptions get() const {
    modelc::PipelineOptions o;
    o.optLevel = optLevel;
    o.disabled.assign(disable.begin(), disable.end());
    o.allowWeightGrowth = allowWeightGrowth;
    return o;
  }
};

} // namespace

void modelc::registerPipelines() {
  PassPipelineRegistration<PipelineCLOptions>(
      "nn-optimize",
      "canonicalize + CSE and the re-parameterization passes of the level "
      "(-O1 and up); the `--emit=optimized` stage",
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
