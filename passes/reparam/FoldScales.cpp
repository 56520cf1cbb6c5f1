//===- FoldScales.cpp - nn-fold-scales ------------------------------------===//
//
// A constant that multiplies the result of a linear map moves into the
// weights of the GEMM behind it. One pattern per scale the IR carries:
//
//  - nn.attention's score scale, into the query projection (through RoPE,
//    which is linear, and through the query slice of a fused qkv GEMM).
//
// Scales that other block families carry (LayerScale, an embedding scale,
// DeepNorm's residual factor) add their pattern here when their ops land.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"
#include "passes/Passes.h"
#include "passes/WeightBuilder.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace modelc {
#define GEN_PASS_DEF_FOLDSCALES
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

/// The linear whose output columns [offset, offset + width) are `v`, seen
/// through single-use RoPE rotations and a query slice, when scaling them
/// changes nothing but `v`.
struct ScaledColumns {
  LinearOp linear;
  int64_t offset = 0, width = 0;
};

std::optional<ScaledColumns> columnsBehind(Value v) {
  if (!v.hasOneUse())
    return std::nullopt;
  while (auto rope = v.getDefiningOp<RopeOp>()) {
    v = rope.getInput();
    if (!v.hasOneUse())
      return std::nullopt;
  }
  ScaledColumns cols;
  cols.width = channels(v);
  if (auto slice = v.getDefiningOp<SliceOp>()) {
    cols.offset = (int64_t)slice.getOffset();
    v = slice.getInput();
    // The other slices of the fused projection must not see the scale.
    for (Operation *user : v.getUsers()) {
      auto other = dyn_cast<SliceOp>(user);
      if (!other)
        return std::nullopt;
      if (other == slice)
        continue;
      int64_t lo = (int64_t)other.getOffset(), hi = lo + channels(other);
      if (lo < cols.offset + cols.width && cols.offset < hi)
        return std::nullopt;
    }
  } else if (!v.hasOneUse()) {
    return std::nullopt;
  }
  cols.linear = v.getDefiningOp<LinearOp>();
  if (!cols.linear)
    return std::nullopt;
  return cols;
}

/// Multiplies columns `cols` of the linear's weight and bias by `s`.
void scaleColumns(PatternRewriter &rw, const ScaledColumns &cols, float s) {
  LinearOp lin = cols.linear;
  rw.setInsertionPoint(lin);
  WeightBuilder wb(rw, lin.getLoc(), lin);
  int64_t n = channels(lin.getResult());
  Value w, b;
  if (cols.width == n) {
    w = wb.mulScalar(lin.getWeight(), s);
    if (lin.getBias())
      b = wb.mulScalar(lin.getBias(), s);
  } else {
    SmallVector<Value> parts;
    int64_t rest = n - cols.offset - cols.width;
    if (cols.offset)
      parts.push_back(wb.splat({cols.offset}, 1.0f));
    parts.push_back(wb.splat({cols.width}, s));
    if (rest)
      parts.push_back(wb.splat({rest}, 1.0f));
    Value vec = wb.concat(parts, 0);
    w = wb.scale(lin.getWeight(), vec, 1);
    if (lin.getBias())
      b = wb.scale(lin.getBias(), vec, 0);
  }
  rw.replaceOpWithNewOp<LinearOp>(lin, lin.getInput(), w, b);
}

struct FoldAttentionScale : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp attn,
                                PatternRewriter &rw) const override {
    float s = attn.getScale().convertToFloat();
    if (s == 1.0f)
      return failure();
    auto cols = columnsBehind(attn.getQuery());
    if (!cols)
      return failure();
    scaleColumns(rw, *cols, s);
    rw.modifyOpInPlace(attn, [&] { attn.setScale(APFloat(1.0f)); });
    return success();
  }
};

struct FoldScalesPass : public modelc::impl::FoldScalesBase<FoldScalesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldAttentionScale>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
