//===- EmbeddingOps.cpp - token and position embeddings -------------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

using namespace mlir;

namespace modelc::nn {

//===----------------------------------------------------------------------===//
// EmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location>,
                                            ValueRange operands, DictionaryAttr,
                                            OpaqueProperties, RegionRange,
                                            SmallVectorImpl<Type> &results) {
  return inferredAs(results,
                    activationsLike(operands[1], channels(operands[0])));
}

LogicalResult EmbeddingOp::verify() { return success(); }

// Fusion: the embedding kernel sums the gathered rows with the positions and
// other embeddings (token types), and normalizes the sum (BERT's embedding
// LayerNorm) while the sum itself may stay a result (a pre-LN stream).
FusionKind EmbeddingOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> EmbeddingOp::getSeedClass() {
  return KernelClass::embedding;
}
int EmbeddingOp::getSeedPriority() { return 0; }

Absorb EmbeddingOp::absorbsProducer(OpOperand &, Operation *producer) {
  // The other operand of a sum: another embedding tree.
  if (isa<EmbeddingOp, AddPositionsOp, AddOp>(producer))
    return Absorb::Exclusive;
  return Absorb::No;
}

Absorb EmbeddingOp::absorbsConsumer(Value value, Operation *consumer) {
  // The norm ends the kernel: what follows it is the first block's.
  if (Operation *def = value.getDefiningOp();
      def && fusionKindOf(def) == FusionKind::Row)
    return Absorb::No;
  if (auto pos = dyn_cast<AddPositionsOp>(consumer))
    return pos.getInput() == value ? Absorb::Exclusive : Absorb::No;
  if (isa<AddOp>(consumer))
    return Absorb::Exclusive;
  if (fusionKindOf(consumer) == FusionKind::Row &&
      consumer->getOperand(0) == value)
    return Absorb::Shared;
  return Absorb::No;
}

//===----------------------------------------------------------------------===//
// AddPositionsOp
//===----------------------------------------------------------------------===//

LogicalResult AddPositionsOp::verify() {
  if (channels(getTable()) != channels(getInput()))
    return emitOpError("position table width ")
           << channels(getTable()) << " != input channels "
           << channels(getInput());
  int64_t seq = getInput().getType().getDimSize(1);
  int64_t rows = getTable().getType().getDimSize(0);
  if (!ShapedType::isDynamic(seq) && seq > rows)
    return emitOpError("sequence length ")
           << seq << " exceeds the " << rows << " position rows";
  return success();
}

FusionKind AddPositionsOp::getFusionKind() { return FusionKind::Positional; }
double AddPositionsOp::getFlopsPerToken() { return channels(getResult()); }

} // namespace modelc::nn
