//===- FoldNormAffine.cpp - nn-fold-norm-affine ---------------------------===//
//
// (n gamma + beta) W + b = n (diag(gamma) W) + (beta W + b): a norm whose
// every user is a GEMM's input hands its affine to them.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"
#include "passes/reparam/GemmFolds.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace modelc {
#define GEN_PASS_DEF_FOLDNORMAFFINE
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

template <typename NormOp> struct FoldAffine : OpRewritePattern<NormOp> {
  using OpRewritePattern<NormOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(NormOp norm,
                                PatternRewriter &rw) const override {
    if (norm.getAffine().empty())
      return failure();
    auto users = gemmUsersOf(norm.getResult());
    if (!users)
      return failure();
    Value gamma = norm.getAffine()[0];
    Value beta = norm.getAffine().size() > 1 ? norm.getAffine()[1] : Value();
    foldAffineIntoGemms(rw, *users, gamma, beta);
    rw.setInsertionPoint(norm);
    rw.replaceOpWithNewOp<NormOp>(norm, norm.getInput(), ValueRange{},
                                  norm.getEpsilon());
    return success();
  }
};

struct FoldNormAffinePass
    : public modelc::impl::FoldNormAffineBase<FoldNormAffinePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldAffine<LayerNormOp>, FoldAffine<RMSNormOp>>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
