//===- AttentionOps.cpp - RoPE and softmax attention ----------------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

using namespace mlir;

namespace modelc::nn {

//===----------------------------------------------------------------------===//
// RopeOp
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  int64_t c = channels(getInput()), heads = getHeads();
  if (heads <= 0 || c % heads != 0)
    return emitOpError("channels ") << c << " are not " << heads << " heads";
  if ((c / heads) % 2 != 0)
    return emitOpError("head_dim ") << c / heads << " must be even";
  if (!(getTheta().convertToFloat() > 0.0f))
    return emitOpError("theta must be positive");
  return success();
}

FusionKind RopeOp::getFusionKind() { return FusionKind::Positional; }
double RopeOp::getFlopsPerToken() { return 3.0 * channels(getResult()); }

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

int64_t AttentionOp::getHeadDim() { return channels(getQuery()) / getHeads(); }

LogicalResult AttentionOp::verify() {
  int64_t heads = getHeads(), kvHeads = getKvHeads();
  if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
    return emitOpError("kv_heads ")
           << kvHeads << " must divide heads " << heads;
  int64_t q = channels(getQuery());
  if (q % heads != 0)
    return emitOpError("query channels ")
           << q << " are not " << heads << " heads";
  int64_t kvWidth = kvHeads * (q / heads);
  if (channels(getKey()) != kvWidth || channels(getValue()) != kvWidth)
    return emitOpError("key/value need ") << kvWidth << " channels (" << kvHeads
                                          << " heads of " << q / heads << ")";
  if (failed(verifySameTokens(*this, getQuery(), getKey())) ||
      failed(verifySameTokens(*this, getQuery(), getValue())))
    return failure();
  return success();
}

// Fusion: an attention kernel takes in the slices of a fused QKV projection
// and the RoPE rotations that produce q, k and v, used by it alone.
FusionKind AttentionOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> AttentionOp::getSeedClass() {
  return KernelClass::attention;
}
int AttentionOp::getSeedPriority() { return 10; }
Absorb AttentionOp::absorbsProducer(OpOperand &, Operation *producer) {
  FusionKind k = fusionKindOf(producer);
  return k == FusionKind::Reindex || k == FusionKind::Positional
             ? Absorb::Exclusive
             : Absorb::No;
}
Absorb AttentionOp::absorbsConsumer(Value, Operation *) { return Absorb::No; }

double AttentionOp::getFlopsPerTokenSeq() {
  // q k^T and p v: 2 FLOPs each per head channel and key.
  return 4.0 * channels(getQuery());
}

} // namespace modelc::nn
