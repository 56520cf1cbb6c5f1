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
#include "llvm/Support/CommandLine.h"

#include <string>
#include <vector>

namespace modelc {

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
/// Up to `--emit=optimized`: at -O1 and up, canonicalize + CSE, the
/// re-parameterization passes of the level, canonicalize + CSE; nothing at
/// -O0.
void buildOptimizePipeline(mlir::OpPassManager &pm,
                           const PipelineOptions &options);
/// nn-form-kernels{fuse = optLevel > 0}, nn-dedup-kernels, nn-plan-memory.
void buildKernelPipeline(mlir::OpPassManager &pm,
                         const PipelineOptions &options);

/// Registers the `nn-optimize` and `nn-lower-to-kernels` pass pipelines
/// (options `opt-level`, default 3, `disable`, a list of pass flags, and
/// `allow-weight-growth`)
/// for modelc-opt's --pass-pipeline.
void registerPipelines();

} // namespace modelc

#endif // MODELC_PASSES_PIPELINE_H
