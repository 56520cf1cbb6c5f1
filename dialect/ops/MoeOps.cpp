//===- MoeOps.cpp - top-k mixture of experts, the seed of routing kernels -===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

using namespace mlir;

namespace modelc::nn {

int64_t MoeOp::getExperts() { return channels(getRouterLogits()); }
int64_t MoeOp::getHidden() { return rankedType(getUp()).getShape()[1]; }

LogicalResult MoeOp::verify() {
  int64_t e = getExperts(), d = channels(getInput());
  if (e < 1)
    return emitOpError("needs at least one expert (router channels), got ")
           << e;
  int64_t k = getTopK();
  if (k < 1 || k > e)
    return emitOpError("top_k must be in [1, ") << e << "], got " << k;
  auto shapeOf = [](Value v) { return rankedType(v).getShape(); };
  int64_t h = getHidden();
  if (shapeOf(getUp())[0] != e * d || h < 1)
    return emitOpError("up must be [experts * dim, hidden] = [")
           << e * d << ", hidden], got [" << shapeOf(getUp())[0] << ", " << h
           << "]";
  if (getGate() && shapeOf(getGate()) != shapeOf(getUp()))
    return emitOpError("gate must have the shape of up");
  if (shapeOf(getDown())[0] != e * h || shapeOf(getDown())[1] != d)
    return emitOpError("down must be [experts * hidden, dim] = [")
           << e * h << ", " << d << "], got [" << shapeOf(getDown())[0] << ", "
           << shapeOf(getDown())[1] << "]";
  if (failed(verifyScales()))
    return failure();
  return verifySameTokens(*this, getInput(), getRouterLogits());
}

LogicalResult MoeOp::verifyScales() {
  // Int8 weights come with scales, f32 ones without; a weight's scales
  // have one row per group of G rows of one expert (G divides the
  // expert's rows).
  int64_t e = getExperts();
  bool gate = (bool)getGate();
  bool any = getUpScales() || getDownScales() || getGateScales();
  if (any &&
      (!getUpScales() || !getDownScales() || (bool)getGateScales() != gate))
    return emitOpError("int8 weights need the scales of up, down")
           << (gate ? " and gate" : "") << ", and no others";
  struct Part {
    Value weight, scales;
    const char *name;
  };
  for (Part p : {Part{getUp(), getUpScales(), "up"},
                 Part{getDown(), getDownScales(), "down"},
                 Part{getGate(), getGateScales(), "gate"}}) {
    if (!p.weight)
      continue;
    bool int8 = rankedType(p.weight).getElementType().isInteger(8);
    if (int8 != any)
      return emitOpError(p.name)
             << (int8 ? " is int8 and needs scales" : " is f32 and has scales");
    if (!int8)
      continue;
    auto w = rankedType(p.weight).getShape(),
         s = rankedType(p.scales).getShape();
    int64_t rows = w[0] / e;
    if (s[1] != w[1] || s[0] < e || s[0] % e || rows % (s[0] / e))
      return emitOpError(p.name)
             << " scales are [" << s[0] << ", " << s[1]
             << "]: want [experts * groups, " << w[1]
             << "] with groups dividing the " << rows << " rows of an expert";
  }
  return success();
}

int64_t MoeOp::getScaleGroup(Value scales) {
  Value w = scales == getDownScales()   ? getDown()
            : scales == getGateScales() ? getGate()
                                        : getUp();
  return rankedType(w).getShape()[0] / rankedType(scales).getShape()[0];
}

// Fusion: the kernel gathers its input rows by expert, so producers stay
// kernels of their own (a fused producer would be recomputed per routed
// row); the point-wise chain after it (the residual add) joins the combine.
FusionKind MoeOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> MoeOp::getSeedClass() {
  return KernelClass::routing;
}
int MoeOp::getSeedPriority() { return 12; }
Absorb MoeOp::absorbsProducer(OpOperand &, Operation *) { return Absorb::No; }
Absorb MoeOp::absorbsConsumer(Value, Operation *consumer) {
  return exclusiveIfPointwise(consumer);
}

WeightRole MoeOp::getWeightRole(unsigned index) {
  // input, router_logits, up, down, gate, then the int8 scales: the stacked
  // weights are GEMM weights, packed in column panels.
  Value v = getOperation()->getOperand(index);
  bool stacked = v == getUp() || v == getDown() || v == getGate();
  return stacked ? WeightRole::GemmWeight : WeightRole::Matrix;
}

double MoeOp::getFlopsPerToken() {
  // Per token, top_k experts: the up (and gate) and down GEMMs; the
  // routing (softmax ~10, ranks ~E per expert) and the weighted combine.
  double d = (double)channels(getInput()), h = (double)getHidden();
  double e = (double)getExperts(), k = (double)getTopK();
  double gemms = 2.0 * d * h * (getGate() ? 3.0 : 2.0);
  return k * (gemms + 2.0 * d) + e * (e + 10.0);
}

} // namespace modelc::nn
