//===- NormOps.cpp - LayerNorm, RMSNorm: the seeds of norm kernels --------===//
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

LogicalResult LayerNormOp::verify() {
  int64_t c = channels(getInput());
  if (failed(verifyChannelVector(*this, getGamma(), c, "gamma")) ||
      failed(verifyChannelVector(*this, getBeta(), c, "beta")))
    return failure();
  return verifyEpsilon(*this, getEpsilon());
}
FusionKind LayerNormOp::getFusionKind() { return FusionKind::Row; }
std::optional<KernelClass> LayerNormOp::getSeedClass() {
  return KernelClass::norm;
}
int LayerNormOp::getSeedPriority() { return 15; }
Absorb LayerNormOp::absorbsProducer(OpOperand &operand, Operation *producer) {
  return operand.getOwner() == getOperation() && operand.getOperandNumber() != 0
             ? Absorb::No
             : normAbsorbsProducer(producer);
}
Absorb LayerNormOp::absorbsConsumer(Value, Operation *) { return Absorb::No; }
double LayerNormOp::getFlopsPerToken() { return 8.0 * channels(getInput()); }
WeightRole LayerNormOp::getWeightRole(unsigned index) {
  return index == 1 ? WeightRole::Scale : WeightRole::Shift;
}

LogicalResult RMSNormOp::verify() {
  if (failed(verifyChannelVector(*this, getGamma(), channels(getInput()),
                                 "gamma")))
    return failure();
  return verifyEpsilon(*this, getEpsilon());
}
FusionKind RMSNormOp::getFusionKind() { return FusionKind::Row; }
std::optional<KernelClass> RMSNormOp::getSeedClass() {
  return KernelClass::norm;
}
int RMSNormOp::getSeedPriority() { return 15; }
Absorb RMSNormOp::absorbsProducer(OpOperand &operand, Operation *producer) {
  return operand.getOwner() == getOperation() && operand.getOperandNumber() != 0
             ? Absorb::No
             : normAbsorbsProducer(producer);
}
Absorb RMSNormOp::absorbsConsumer(Value, Operation *) { return Absorb::No; }
double RMSNormOp::getFlopsPerToken() { return 4.0 * channels(getInput()); }
WeightRole RMSNormOp::getWeightRole(unsigned) { return WeightRole::Scale; }

} // namespace modelc::nn
