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

std::vector<std::unique_ptr<Pass>>
modelc::approximatePasses(const ApproxOptions &options) {
  std::vector<std::unique_ptr<Pass>> passes;
  if (!options.dropLayers.empty()) {
    DropLayersOptions o;
    o.layers = options.dropLayers; // copied by the pass
    passes.push_back(createDropLayers(o));
  }
  if (options.pruneHeads != 0 || options.pruneHeadsCount != 0)
    passes.push_back(createPruneHeads(
        PruneHeadsOptions{options.pruneHeads, options.pruneHeadsCount,
                          options.pruneHeadsGlobal, options.pruneByActivation},
        options.weights));
  if (options.pruneNeurons != 0 || options.pruneNeuronsCount != 0)
    passes.push_back(createPruneNeurons(
        PruneNeuronsOptions{options.pruneNeurons, options.pruneNeuronsCount,
                            options.pruneNeuronsGlobal,
                            options.pruneByActivation},
        options.weights));
  if (options.lowRank != 0 || options.lowRankEnergy != 0)
    passes.push_back(createFactorLinears(
        FactorLinearsOptions{options.lowRank, options.lowRankEnergy,
                             options.lowRankMatch},
        options.weights));
  return passes;
}

std::unique_ptr<Pass>
modelc::weightQuantizationPass(const ApproxOptions &options) {
  if (!options.int8Weights)
    return nullptr;
  return createQuantizeWeights(
      QuantizeWeightsOptions{options.int8Group, options.int8Match});
}

void modelc::buildOptimizePipeline(OpPassManager &pm,
                                   const PipelineOptions &options) {
  for (std::unique_ptr<Pass> &pass : approximatePasses(options.approx))
    pm.addNestedPass<func::FuncOp>(std::move(pass));
  if (options.optLevel > 0) {
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
  // Last: the folds and merges see plain linears, and int8 rounds the
  // weights they computed (one rounding, of the merged QKV too).
  if (std::unique_ptr<Pass> pass = weightQuantizationPass(options.approx))
    pm.addNestedPass<func::FuncOp>(std::move(pass));
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
  ListOption<int64_t> dropLayers{
      *this, "drop-layers",
      llvm::cl::desc("approximate: layers to drop (nn-drop-layers)")};
  Option<double> pruneHeads{
      *this, "prune-heads",
      llvm::cl::desc("approximate: the ratio of heads to prune per attention "
                     "(nn-prune-heads)"),
      llvm::cl::init(0.0)};
  Option<int64_t> pruneHeadsCount{
      *this, "prune-heads-count",
      llvm::cl::desc("approximate: instead of a ratio, the heads to prune "
                     "per attention (nn-prune-heads)"),
      llvm::cl::init(0)};
  Option<bool> pruneHeadsGlobal{
      *this, "prune-heads-global",
      llvm::cl::desc("the ratio or count of prune-heads is of all attentions "
                     "together (needs the weights: modelc compile only)"),
      llvm::cl::init(false)};
  Option<double> pruneNeurons{
      *this, "prune-neurons",
      llvm::cl::desc("approximate: the ratio of neurons to prune per MLP "
                     "(nn-prune-neurons)"),
      llvm::cl::init(0.0)};
  Option<int64_t> pruneNeuronsCount{
      *this, "prune-neurons-count",
      llvm::cl::desc("approximate: instead of a ratio, the neurons to prune "
                     "per MLP (nn-prune-neurons)"),
      llvm::cl::init(0)};
  Option<bool> pruneNeuronsGlobal{
      *this, "prune-neurons-global",
      llvm::cl::desc("the ratio or count of prune-neurons is of all MLPs "
                     "together (needs the weights: modelc compile only)"),
      llvm::cl::init(false)};
  Option<int64_t> lowRank{
      *this, "low-rank",
      llvm::cl::desc("approximate: the rank to factor linears to "
                     "(nn-factor-linears)"),
      llvm::cl::init(0)};
  Option<double> lowRankEnergy{
      *this, "low-rank-energy",
      llvm::cl::desc("approximate: the rank by retained energy instead "
                     "(needs the weights: modelc compile only)"),
      llvm::cl::init(0.0)};
  Option<std::string> lowRankMatch{
      *this, "low-rank-match",
      llvm::cl::desc("the linears low-rank factors, a glob over names"),
      llvm::cl::init("*")};
  Option<bool> int8Weights{
      *this, "int8-weights",
      llvm::cl::desc("approximate: int8 weights for linears "
                     "(nn-quantize-weights), after the exact passes"),
      llvm::cl::init(false)};
  Option<int64_t> int8Group{
      *this, "int8-group",
      llvm::cl::desc("input rows per int8 scale (0: one per output column)"),
      llvm::cl::init(0)};
  Option<std::string> int8Match{
      *this, "int8-match",
      llvm::cl::desc("the linears int8-weights quantizes, a glob over names"),
      llvm::cl::init("*")};
  modelc::PipelineOptions get() const {
    modelc::PipelineOptions o;
    o.optLevel = optLevel;
    o.disabled.assign(disable.begin(), disable.end());
    o.allowWeightGrowth = allowWeightGrowth;
    o.approx.dropLayers.assign(dropLayers.begin(), dropLayers.end());
    o.approx.pruneHeads = pruneHeads;
    o.approx.pruneHeadsCount = pruneHeadsCount;
    o.approx.pruneHeadsGlobal = pruneHeadsGlobal;
    o.approx.pruneNeurons = pruneNeurons;
    o.approx.pruneNeuronsCount = pruneNeuronsCount;
    o.approx.pruneNeuronsGlobal = pruneNeuronsGlobal;
    o.approx.lowRank = lowRank;
    o.approx.lowRankEnergy = lowRankEnergy;
    o.approx.lowRankMatch = lowRankMatch;
    o.approx.int8Weights = int8Weights;
    o.approx.int8Group = int8Group;
    o.approx.int8Match = int8Match;
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
