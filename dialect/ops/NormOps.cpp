//===- NormOps.cpp - the norms: the seeds of norm kernels -----------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

using namespace mlir;

namespace modelc::nn {

static LogicalResult verifyEpsilon(Operation *op, APFloat eps) {
  if (!(eps.convertToFloat() > 0.0f))
    return op->emitOpError("epsilon must be positive");
  return success();
}

// Fusion: a norm kernel takes in the point-wise ops producing its input (the
// residual add), even when their result is used elsewhere: the sum is then
// a second result of the kernel (the residual stream of a pre-LN block).
static Absorb normAbsorbsProducer(Operation *producer) {
  return fusionKindOf(producer) == FusionKind::Pointwise ? Absorb::Shared
                                                         : Absorb::No;
}

/// A norm's kernel takes in point-wise producers of its input (operand 0),
/// never those of its weights.
static Absorb normAbsorbs(Operation *norm, OpOperand &operand,
                          Operation *producer) {
  return operand.getOwner() == norm && operand.getOperandNumber() != 0
             ? Absorb::No
             : normAbsorbsProducer(producer);
}

LogicalResult LayerNormOp::verify() {
  int64_t c = channels(getInput());
  if (!getAffine().empty() && getAffine().size() != 2)
    return emitOpError("takes gamma and beta, or no affine at all");
  if (getGamma() &&
      (failed(verifyChannelVector(*this, getGamma(), c, "gamma")) ||
       failed(verifyChannelVector(*this, getBeta(), c, "beta"))))
    return failure();
  return verifyEpsilon(*this, getEpsilon());
}
FusionKind LayerNormOp::getFusionKind() { return FusionKind::Row; }
std::optional<KernelClass> LayerNormOp::getSeedClass() {
  return KernelClass::norm;
}
int LayerNormOp::getSeedPriority() { return 15; }
Absorb LayerNormOp::absorbsProducer(OpOperand &operand, Operation *producer) {
  return normAbsorbs(*this, operand, producer);
}
Absorb LayerNormOp::absorbsConsumer(Value, Operation *) { return Absorb::No; }
double LayerNormOp::getFlopsPerToken() { return 8.0 * channels(getInput()); }
WeightRole LayerNormOp::getWeightRole(unsigned index) {
  return index == 1 ? WeightRole::Scale : WeightRole::Shift;
}

LogicalResult RMSNormOp::verify() {
  if (getAffine().size() > 1)
    return emitOpError("takes gamma, or no affine at all");
  if (getGamma() && failed(verifyChannelVector(*this, getGamma(),
                                               channels(getInput()), "gamma")))
    return failure();
  return verifyEpsilon(*this, getEpsilon());
}
FusionKind RMSNormOp::getFusionKind() { return FusionKind::Row; }
std::optional<KernelClass> RMSNormOp::getSeedClass() {
  return KernelClass::norm;
}
int RMSNormOp::getSeedPriority() { return 15; }
Absorb RMSNormOp::absorbsProducer(OpOperand &operand, Operation *producer) {
  return normAbsorbs(*this, operand, producer);
}
Absorb RMSNormOp::absorbsConsumer(Value, Operation *) { return Absorb::No; }
double RMSNormOp::getFlopsPerToken() { return 4.0 * channels(getInput()); }
WeightRole RMSNormOp::getWeightRole(unsigned) { return WeightRole::Scale; }

LogicalResult BatchNormOp::verify() {
  int64_t c = channels(getInput());
  if (failed(verifyChannelVector(*this, getGamma(), c, "gamma")) ||
      failed(verifyChannelVector(*this, getBeta(), c, "beta")) ||
      failed(verifyChannelVector(*this, getMean(), c, "mean")) ||
      failed(verifyChannelVector(*this, getVariance(), c, "variance")))
    return failure();
  if (getAlpha() && rankedType(getAlpha()).getDimSize(0) != 1)
    return emitOpError("alpha has ")
           << rankedType(getAlpha()).getDimSize(0)
           << " elements; RepBN's alpha is one scalar";
  return verifyEpsilon(*this, getEpsilon());
}
// A norm-class seed like LayerNorm, so it takes in the residual add before
// it; it has no row statistics, its kernel is element-wise.
FusionKind BatchNormOp::getFusionKind() { return FusionKind::Pointwise; }
std::optional<KernelClass> BatchNormOp::getSeedClass() {
  return KernelClass::norm;
}
int BatchNormOp::getSeedPriority() { return 15; }
Absorb BatchNormOp::absorbsProducer(OpOperand &operand, Operation *producer) {
  return normAbsorbs(*this, operand, producer);
}
Absorb BatchNormOp::absorbsConsumer(Value, Operation *) { return Absorb::No; }
double BatchNormOp::getFlopsPerToken() {
  return (getAlpha() ? 4.0 : 2.0) * channels(getInput());
}
WeightRole BatchNormOp::getWeightRole(unsigned index) {
  // gamma, beta, mean, variance, alpha.
  return index == 1 || index == 4 || index == 5 ? WeightRole::Scale
                                                : WeightRole::Shift;
}

LogicalResult GroupNormOp::verify() {
  int64_t c = channels(getInput());
  if (failed(verifyChannelVector(*this, getGamma(), c, "gamma")) ||
      failed(verifyChannelVector(*this, getBeta(), c, "beta")))
    return failure();
  int64_t groups = static_cast<int64_t>(getGroups());
  if (groups < 1 || c % groups != 0)
    return emitOpError("groups = ")
           << groups << " must be positive and divide the " << c << " channels";
  return verifyEpsilon(*this, getEpsilon());
}
// Its statistics span the sequence: not a function of one row.
FusionKind GroupNormOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> GroupNormOp::getSeedClass() {
  return KernelClass::norm;
}
int GroupNormOp::getSeedPriority() { return 15; }
Absorb GroupNormOp::absorbsProducer(OpOperand &operand, Operation *producer) {
  return normAbsorbs(*this, operand, producer);
}
Absorb GroupNormOp::absorbsConsumer(Value, Operation *) { return Absorb::No; }
double GroupNormOp::getFlopsPerToken() { return 8.0 * channels(getInput()); }
WeightRole GroupNormOp::getWeightRole(unsigned index) {
  return index == 1 ? WeightRole::Scale : WeightRole::Shift;
}

} // namespace modelc::nn
