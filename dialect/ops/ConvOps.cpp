//===- ConvOps.cpp - depthwise convolution, the seed of conv kernels ------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

using namespace mlir;

namespace modelc::nn {

int64_t DepthwiseConvOp::getKernelSize() {
  return getWeight().getType().getShape().back();
}

int64_t DepthwiseConvOp::getFirstTapOffset() {
  int64_t k = getKernelSize();
  return getCausal() ? k - 1 : (k - 1) / 2;
}

LogicalResult DepthwiseConvOp::verify() {
  int64_t c = channels(getInput());
  auto shape = getWeight().getType().getShape();
  std::optional<ArrayRef<int64_t>> grid = getGrid();
  bool square = grid && shape.size() == 4 && shape[2] == shape[3];
  if ((grid ? !square : shape.size() != 3) || shape[0] != c || shape[1] != 1 ||
      shape.back() < 1) {
    InFlightDiagnostic d = emitOpError("weight must be [")
                           << c
                           << (grid ? ", 1, K, K] (channels, 1, taps, taps)"
                                    : ", 1, K] (channels, 1, taps)")
                           << ", got [";
    llvm::interleave(shape, d, ", ");
    return d << "]";
  }
  if (!getCausal() && shape.back() % 2 == 0)
    return emitOpError("a centred (non-causal) window needs an odd kernel "
                       "size, got ")
           << shape.back();
  if (grid) {
    if (getCausal())
      return emitOpError("a convolution on the grid is centred: causal must "
                         "be false");
    if (failed(verifyTokenGrid(*this, *grid, getInput())))
      return failure();
  }
  if (getBias())
    return verifyChannelVector(*this, getBias(), c, "bias");
  return success();
}

// Fusion: a conv kernel takes in the point-wise ops producing its input
// (recomputed per tap, so only when nothing else needs them) and the
// point-wise chain after it (Mamba's SiLU, a residual add).
FusionKind DepthwiseConvOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> DepthwiseConvOp::getSeedClass() {
  return KernelClass::conv;
}
int DepthwiseConvOp::getSeedPriority() { return 12; }
Absorb DepthwiseConvOp::absorbsProducer(OpOperand &operand,
                                        Operation *producer) {
  if (operand.getOwner() == getOperation() && operand.getOperandNumber() != 0)
    return Absorb::No;
  return exclusiveIfPointwise(producer);
}
Absorb DepthwiseConvOp::absorbsConsumer(Value, Operation *consumer) {
  return exclusiveIfPointwise(consumer);
}

double DepthwiseConvOp::getFlopsPerToken() {
  double taps = getGrid() ? double(getKernelSize() * getKernelSize())
                          : double(getKernelSize());
  return (2.0 * taps + (getBias() ? 1 : 0)) * channels(getInput());
}

WeightRole DepthwiseConvOp::getWeightRole(unsigned index) {
  return index == 1 ? WeightRole::Matrix : WeightRole::Shift;
}

} // namespace modelc::nn
