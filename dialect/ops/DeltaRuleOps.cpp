//===- DeltaRuleOps.cpp - DeltaNet: short conv and the delta rule ---------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

#include "llvm/ADT/bit.h"

#include <cmath>

using namespace mlir;

namespace modelc::nn {

//===----------------------------------------------------------------------===//
// ShortConvOp
//===----------------------------------------------------------------------===//

int64_t ShortConvOp::getTaps() {
  return rankedType(getWeight()).getShape().back();
}

LogicalResult ShortConvOp::verify() {
  int64_t c = channels(getInput());
  auto shape = rankedType(getWeight()).getShape();
  if (shape.size() != 3 || shape[0] != c || shape[1] != 1 || shape[2] < 1)
    return emitOpError("weight must be [") << c << ", 1, taps]";
  if (getBias())
    return verifyChannelVector(*this, getBias(), c, "bias");
  return success();
}

// A function of the neighbouring tokens: no element-wise fusion kind.
FusionKind ShortConvOp::getFusionKind() { return FusionKind::Opaque; }
double ShortConvOp::getFlopsPerToken() {
  return 2.0 * getTaps() * channels(getInput());
}
WeightRole ShortConvOp::getWeightRole(unsigned index) {
  return index == 1 ? WeightRole::Matrix : WeightRole::Shift;
}

//===----------------------------------------------------------------------===//
// DeltaRuleOp
//===----------------------------------------------------------------------===//

int64_t DeltaRuleOp::getKeyHeadDim() {
  return channels(getQuery()) / getHeads();
}
int64_t DeltaRuleOp::getValueHeadDim() {
  return channels(getValue()) / getHeads();
}

LogicalResult DeltaRuleOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location>,
                                            ValueRange operands, DictionaryAttr,
                                            OpaqueProperties, RegionRange,
                                            SmallVectorImpl<Type> &results) {
  return inferredAs(results, operands[2].getType());
}

LogicalResult DeltaRuleOp::verify() {
  int64_t heads = getHeads(), q = channels(getQuery());
  if (heads <= 0 || q % heads != 0)
    return emitOpError("query channels ")
           << q << " are not " << heads << " heads";
  if (channels(getKey()) != q)
    return emitOpError("key has ")
           << channels(getKey()) << " channels, the query " << q;
  if (getKeyHeadDim() > kMaxKeyHeadDim)
    return emitOpError("key head dim ")
           << getKeyHeadDim() << " exceeds " << kMaxKeyHeadDim;
  int64_t v = channels(getValue());
  if (v % heads != 0)
    return emitOpError("value channels ")
           << v << " are not " << heads << " heads";
  int64_t chunk = getChunk();
  if (chunk < 1 || chunk > kMaxChunk || !llvm::has_single_bit(uint64_t(chunk)))
    return emitOpError("chunk ")
           << chunk << " must be a power of two in [1, " << kMaxChunk << "]";
  for (Value a : {getKey(), getValue()})
    if (failed(verifySameTokens(*this, getQuery(), a)))
      return failure();
  for (Value perHead : {getBeta(), getDecay()}) {
    if (!perHead)
      continue;
    if (channels(perHead) != heads)
      return emitOpError("beta and decay need one channel per head (")
             << heads << "), got " << channels(perHead);
    if (failed(verifySameTokens(*this, getQuery(), perHead)))
      return failure();
  }
  if (bool(getDecay()) != bool(getALog()) ||
      bool(getDecay()) != bool(getDtBias()))
    return emitOpError("decay, a_log and dt_bias come together");
  auto verifySize = [&](Value vec, int64_t n, StringRef what,
                        StringRef per) -> LogicalResult {
    int64_t got = rankedType(vec).getDimSize(0);
    if (got != n)
      return emitOpError(what) << " needs " << n << " elements (one per " << per
                               << "), got " << got;
    return success();
  };
  if (getDecay() && (failed(verifySize(getALog(), heads, "a_log", "head")) ||
                     failed(verifySize(getDtBias(), heads, "dt_bias", "head"))))
    return failure();
  if (failed(verifySize(getNormWeight(), getValueHeadDim(), "norm_weight",
                        "value channel of a head")))
    return failure();
  for (auto [name, value] : {std::pair{"scale", getScale()},
                             {"beta_scale", getBetaScale()},
                             {"norm_epsilon", getNormEpsilon()}}) {
    float f = value.convertToFloat();
    if (!(f > 0.0f) || !std::isfinite(f))
      return emitOpError(name) << " must be positive";
  }
  return success();
}

// Fusion: the kernel takes in the short convolutions and activations that
// produce q, k and v, and the element-wise epilogue (the output gate).
FusionKind DeltaRuleOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> DeltaRuleOp::getSeedClass() {
  return KernelClass::delta_rule;
}
int DeltaRuleOp::getSeedPriority() { return 10; }
Absorb DeltaRuleOp::absorbsProducer(OpOperand &, Operation *producer) {
  return isa<ShortConvOp>(producer) ||
                 fusionKindOf(producer) == FusionKind::Pointwise
             ? Absorb::Exclusive
             : Absorb::No;
}
Absorb DeltaRuleOp::absorbsConsumer(Value, Operation *consumer) {
  return fusionKindOf(consumer) == FusionKind::Pointwise ? Absorb::Exclusive
                                                         : Absorb::No;
}

double DeltaRuleOp::getFlopsPerToken() {
  // The multiply-adds of the chunkwise form as the kernel computes them, per
  // chunk of C tokens and head: the gram matrices K K^T and Q K^T (C^2 dk
  // each), the triangular solve for [W | U] (C (C - 1) / 2 (dk + dv)), the
  // state transition and input (C dk (dk + dv)), the intra-chunk outputs
  // (C^2 (dk + dv)) and the state and output rows ((dk + C) dk dv).
  double c = getChunk(), dk = getKeyHeadDim(), dv = getValueHeadDim();
  double perChunk = 2 * c * c * dk + c * (c - 1) / 2 * (dk + dv) +
                    c * dk * (dk + dv) + c * c * (dk + dv) + (dk + c) * dk * dv;
  return 2.0 * perChunk / c * getHeads();
}

WeightRole DeltaRuleOp::getWeightRole(unsigned index) {
  // The last operand is the output norm's gamma; a_log and dt_bias shift.
  return index + 1 == getNumOperands() ? WeightRole::Scale : WeightRole::Shift;
}

} // namespace modelc::nn
