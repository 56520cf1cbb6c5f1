//===- MergeLora.cpp - nn-merge-lora --------------------------------------===//
//
// x W + b + s (x A) B = x (W + s A B) + b: an nn.lora_linear whose low-rank
// input is x A (a bias-free linear of the same input, used only there)
// becomes one nn.linear over the merged weight, which is always fewer FLOPs
// (K N against K N + K r + r N). When W is read elsewhere too (per-loop
// LoRA: the passes of a loop share W, each with its own A and B), merging
// gives every pass its own copy of W: that trades memory for speed, so it
// is done only with allow-weight-growth, and the pass reports the bytes.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"
#include "passes/WeightBuilder.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace modelc {
#define GEN_PASS_DEF_MERGELORA
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

struct MergeAdapter : OpRewritePattern<LoraLinearOp> {
  MergeAdapter(MLIRContext *ctx, bool allowWeightGrowth)
      : OpRewritePattern(ctx), allowWeightGrowth(allowWeightGrowth) {}

  LogicalResult matchAndRewrite(LoraLinearOp op,
                                PatternRewriter &rw) const override {
    Value xa = op.getLowRankInput();
    auto down = xa.getDefiningOp<LinearOp>();
    if (!down || down.getBias() || down.getInput() != op.getInput() ||
        !xa.hasOneUse())
      return failure();
    if (!allowWeightGrowth && !op.getWeight().hasOneUse())
      return failure(); // the merged weight would be an extra copy of W
    WeightBuilder wb(rw, op.getLoc(), op);
    Value delta = wb.matmul(down.getWeight(), op.getLowRankWeight());
    float s = op.getScale().convertToFloat();
    if (s != 1.0f)
      delta = wb.mulScalar(delta, s);
    rw.setInsertionPoint(op);
    rw.replaceOpWithNewOp<LinearOp>(
        op, op.getInput(), wb.add(op.getWeight(), delta), op.getBias());
    rw.eraseOp(down);
    return success();
  }

  bool allowWeightGrowth;
};

struct MergeLoraPass : public modelc::impl::MergeLoraBase<MergeLoraPass> {
  using MergeLoraBase::MergeLoraBase;
  void runOnOperation() override {
    int64_t before = weightBytes(getOperation());
    RewritePatternSet patterns(&getContext());
    patterns.add<MergeAdapter>(&getContext(), allowWeightGrowth);
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    int64_t after = weightBytes(getOperation());
    if (after > before)
      emitRemark(getOperation().getLoc())
          << "nn-merge-lora: per-iteration weights add " << after - before
          << " bytes (" << before << " -> " << after << ")";
  }
};

} // namespace
