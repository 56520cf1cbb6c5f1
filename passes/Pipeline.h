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

#include "passes/prune/FactorLinears.h"
#include "passes/prune/PruneHeads.h"
#include "passes/prune/PruneNeurons.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"

#include <string>
#include <vector>

namespace modelc {

/// The approximate passes, run only when asked, before everything else
/// (docs/passes.md "Approximate passes"); the defaults run none.
struct ApproxOptions {
  std::vector<int64_t> dropLayers; // nn-drop-layers
  double pruneHeads = 0;           // nn-prune-heads, a ratio in [0, 1)
  int64_t pruneHeadsCount = 0;     // or a count
  bool pruneHeadsGlobal = false;   // of all attentions together
  double pruneNeurons = 0;         // nn-prune-neurons, a ratio in [0, 1)
  int64_t pruneNeuronsCount = 0;   // or a count
  bool pruneNeuronsGlobal = false; // of all MLPs together (reads weights)
  // Heads and neurons scored by measured activations (the driver's
  // calib:... tensors) instead of weight magnitude.
  bool pruneByActivation = false;
  int64_t lowRank = 0;            // nn-factor-linears, a rank (0: none)
  double lowRankEnergy = 0;       // or the rank by retained energy
  std::string lowRankMatch = "*"; // the linears it factors, by name
  WeightReader
      weights; // for lowRankEnergy, global pruning (the driver's store)
  bool int8Weights = false;    // nn-quantize-weights, after the exact
  int64_t int8Group = 0;       // passes; rows per scale (0: a column)
  std::string int8Match = "*"; // the linears it quantizes, by name
};

/// The passes `options` asks for that run first, configured, in pipeline
/// order (all but weight-only int8).
std::vector<std::unique_ptr<mlir::Pass>>
approximatePasses(const ApproxOptions &options);

/// nn-quantize-weights as `options` asks for it (it runs after the exact
/// passes), or null.
std::unique_ptr<mlir::Pass>
weightQuantizationPass(const ApproxOptions &options);

struct PipelineOptions {
  /// 0: no canonicalize/CSE, no re-parameterization, one kernel per compute
  /// op. 1..3: canonicalize, CSE, the re-parameterization passes of the
  /// level (reparamPasses()), fusing kernel formation.
  int optLevel = 3;
  /// Flags of re-parameterization passes to leave out ("nn-merge-qkv").
  std::vector<std::string> disabled;
  /// Merges that give each user of a shared weight its own merged copy
  /// (per-loop LoRA): nn-merge-lora and nn-merge-branches, each reporting the
  /// bytes added.
  bool allowWeightGrowth = false;
  /// The approximate passes (at any level, -O0 included).
  ApproxOptions approx;
};

/// One exact re-parameterization pass of the optimize pipeline.
struct ReparamPass {
  const char *flag; // its modelc-opt flag, e.g. "nn-fold-norm-affine"
  int level;        // the lowest -O level that runs it
  std::unique_ptr<mlir::Pass> (*create)(const PipelineOptions &);
};

/// The re-parameterization passes in pipeline order.
llvm::ArrayRef<ReparamPass> reparamPasses();

/// Checks that every name in `disabled` is the flag of a pass of
/// reparamPasses(); otherwise `error` says which one is not.
mlir::LogicalResult checkDisabledPasses(llvm::ArrayRef<std::string> disabled,
                                        std::string &error);

/// A command-line parser for flags of reparamPasses(): an unknown name is an
/// option error that lists the known ones (modelc compile --disable-pass,
/// the pipelines' `disable` option).
class ReparamPassNameParser : public llvm::cl::parser<std::string> {
public:
  using llvm::cl::parser<std::string>::parser;
  bool parse(llvm::cl::Option &option, llvm::StringRef argName,
             llvm::StringRef arg, std::string &value);
};

/// The whole pipeline: optimize, then lower to kernels.
void buildPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);
/// Up to `--emit=optimized`: the approximate passes asked for, then, at -O1
/// and up, canonicalize + CSE, the re-parameterization passes of the
/// level, canonicalize + CSE; then weight-only int8 if asked (on the merged
/// and folded weights).
void buildOptimizePipeline(mlir::OpPassManager &pm,
                           const PipelineOptions &options);
/// nn-form-kernels{fuse = optLevel > 0}, nn-dedup-kernels, nn-plan-memory.
void buildKernelPipeline(mlir::OpPassManager &pm,
                         const PipelineOptions &options);

/// Registers the `nn-optimize` and `nn-lower-to-kernels` pass pipelines
/// (options `opt-level`, default 3, `disable`, a list of pass flags,
/// `allow-weight-growth`, and the approximate passes' `drop-layers`,
/// `prune-heads`, `prune-heads-count`, `prune-heads-global`,
/// `prune-neurons`, `prune-neurons-count`,
/// `prune-neurons-global`, `low-rank`, `low-rank-energy`,
/// `low-rank-match`, `int8-weights`, `int8-group`, `int8-match`) for
/// modelc-opt's --pass-pipeline.
void registerPipelines();

} // namespace modelc

#endif // MODELC_PASSES_PIPELINE_H
