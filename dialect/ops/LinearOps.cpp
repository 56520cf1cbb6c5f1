//===- LinearOps.cpp - nn.linear and nn.lora_linear: GEMM kernel seeds ---===//
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

/// The [in, `out`] weight `w` of a GEMM-class op against its input's width.
static LogicalResult verifyGemmWeight(Operation *op, ShapedType w, Value input,
                                      const char *out) {
  if (w.getDimSize(0) == channels(input))
    return success();
  return op->emitOpError("weight is [")
         << w.getDimSize(0) << ", " << w.getDimSize(1) << "] (in, " << out
         << ") but the input has " << channels(input) << " channels";
}

/// A gated GEMM's [in, 2 hidden] weight has gate and up halves.
static LogicalResult verifyGatedHalves(Operation *op, ShapedType w) {
  if (w.getDimSize(1) % 2 == 0)
    return success();
  return op->emitOpError("weight has ")
         << w.getDimSize(1) << " columns, not gate and up halves";
}

/// An int8 weight's scales: [groups, N], the groups dividing K.
static LogicalResult verifyInt8Scales(Operation *op, ShapedType w,
                                      ShapedType s) {
  int64_t k = w.getDimSize(0), n = w.getDimSize(1);
  if (s.getDimSize(1) == n && s.getDimSize(0) >= 1 && k % s.getDimSize(0) == 0)
    return success();
  return op->emitOpError("scales are [")
         << s.getDimSize(0) << ", " << s.getDimSize(1) << "]: want [groups, "
         << n << "] with groups dividing " << k;
}

/// The optional bias of a GEMM with `n` columns.
static LogicalResult verifyGemmBias(Operation *op, Value bias, int64_t n) {
  return bias ? verifyChannelVector(op, bias, n, "bias") : success();
}

LogicalResult LinearOp::verify() {
  auto w = getWeight().getType();
  if (failed(verifyGemmWeight(*this, w, getInput(), "out")))
    return failure();
  return verifyGemmBias(*this, getBias(), w.getDimSize(1));
}

// Fusion (the methods are defined once for all GEMM ops, NN_GemmSeed in
// LinearOps.td): a GEMM takes the chain of point-wise ops after it as its
// epilogue (bias is in the op; activation, GLU gate multiply, residual add,
// ...) and its prologue ops before it.
int gemmSeedPriority(Value result) {
  Operation *user = singleUser(result);
  bool activated = user && user->getNumOperands() == 1 &&
                   fusionKindOf(user) == FusionKind::Pointwise;
  return activated ? 20 : 30;
}

Absorb gemmAbsorbsProducer(Operation *producer) {
  return producer->hasTrait<GemmPrologue>() ? Absorb::Exclusive : Absorb::No;
}

/// A gated GEMM's work: the GEMM, then the activation (about 8, as
/// nn.activation) and the product.
static double gatedGemmFlops(ShapedType w) {
  return 2.0 * w.getDimSize(0) * w.getDimSize(1) + 9.0 * (w.getDimSize(1) / 2);
}

double LinearOp::getFlopsPerToken() {
  auto w = getWeight().getType();
  return 2.0 * w.getDimSize(0) * w.getDimSize(1);
}

WeightRole LinearOp::getWeightRole(unsigned index) {
  return index == 1 ? WeightRole::GemmWeight : WeightRole::Shift;
}

LogicalResult LoraLinearOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands, DictionaryAttr,
    OpaqueProperties, RegionRange, SmallVectorImpl<Type> &results) {
  int64_t n = rankedType(operands[1]).getDimSize(1);
  return inferredAs(results, activationsLike(operands[0], n));
}

namespace {
/// The low-rank term's operands of nn.lora_linear and nn.int8_lora_linear
/// against their base weight's `n` columns.
LogicalResult verifyLowRank(Operation *op, Value input, Value lowRankInput,
                            TensorType b, int64_t n) {
  int64_t rank = channels(lowRankInput);
  if (b.getDimSize(0) != rank || b.getDimSize(1) != n)
    return op->emitOpError("low-rank weight is [")
           << b.getDimSize(0) << ", " << b.getDimSize(1) << "] but needs ["
           << rank << ", " << n << "] (rank, out)";
  return verifySameTokens(op, input, lowRankInput);
}

/// x W + (x A) B per token: the base GEMM and the low-rank product.
double loraFlops(TensorType w, Value lowRankInput) {
  return 2.0 * (w.getDimSize(0) + channels(lowRankInput)) * w.getDimSize(1);
}
} // namespace

LogicalResult LoraLinearOp::verify() {
  auto w = getWeight().getType();
  int64_t n = w.getDimSize(1);
  if (failed(verifyGemmWeight(*this, w, getInput(), "out")) ||
      failed(verifyGemmBias(*this, getBias(), n)))
    return failure();
  return verifyLowRank(*this, getInput(), getLowRankInput(),
                       getLowRankWeight().getType(), n);
}

double LoraLinearOp::getFlopsPerToken() {
  return loraFlops(getWeight().getType(), getLowRankInput());
}

