//===- MergeBranches.cpp - nn-merge-branches ------------------------------===//
//
// Structural re-parameterization: a sum of linear branches of one input is
// one linear. A branch is a chain of linears with nothing between them, so
// the sum of a base projection and a LoRA adapter (x W + (x A) B) is one of
// these sums and merges into x (W + A B).
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"
#include "passes/WeightBuilder.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace modelc {
#define GEN_PASS_DEF_MERGEBRANCHES
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

/// A chain of linears x -> l0 -> l1 -> ... -> v, each result used only by
/// the next (and v only by the sum).
struct Branch {
  Value input;
  SmallVector<LinearOp> chain; // first applied first

  double flops() const {
    double f = 0;
    for (LinearOp l : chain)
      f += l.getFlopsPerToken();
    return f;
  }
  /// Its weight (the product of the chain's) and bias.
  std::pair<Value, Value> fold(WeightBuilder &wb) const {
    LinearOp first = chain.front();
    Value w = first.getWeight(), b = first.getBias();
    for (LinearOp l : ArrayRef(chain).drop_front()) {
      if (b)
        b = wb.matmul(b, l.getWeight());
      b = wb.add(b, l.getBias());
      w = wb.matmul(w, l.getWeight());
    }
    return {w, b};
  }
};

std::optional<Branch> branchOf(Value v) {
  if (!v.hasOneUse())
    return std::nullopt;
  Branch br;
  while (auto lin = v.getDefiningOp<LinearOp>()) {
    br.chain.push_back(lin);
    v = lin.getInput();
    if (!v.getDefiningOp<LinearOp>() || !v.hasOneUse())
      break;
  }
  if (br.chain.empty())
    return std::nullopt;
  std::reverse(br.chain.begin(), br.chain.end());
  br.input = br.chain.front().getInput();
  return br;
}

struct MergeSum : OpRewritePattern<AddOp> {
  MergeSum(MLIRContext *ctx, bool allowWeightGrowth)
      : OpRewritePattern(ctx), allowWeightGrowth(allowWeightGrowth) {}

  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rw) const override {
    auto a = branchOf(add.getLhs()), b = branchOf(add.getRhs());
    if (!a || !b || a->input != b->input)
      return failure();
    LinearOp first = a->chain.front();
    auto w = first.getWeight().getType();
    double merged = 2.0 * w.getDimSize(0) *
                    cast<RankedTensorType>(add.getType()).getDimSize(2);
    if (merged >= a->flops() + b->flops())
      return failure();
    if (!allowWeightGrowth)
      for (const Branch *br : {&*a, &*b})
        for (LinearOp l : br->chain)
          if (!l.getWeight().hasOneUse())
            return failure(); // the merged weight would be an extra copy
    SmallVector<Operation *> ops;
    for (const Branch *br : {&*a, &*b})
      ops.append(br->chain.begin(), br->chain.end());
    Location loc = mergedLoc(ops);
    rw.setInsertionPoint(add);
    WeightBuilder wb(rw, loc, add);
    auto [wa, ba] = a->fold(wb);
    auto [wb2, bb] = b->fold(wb);
    auto lin =
        rw.create<LinearOp>(loc, a->input, wb.add(wa, wb2), wb.add(ba, bb));
    rw.replaceOp(add, lin.getResult());
    for (Operation *op : llvm::reverse(ops))
      rw.eraseOp(op);
    return success();
  }

  bool allowWeightGrowth;
};

struct MergeBranchesPass
    : public modelc::impl::MergeBranchesBase<MergeBranchesPass> {
  using MergeBranchesBase::MergeBranchesBase;
  void runOnOperation() override {
    int64_t before = weightBytes(getOperation());
    RewritePatternSet patterns(&getContext());
    patterns.add<MergeSum>(&getContext(), allowWeightGrowth);
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    int64_t after = weightBytes(getOperation());
    if (after > before)
      getOperation().emitRemark()
          << "nn-merge-branches: merged weights add " << after - before
          << " bytes (" << before << " -> " << after << ")";
  }
};

} // namespace
