//===- SwitchHeadOps.cpp - expert-routed attention projections ------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

using namespace mlir;

namespace modelc::nn {

int64_t SwitchLinearOp::getExpertsPerHead() {
  return channels(getRouterLogits()) / (int64_t)getHeads();
}

int64_t SwitchLinearOp::getHeadIn() {
  return getPerHeadInput() ? channels(getInput()) / (int64_t)getHeads()
                           : channels(getInput());
}

int64_t SwitchLinearOp::getHeadOut() {
  return rankedType(getExperts()).getShape()[1];
}

int64_t SwitchLinearOp::getScaleGroup() {
  return rankedType(getExperts()).getShape()[0] /
         rankedType(getScales()).getShape()[0];
}

LogicalResult SwitchLinearOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &results) {
  Adaptor adaptor(operands, attributes, properties, regions);
  int64_t out = rankedType(adaptor.getExperts()).getShape()[1];
  int64_t c = adaptor.getPerHeadInput() ? out : adaptor.getHeads() * out;
  return inferredAs(results, activationsLike(adaptor.getInput(), c));
}

LogicalResult SwitchLinearOp::verify() {
  int64_t h = (int64_t)getHeads(), logits = channels(getRouterLogits());
  if (h < 1 || logits % h || logits < h)
    return emitOpError("router_logits' ")
           << logits << " channels must be heads (" << h
           << ") times the experts per head";
  int64_t e = getExpertsPerHead(), k = (int64_t)getTopK();
  if (k < 1 || k > e)
    return emitOpError("top_k must be in [1, ") << e << "], got " << k;
  if (getPerHeadInput() && channels(getInput()) % h)
    return emitOpError("input's ")
           << channels(getInput()) << " channels must split into " << h
           << " heads";
  int64_t rows = rankedType(getExperts()).getShape()[0];
  if (rows != h * e * getHeadIn())
    return emitOpError("experts must be [heads * experts * in, out] = [")
           << h * e * getHeadIn() << ", out], got [" << rows << ", "
           << getHeadOut() << "]";
  // Int8 experts come with scales, f32 ones without; the scales have one
  // row per group of G rows of one expert (G divides the expert's rows).
  bool int8 = rankedType(getExperts()).getElementType().isInteger(8);
  if (int8 != isInt8())
    return emitOpError(int8 ? "int8 experts need scales"
                            : "f32 experts take no scales");
  if (int8) {
    auto s = rankedType(getScales()).getShape();
    int64_t pairs = h * e, in = getHeadIn();
    if (s[1] != getHeadOut() || s[0] < pairs || s[0] % pairs ||
        in % (s[0] / pairs))
      return emitOpError("scales are [")
             << s[0] << ", " << s[1] << "]: want [heads * experts * groups, "
             << getHeadOut() << "] with groups dividing the " << in
             << " rows of an expert";
  }
  return verifySameTokens(*this, getInput(), getRouterLogits());
}

// Fusion: as nn.moe's, the kernel gathers its input rows by expert, so
// producers stay kernels of their own; a point-wise consumer (the residual
// add) joins the combine.
FusionKind SwitchLinearOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> SwitchLinearOp::getSeedClass() {
  return KernelClass::routing;
}
int SwitchLinearOp::getSeedPriority() { return 12; }
Absorb SwitchLinearOp::absorbsProducer(OpOperand &, Operation *) {
  return Absorb::No;
}
Absorb SwitchLinearOp::absorbsConsumer(Value, Operation *consumer) {
  return exclusiveIfPointwise(consumer);
}

WeightRole SwitchLinearOp::getWeightRole(unsigned index) {
  // input, router_logits, experts, scales: the stacked experts are a GEMM
  // weight.
  return index == 2 ? WeightRole::GemmWeight : WeightRole::Matrix;
}

double SwitchLinearOp::getFlopsPerToken() {
  // Per token, top_k experts of every head, each an [in, out] GEMM row; the
  // routing (sigmoid ~10 and ranks ~E per head-expert) and the combine.
  double h = (double)getHeads(), e = (double)getExpertsPerHead(),
         k = (double)getTopK();
  double in = (double)getHeadIn(), out = (double)getHeadOut();
  return h * k * (2.0 * in * out + 2.0 * out) + h * e * (e + 10.0);
}

} // namespace modelc::nn
