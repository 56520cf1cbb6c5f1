//===- LinearAttentionOps.cpp - nn.linear_attention -----------------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

#include <cmath>

using namespace mlir;

namespace modelc::nn {

namespace {
/// The chunk length of the causal scan (codegen/schedules/LinearAttention);
/// its intra-chunk score matmuls enter the FLOP count.
constexpr int64_t kScanChunk = 64;
} // namespace

LogicalResult LinearAttentionOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands, DictionaryAttr,
    OpaqueProperties, RegionRange, SmallVectorImpl<Type> &results) {
  return inferredAs(results,
                    activationsLike(operands[0], channels(operands[2])));
}

int64_t LinearAttentionOp::getKeyDim() {
  return channels(getQuery()) / getHeads();
}
int64_t LinearAttentionOp::getValueDim() {
  return channels(getValue()) / getHeads();
}
int64_t LinearAttentionOp::getFeatureDim() {
  if (getFeatureMap() == FeatureMap::hedgehog)
    return 2 * rankedType(getMapQ()).getDimSize(2);
  return getKeyDim();
}
int64_t LinearAttentionOp::getConvTaps() {
  return getConvWeight() ? rankedType(getConvWeight()).getDimSize(2) : 0;
}

LogicalResult LinearAttentionOp::verify() {
  int64_t heads = getHeads();
  int64_t qc = channels(getQuery()), vc = channels(getValue());
  if (heads <= 0 || qc % heads != 0 || vc % heads != 0)
    return emitOpError("query and value channels (")
           << qc << ", " << vc << ") are not " << heads << " heads";
  if (channels(getKey()) != qc)
    return emitOpError("key has ")
           << channels(getKey()) << " channels, query " << qc;
  if (failed(verifySameTokens(*this, getQuery(), getKey())) ||
      failed(verifySameTokens(*this, getQuery(), getValue())))
    return failure();
  int64_t dk = getKeyDim(), dv = getValueDim();

  bool hedgehog = getFeatureMap() == FeatureMap::hedgehog;
  if (hedgehog != bool(getMapQ()))
    return emitOpError(hedgehog ? "the hedgehog feature map needs maps(q, k)"
                                : "maps(q, k) belong to the hedgehog map");
  if (hedgehog) {
    auto mq = rankedType(getMapQ()), mk = rankedType(getMapK());
    if (mq.getRank() != 3 || mq.getDimSize(0) != heads ||
        mq.getDimSize(1) != dk || mq != mk)
      return emitOpError("maps must both be [heads, dk, f] = [")
             << heads << ", " << dk << ", f]";
  }

  if (auto w = getConvWeight()) {
    auto t = rankedType(w);
    if (t.getRank() != 3 || t.getDimSize(0) != dv || t.getDimSize(1) != 1)
      return emitOpError("conv weight must be [dv, 1, taps] = [")
             << dv << ", 1, taps]";
    if (!getCausal() && t.getDimSize(2) % 2 == 0)
      return emitOpError("a centred (non-causal) conv needs odd taps, got ")
             << t.getDimSize(2);
    if (failed(verifyChannelVector(*this, getConvBias(), dv, "conv bias")))
      return failure();
  }

  LinearNormalize norm = getNormalize();
  bool headNorm = norm == LinearNormalize::head_layer_norm ||
                  norm == LinearNormalize::head_rms_norm;
  if (headNorm != bool(getNormWeight()))
    return emitOpError(headNorm ? "a head norm needs norm(weight)"
                                : "norm(...) belongs to a head norm");
  if (bool(getNormBias()) != (norm == LinearNormalize::head_layer_norm))
    return emitOpError(getNormBias() ? "only head_layer_norm has a norm bias"
                                     : "head_layer_norm needs norm(w, b)");
  if (headNorm) {
    if (failed(verifyChannelVector(*this, getNormWeight(), dv, "norm weight")))
      return failure();
    if (getNormBias() &&
        failed(verifyChannelVector(*this, getNormBias(), dv, "norm bias")))
      return failure();
  }
  float eps = getEps().convertToFloat(), scale = getScale().convertToFloat();
  if (!(eps > 0.0f) || !std::isfinite(eps))
    return emitOpError("eps must be positive and finite");
  if (!(scale > 0.0f) || !std::isfinite(scale))
    return emitOpError("scale must be positive and finite");
  return success();
}

// Fusion: a linear-attention kernel takes in the slices of a fused QKV
// projection and the position table added to k (SLAB), and an all-heads
// norm of its result (TransNormer's NormAttention).
FusionKind LinearAttentionOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> LinearAttentionOp::getSeedClass() {
  return KernelClass::linear_attention;
}
int LinearAttentionOp::getSeedPriority() { return 10; }
Absorb LinearAttentionOp::absorbsProducer(OpOperand &, Operation *producer) {
  FusionKind k = fusionKindOf(producer);
  return k == FusionKind::Reindex || k == FusionKind::Positional
             ? Absorb::Exclusive
             : Absorb::No;
}
Absorb LinearAttentionOp::absorbsConsumer(Value value, Operation *consumer) {
  return value == getResult() && fusionKindOf(consumer) == FusionKind::Row &&
                 consumer->getOperand(0) == value
             ? Absorb::Exclusive
             : Absorb::No;
}

double LinearAttentionOp::getFlopsPerToken() {
  double h = getHeads(), dk = getKeyDim(), dv = getValueDim(),
         f = getFeatureDim();
  // phi(q)^T S and the state update phi(k) v^T: 2 f dv each; causal adds
  // the chunk's scores phi(q) phi(k)^T and their product with v.
  double perHead = 4 * f * dv;
  if (getCausal())
    perHead += 2 * kScanChunk * (f + dv);
  if (getFeatureMap() == FeatureMap::hedgehog)
    perHead += 2 * 2 * dk * (f / 2); // x W for q and k
  if (getNormalize() == LinearNormalize::denominator)
    perHead += 2 * f;
  perHead += 2 * getConvTaps() * dv;
  return h * perHead;
}

WeightRole LinearAttentionOp::getWeightRole(unsigned index) {
  Value v = getOperation()->getOperand(index);
  if (v == getNormWeight())
    return WeightRole::Scale;
  if (v == getConvBias() || v == getNormBias())
    return WeightRole::Shift;
  return WeightRole::Matrix;
}

} // namespace modelc::nn
