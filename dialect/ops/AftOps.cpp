//===- AftOps.cpp - AFT-simple, the seed of aft kernels -------------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

using namespace mlir;

namespace modelc::nn {

LogicalResult AftOp::verify() {
  int64_t c = channels(getQuery());
  if (channels(getKey()) != c || channels(getValue()) != c)
    return emitOpError("query, key and value need the same channels, got ")
           << c << ", " << channels(getKey()) << " and "
           << channels(getValue());
  if (failed(verifySameTokens(*this, getQuery(), getKey())) ||
      failed(verifySameTokens(*this, getQuery(), getValue())))
    return failure();
  return success();
}

// Fusion: an aft kernel takes in the slices of a fused qkv projection and
// point-wise ops producing q, k, v, and the point-wise chain after it.
FusionKind AftOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> AftOp::getSeedClass() { return KernelClass::aft; }
int AftOp::getSeedPriority() { return 12; }
Absorb AftOp::absorbsProducer(OpOperand &, Operation *producer) {
  FusionKind k = fusionKindOf(producer);
  return k == FusionKind::Reindex || k == FusionKind::Pointwise
             ? Absorb::Exclusive
             : Absorb::No;
}
Absorb AftOp::absorbsConsumer(Value, Operation *consumer) {
  return exclusiveIfPointwise(consumer);
}

double AftOp::getFlopsPerToken() {
  // Per channel: the scan step (running max, one exp at ~8 FLOPs, two
  // rescaled accumulations) ~16, sigmoid(q) ~11, the quotient and product 2.
  return 29.0 * channels(getQuery());
}

} // namespace modelc::nn
