//===- MambaOps.cpp - nn.selective_scan, Mamba's selective SSM ------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

using namespace mlir;

namespace modelc::nn {

int64_t SelectiveScanOp::getInner() { return channels(getInput()); }
int64_t SelectiveScanOp::getConvTaps() {
  return rankedType(getConvWeight()).getShape().back();
}
int64_t SelectiveScanOp::getStateSize() {
  return getALog().getType().getDimSize(1);
}
int64_t SelectiveScanOp::getDtRank() {
  return getDtProj().getType().getDimSize(0);
}

LogicalResult SelectiveScanOp::verify() {
  int64_t I = getInner();
  auto conv = rankedType(getConvWeight()).getShape();
  if (conv.size() != 3 || conv[0] != I || conv[1] != 1 || conv[2] < 1)
    return emitOpError("conv_weight must be [") << I << ", 1, taps]";
  if (getConvBias() &&
      failed(verifyChannelVector(*this, getConvBias(), I, "conv_bias")))
    return failure();
  auto aLog = getALog().getType();
  if (aLog.getDimSize(0) != I)
    return emitOpError("a_log must be [") << I << ", d_state]";
  int64_t N = aLog.getDimSize(1);
  auto dt = getDtProj().getType();
  if (dt.getDimSize(1) != I)
    return emitOpError("dt_proj must be [dt_rank, ") << I << "] (in, out)";
  int64_t R = dt.getDimSize(0);
  auto xp = getXProj().getType();
  if (xp.getDimSize(0) != I || xp.getDimSize(1) != R + 2 * N)
    return emitOpError("x_proj must be [")
           << I << ", " << R + 2 * N << "] (in, out = dt_rank + 2 d_state)";
  if (failed(verifyChannelVector(*this, getDtBias(), I, "dt_bias")) ||
      failed(verifyChannelVector(*this, getD(), I, "d")))
    return failure();
  return success();
}

// Fusion: the scan kernel takes in the slices of the in_proj output and the
// element-wise ops around it: the gate silu(z) * y after it (its consumer)
// and what computes z.
FusionKind SelectiveScanOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> SelectiveScanOp::getSeedClass() {
  return KernelClass::selective_scan;
}
int SelectiveScanOp::getSeedPriority() { return 10; }
Absorb SelectiveScanOp::absorbsProducer(OpOperand &, Operation *producer) {
  FusionKind k = fusionKindOf(producer);
  return k == FusionKind::Reindex || k == FusionKind::Pointwise
             ? Absorb::Exclusive
             : Absorb::No;
}
Absorb SelectiveScanOp::absorbsConsumer(Value, Operation *consumer) {
  return fusionKindOf(consumer) == FusionKind::Pointwise ? Absorb::Exclusive
                                                         : Absorb::No;
}

double SelectiveScanOp::getFlopsPerToken() {
  double I = getInner(), K = getConvTaps(), N = getStateSize(), R = getDtRank();
  // conv; x_proj; dt_proj; per state element delta*A, exp, the update
  // (2 mul + add) and C h (mul + add); per channel delta*u and D*u + y.
  return 2 * K * I + 2 * I * (R + 2 * N) + 2 * R * I + 7 * I * N + 3 * I;
}

WeightRole SelectiveScanOp::getWeightRole(unsigned index) {
  Value v = getOperand(index);
  if (v == getConvBias() || v == getDtBias())
    return WeightRole::Shift;
  if (v == getD())
    return WeightRole::Scale;
  return WeightRole::Matrix;
}

} // namespace modelc::nn
