//===- FoldBatchNorm.cpp - nn-fold-batch-norm -----------------------------===//
//
// An inference BatchNorm (or SLAB's RepBN, BN(x) + alpha x) is one
// per-channel affine for every token, x k + t with
// k = gamma / sqrt(var + eps) (+ alpha) and t = beta - mean gamma /
// sqrt(var + eps), so it folds into the GEMM next to it and disappears:
//   into the GEMMs reading it, when they are all its users:
//     (x k + t) W + b = x (diag(k) W) + (t W + b);
//   else into the linear producing it, when the norm is its only user:
//     (x W + b) k + t = x (W diag(k)) + (b k + t).
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"
#include "passes/WeightBuilder.h"
#include "passes/reparam/GemmFolds.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace modelc {
#define GEN_PASS_DEF_FOLDBATCHNORM
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

struct FoldIntoLinear : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rw) const override {
    auto consumers = gemmUsersOf(bn.getResult());
    auto producer = bn.getInput().getDefiningOp<LinearOp>();
    if (!bn.getInput().hasOneUse())
      producer = nullptr;
    if (!consumers && !producer)
      return failure();
    WeightBuilder wb(rw, bn.getLoc(), bn);
    APFloat eps = bn.getEpsilon();
    Value k = wb.bnScale(bn.getGamma(), bn.getVariance(), bn.getAlpha(), eps);
    Value t = wb.bnShift(bn.getBeta(), bn.getMean(), bn.getGamma(),
                         bn.getVariance(), eps);
    if (consumers) {
      foldAffineIntoGemms(rw, *consumers, k, t);
      rw.replaceOp(bn, bn.getInput());
      return success();
    }
    Value bias = t;
    if (Value b = producer.getBias())
      bias = wb.add(wb.scale(b, k, /*axis=*/0), t);
    rw.setInsertionPoint(producer);
    auto folded = rw.create<LinearOp>(
        producer.getLoc(), producer.getInput(),
        wb.scale(producer.getWeight(), k, /*axis=*/1), bias);
    rw.replaceOp(bn, folded.getResult());
    rw.eraseOp(producer);
    return success();
  }
};

struct FoldBatchNormPass
    : public modelc::impl::FoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoLinear>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
