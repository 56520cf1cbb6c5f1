//===- MergeQkv.cpp - nn-merge-qkv ----------------------------------------===//
//
// The q, k and v projections of an attention (softmax or linear) that read
// one input become one GEMM over the concatenated weights, sliced: the
// attention kernel takes the slices in (they are Reindex ops), so three GEMM
// kernels become one and the attention reads one qkv tensor.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"
#include "passes/Passes.h"
#include "passes/WeightBuilder.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace modelc {
#define GEN_PASS_DEF_MERGEQKV
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

/// The linear producing `v` (through single-use RoPE rotations), used only
/// on the way to the attention.
LinearOp projectionBehind(Value v) {
  if (!v.hasOneUse())
    return nullptr;
  while (auto rope = v.getDefiningOp<RopeOp>()) {
    v = rope.getInput();
    if (!v.hasOneUse())
      return nullptr;
  }
  return v.getDefiningOp<LinearOp>();
}

/// For nn.attention and nn.linear_attention, whose kernels take slices in.
template <typename Attention>
struct MergeAttentionProjections : OpRewritePattern<Attention> {
  using OpRewritePattern<Attention>::OpRewritePattern;
  LogicalResult matchAndRewrite(Attention attn,
                                PatternRewriter &rw) const override {
    // q, k, v in order, grouped by the input they project.
    SmallVector<SmallVector<LinearOp, 3>, 3> groups;
    for (Value operand : {attn.getQuery(), attn.getKey(), attn.getValue()}) {
      LinearOp lin = projectionBehind(operand);
      if (!lin)
        continue;
      auto it = llvm::find_if(groups, [&](auto &g) {
        return g.front().getInput() == lin.getInput();
      });
      if (it == groups.end())
        groups.push_back({lin});
      else if (!llvm::is_contained(*it, lin))
        it->push_back(lin);
    }
    bool merged = false;
    for (auto &group : groups)
      if (group.size() > 1) {
        merge(rw, group);
        merged = true;
      }
    return success(merged);
  }

  static void merge(PatternRewriter &rw, ArrayRef<LinearOp> group) {
    SmallVector<Operation *> ops(group.begin(), group.end());
    rw.setInsertionPoint(*llvm::min_element(
        ops, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); }));
    Location loc = mergedLoc(ops);
    WeightBuilder wb(rw, loc, group.front());
    SmallVector<Value> weights, biases;
    bool anyBias =
        llvm::any_of(group, [](LinearOp l) { return !!l.getBias(); });
    for (LinearOp l : group) {
      weights.push_back(l.getWeight());
      if (anyBias)
        biases.push_back(l.getBias() ? l.getBias()
                                     : wb.splat({channels(l.getResult())}, 0));
    }
    Value bias = anyBias ? wb.concat(biases, 0) : Value();
    LinearOp first = group.front();
    auto qkv =
        rw.create<LinearOp>(loc, first.getInput(), wb.concat(weights, 1), bias);
    // Every slice is made before any projection goes: the insertion point
    // is the first projection.
    SmallVector<Value> slices;
    int64_t offset = 0;
    for (LinearOp l : group) {
      int64_t n = channels(l.getResult());
      slices.push_back(
          rw.create<SliceOp>(l.getLoc(), qkv.getResult(), offset, n));
      offset += n;
    }
    for (auto [l, slice] : llvm::zip(group, slices))
      rw.replaceOp(l, slice);
  }
};

struct MergeQkvPass : public modelc::impl::MergeQkvBase<MergeQkvPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MergeAttentionProjections<AttentionOp>,
                 MergeAttentionProjections<LinearAttentionOp>>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
