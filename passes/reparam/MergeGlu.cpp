//===- MergeGlu.cpp - nn-merge-glu ----------------------------------------===//
//
// act(x W_g) * (x W_u) -> nn.gated_linear over [W_g | W_u]: one GEMM kernel
// whose tiles hold matching gate and up columns (codegen's gated panel
// layout), with act(gate) * up in its epilogue.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"
#include "passes/Passes.h"
#include "passes/WeightBuilder.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace modelc {
#define GEN_PASS_DEF_MERGEGLU
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

/// The linear producing `v`, used only there.
LinearOp soleLinear(Value v) {
  return v.hasOneUse() ? v.getDefiningOp<LinearOp>() : nullptr;
}

struct MergeGateUp : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp mul, PatternRewriter &rw) const override {
    for (auto [a, u] : {std::pair{mul.getLhs(), mul.getRhs()},
                        std::pair{mul.getRhs(), mul.getLhs()}}) {
      auto act = a.getDefiningOp<ActivationOp>();
      if (!act || !a.hasOneUse())
        continue;
      LinearOp gate = soleLinear(act.getInput()), up = soleLinear(u);
      if (!gate || !up || gate == up || gate.getInput() != up.getInput())
        continue;
      Location loc = mergedLoc({gate, up});
      rw.setInsertionPoint(mul);
      WeightBuilder wb(rw, loc, mul);
      Value bias;
      if (gate.getBias() || up.getBias()) {
        Value zeros = wb.splat({channels(mul.getResult())}, 0);
        bias = wb.concat({gate.getBias() ? gate.getBias() : zeros,
                          up.getBias() ? up.getBias() : zeros},
                         0);
      }
      Value w = wb.concat({gate.getWeight(), up.getWeight()}, 1);
      auto gated = rw.create<GatedLinearOp>(loc, act.getKind(), gate.getInput(),
                                            w, bias);
      rw.replaceOp(mul, gated.getResult());
      rw.eraseOp(act);
      rw.eraseOp(gate);
      rw.eraseOp(up);
      return success();
    }
    return failure();
  }
};

struct MergeGluPass : public modelc::impl::MergeGluBase<MergeGluPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MergeGateUp>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
