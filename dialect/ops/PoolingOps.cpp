//===- PoolingOps.cpp - PoolFormer pooling, the seed of pooling kernels ---===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

using namespace mlir;

namespace modelc::nn {

LogicalResult PoolingOp::verify() {
  // I64Attr's accessor is unsigned: read the size back as signed.
  int64_t size = static_cast<int64_t>(getPoolSize());
  if (size < 1 || size % 2 == 0)
    return emitOpError("pool_size must be odd and positive (a centred "
                       "window), got ")
           << size;
  if (std::optional<ArrayRef<int64_t>> grid = getGrid())
    return verifyTokenGrid(*this, *grid, getInput());
  return success();
}

// Fusion: a pooling kernel takes in the point-wise ops producing its input
// (recomputed per tap, so only when nothing else needs them) and the
// point-wise chain after it (the residual add).
FusionKind PoolingOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> PoolingOp::getSeedClass() {
  return KernelClass::pooling;
}
int PoolingOp::getSeedPriority() { return 12; }
Absorb PoolingOp::absorbsProducer(OpOperand &, Operation *producer) {
  return exclusiveIfPointwise(producer);
}
Absorb PoolingOp::absorbsConsumer(Value, Operation *consumer) {
  return exclusiveIfPointwise(consumer);
}

double PoolingOp::getFlopsPerToken() {
  // The window sum, the scaling by 1 / count and the subtraction.
  double taps =
      getGrid() ? double(getPoolSize() * getPoolSize()) : double(getPoolSize());
  return (taps + 1) * channels(getInput());
}

} // namespace modelc::nn
