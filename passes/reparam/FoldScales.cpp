//===- FoldScales.cpp - nn-fold-scales ------------------------------------===//
//
// A constant that multiplies the result of a linear map moves into the
// weights of the GEMM behind it. One pattern per scale the IR carries:
//
//  - nn.attention's score scale, into the query projection (through RoPE,
//    which is linear, and through the query slice of a fused qkv GEMM);
//  - LayerScale (nn.channel_scale), into the linear or the norm's affine
//    that produces the sub-layer output it scales;
//  - DeepNorm's residual factor (nn.scaled_add, alpha x + f(x) under a
//    LayerNorm or RMSNorm), into the branch's last linear as 1 / alpha,
//    since norm_eps(alpha y) = norm_(eps / alpha^2)(y) for alpha > 0.
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

/// The single-use linear that produces `v`, else null.
LinearOp soleLinear(Value v) {
  return v.hasOneUse() ? v.getDefiningOp<LinearOp>() : LinearOp();
}

/// Replaces `lin` with a linear of the same input whose weight's columns
/// and bias are scaled: by `vec` (along the output axis) or, without it, by
/// the constant `s`.
LinearOp rescaleLinear(PatternRewriter &rw, LinearOp lin, Value vec, float s) {
  rw.setInsertionPoint(lin);
  WeightBuilder wb(rw, lin.getLoc(), lin);
  auto scaled = [&](Value w, int64_t axis) {
    return vec ? wb.scale(w, vec, axis) : wb.mulScalar(w, s);
  };
  Value b = lin.getBias() ? scaled(lin.getBias(), 0) : Value();
  return rw.replaceOpWithNewOp<LinearOp>(lin, lin.getInput(),
                                         scaled(lin.getWeight(), 1), b);
}

/// Multiplies columns `cols` of the linear's weight and bias by `s`.
void scaleColumns(PatternRewriter &rw, const ScaledColumns &cols, float s) {
  LinearOp lin = cols.linear;
  int64_t n = channels(lin.getResult());
  if (cols.width == n) {
    rescaleLinear(rw, lin, Value(), s);
    return;
  }
  WeightBuilder wb(rw, lin.getLoc(), lin);
  SmallVector<Value> parts;
  int64_t rest = n - cols.offset - cols.width;
  if (cols.offset)
    parts.push_back(wb.splat({cols.offset}, 1.0f));
  parts.push_back(wb.splat({cols.width}, s));
  if (rest)
    parts.push_back(wb.splat({rest}, 1.0f));
  rescaleLinear(rw, lin, wb.concat(parts, 0), 1.0f);
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

/// diag(lambda) f: into f's last linear, (x W + b) lambda =
/// x (W diag(lambda)) + b lambda, or into the norm that ends a Peri-LN
/// sub-layer, (n gamma + beta) lambda = n (gamma lambda) + beta lambda.
struct FoldLayerScale : OpRewritePattern<ChannelScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ChannelScaleOp op,
                                PatternRewriter &rw) const override {
    Value y = op.getInput(), lambda = op.getScale();
    if (LinearOp lin = soleLinear(y)) {
      rw.replaceOp(op, rescaleLinear(rw, lin, lambda, 1.0f).getResult());
      return success();
    }
    if (!y.hasOneUse())
      return failure();
    if (auto ln = y.getDefiningOp<LayerNormOp>())
      return foldIntoNorm(rw, op, ln, /*withBeta=*/true);
    if (auto rms = y.getDefiningOp<RMSNormOp>())
      return foldIntoNorm(rw, op, rms, /*withBeta=*/false);
    return failure();
  }

  template <typename NormOp>
  static LogicalResult foldIntoNorm(PatternRewriter &rw, ChannelScaleOp op,
                                    NormOp norm, bool withBeta) {
    Value lambda = op.getScale();
    WeightBuilder wb(rw, norm.getLoc(), norm);
    SmallVector<Value> affine;
    if (norm.getAffine().empty()) {
      affine.push_back(lambda);
      if (withBeta)
        affine.push_back(wb.splat({channels(lambda)}, 0.0f));
    } else {
      for (Value v : norm.getAffine())
        affine.push_back(wb.scale(v, lambda, /*axis=*/0));
    }
    rw.setInsertionPoint(norm);
    auto folded = rw.create<NormOp>(norm.getLoc(), norm.getInput(), affine,
                                    norm.getEpsilon());
    rw.replaceOp(op, folded.getResult());
    rw.eraseOp(norm);
    return success();
  }
};

/// norm(alpha x + (u W + b)) = norm'(x + u (W / alpha) + b / alpha), norm'
/// with epsilon / alpha^2: LayerNorm and RMSNorm see their input's scale
/// only through epsilon.
struct FoldDeepNormAlpha : OpRewritePattern<ScaledAddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaledAddOp op,
                                PatternRewriter &rw) const override {
    float alpha = op.getLhsScale().convertToFloat();
    Operation *norm = singleUser(op.getResult());
    LinearOp branch = soleLinear(op.getRhs());
    if (!(alpha > 0.0f) || !norm || !isa<LayerNormOp, RMSNormOp>(norm) ||
        !branch)
      return failure();
    Value y = rescaleLinear(rw, branch, Value(), 1.0f / alpha).getResult();
    auto eps = norm->getAttrOfType<FloatAttr>("epsilon");
    float scaled = eps.getValue().convertToFloat() / (alpha * alpha);
    rw.modifyOpInPlace(
        norm, [&] { norm->setAttr("epsilon", rw.getF32FloatAttr(scaled)); });
    rw.setInsertionPoint(op);
    rw.replaceOpWithNewOp<AddOp>(op, op.getLhs(), y);
    return success();
  }
};

struct FoldScalesPass : public modelc::impl::FoldScalesBase<FoldScalesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldAttentionScale, FoldLayerScale, FoldDeepNormAlpha>(
        &getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