WeightRole LoraLinearOp::getWeightRole(unsigned index) {
  Value v = getOperation()->getOperand(index);
  return v == getWeight() || v == getLowRankWeight() ? WeightRole::GemmWeight
                                                     : WeightRole::Shift;
}

//===----------------------------------------------------------------------===//
// GatedLinearOp
//===----------------------------------------------------------------------===//

int64_t GatedLinearOp::getHidden() {
  return getWeight().getType().getDimSize(1) / 2;
}

LogicalResult GatedLinearOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands, DictionaryAttr,
    OpaqueProperties, RegionRange, SmallVectorImpl<Type> &results) {
  int64_t n = rankedType(operands[1]).getDimSize(1);
  return inferredAs(results, activationsLike(operands[0], n / 2));
}

LogicalResult GatedLinearOp::verify() {
  auto w = getWeight().getType();
  if (failed(verifyGemmWeight(*this, w, getInput(), "2 hidden")) ||
      failed(verifyGatedHalves(*this, w)))
    return failure();
  return verifyGemmBias(*this, getBias(), w.getDimSize(1));
}

double GatedLinearOp::getFlopsPerToken() {
  return gatedGemmFlops(getWeight().getType());
}

WeightRole GatedLinearOp::getWeightRole(unsigned index) {
  return index == 1 ? WeightRole::GatedGemmWeight : WeightRole::Shift;
}

int64_t Int8LinearOp::getGroup() {
  return getWeight().getType().getDimSize(0) /
         getScales().getType().getDimSize(0);
}

LogicalResult Int8LinearOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands, DictionaryAttr,
    OpaqueProperties, RegionRange, SmallVectorImpl<Type> &results) {
  int64_t n = rankedType(operands[1]).getDimSize(1);
  return inferredAs(results, activationsLike(operands[0], n));
}

LogicalResult Int8LinearOp::verify() {
  auto w = getWeight().getType();
  if (failed(verifyGemmWeight(*this, w, getInput(), "out")) ||
      failed(verifyInt8Scales(*this, w, getScales().getType())))
    return failure();
  return verifyGemmBias(*this, getBias(), w.getDimSize(1));
}

double Int8LinearOp::getFlopsPerToken() {
  auto w = getWeight().getType();
  return 2.0 * w.getDimSize(0) * w.getDimSize(1);
}

WeightRole Int8LinearOp::getWeightRole(unsigned index) {
  return index == 1 ? WeightRole::GemmWeight : WeightRole::Shift;
}

int64_t Int8LoraLinearOp::getGroup() {
  return getWeight().getType().getDimSize(0) /
         getScales().getType().getDimSize(0);
}

LogicalResult Int8LoraLinearOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands, DictionaryAttr,
    OpaqueProperties, RegionRange, SmallVectorImpl<Type> &results) {
  int64_t n = rankedType(operands[1]).getDimSize(1);
  return inferredAs(results, activationsLike(operands[0], n));
}

LogicalResult Int8LoraLinearOp::verify() {
  auto w = getWeight().getType();
  int64_t n = w.getDimSize(1);
  if (failed(verifyGemmWeight(*this, w, getInput(), "out")) ||
      failed(verifyInt8Scales(*this, w, getScales().getType())) ||
      failed(verifyGemmBias(*this, getBias(), n)))
    return failure();
  return verifyLowRank(*this, getInput(), getLowRankInput(),
                       getLowRankWeight().getType(), n);
}

double Int8LoraLinearOp::getFlopsPerToken() {
  return loraFlops(getWeight().getType(), getLowRankInput());
}

WeightRole Int8LoraLinearOp::getWeightRole(unsigned index) {
  Value v = getOperation()->getOperand(index);
  return v == getWeight() || v == getLowRankWeight() ? WeightRole::GemmWeight
                                                     : WeightRole::Shift;
}

int64_t Int8GatedLinearOp::getHidden() {
  return getWeight().getType().getDimSize(1) / 2;
}

int64_t Int8GatedLinearOp::getGroup() {
  return getWeight().getType().getDimSize(0) /
         getScales().getType().getDimSize(0);
}

LogicalResult Int8GatedLinearOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands, DictionaryAttr,
    OpaqueProperties, RegionRange, SmallVectorImpl<Type> &results) {
  int64_t n = rankedType(operands[1]).getDimSize(1);
  return inferredAs(results, activationsLike(operands[0], n / 2));
}

LogicalResult Int8GatedLinearOp::verify() {
  auto w = getWeight().getType();
  if (failed(verifyGemmWeight(*this, w, getInput(), "2 hidden")) ||
      failed(verifyGatedHalves(*this, w)) ||
      failed(verifyInt8Scales(*this, w, getScales().getType())))
    return failure();
  return verifyGemmBias(*this, getBias(), w.getDimSize(1));
}

double Int8GatedLinearOp::getFlopsPerToken() {
  return gatedGemmFlops(getWeight().getType());
}

WeightRole Int8GatedLinearOp::getWeightRole(unsigned index) {
  return index == 1 ? WeightRole::GatedGemmWeight : WeightRole::Shift;
}

} // namespace modelc::nn
