//===- MergeLinears.cpp - nn-merge-linears --------------------------------===//
//
// (x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2), when the first result has
// no other use and the merged GEMM does less arithmetic.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"
#include "passes/WeightBuilder.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace modelc {
#define GEN_PASS_DEF_MERGELINEARS
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

struct MergeConsecutive : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearOp outer,
                                PatternRewriter &rw) const override {
    auto inner = outer.getInput().getDefiningOp<LinearOp>();
    if (!inner || !inner.getResult().hasOneUse())
      return failure();
    auto w1 = inner.getWeight().getType(), w2 = outer.getWeight().getType();
    int64_t k = w1.getDimSize(0), m = w1.getDimSize(1), n = w2.getDimSize(1);
    if (k * n >= k * m + m * n)
      return failure(); // a factored pair is cheaper left as it is
    Location loc = mergedLoc({inner, outer});
    rw.setInsertionPoint(outer);
    WeightBuilder wb(rw, loc, outer);
    Value w = wb.matmul(inner.getWeight(), outer.getWeight());
    Value b =
        wb.add(inner.getBias() ? wb.matmul(inner.getBias(), outer.getWeight())
                               : Value(),
               outer.getBias());
    auto merged = rw.create<LinearOp>(loc, inner.getInput(), w, b);
    rw.replaceOp(outer, merged.getResult());
    rw.eraseOp(inner);
    return success();
  }
};

struct MergeLinearsPass
    : public modelc::impl::MergeLinearsBase<MergeLinearsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MergeConsecutive>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
