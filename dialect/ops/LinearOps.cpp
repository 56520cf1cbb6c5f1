//===- LinearOps.cpp - nn.linear, the seed of GEMM kernels ----------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

using namespace mlir;

namespace modelc::nn {

LogicalResult LinearOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                         ValueRange operands, DictionaryAttr,
                                         OpaqueProperties, RegionRange,
                                         SmallVectorImpl<Type> &results) {
  int64_t n = rankedType(operands[1]).getDimSize(1);
  return inferredAs(results, activationsLike(operands[0], n));
}

LogicalResult LinearOp::verify() {
  int64_t k = getWeight().getType().getDimSize(0);
  if (k != channels(getInput()))
    return emitOpError("weight is [")
           << k << ", " << getWeight().getType().getDimSize(1)
           << "] (in, out) but the input has " << channels(getInput())
           << " channels";
  if (getBias())
    return verifyChannelVector(*this, getBias(),
                               getWeight().getType().getDimSize(1), "bias");
  return success();
}

// Fusion: a GEMM takes the chain of point-wise ops after it as its epilogue
// (bias is in the op; activation, GLU gate multiply, residual add, ...).
FusionKind LinearOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> LinearOp::getSeedClass() {
  return KernelClass::gemm;
}
int LinearOp::getSeedPriority() {
  // Activated linears first: in a GLU, the gate's kernel takes the `mul`,
  // and the up projection is its already-computed operand.
  Operation *user = singleUser(getResult());
  bool activated = user && user->getNumOperands() == 1 &&
                   fusionKindOf(user) == FusionKind::Pointwise;
  return activated ? 20 : 30;
}
Absorb LinearOp::absorbsProducer(OpOperand &, Operation *) {
  return Absorb::No;
}
Absorb LinearOp::absorbsConsumer(Value, Operation *consumer) {
  return fusionKindOf(consumer) == FusionKind::Pointwise ? Absorb::Exclusive
                                                         : Absorb::No;
}

double LinearOp::getFlopsPerToken() {
  auto w = getWeight().getType();
  return 2.0 * w.getDimSize(0) * w.getDimSize(1);
}

WeightRole LinearOp::getWeightRole(unsigned index) {
  return index == 1 ? WeightRole::GemmWeight : WeightRole::Shift;
}

} // namespace modelc::nn
