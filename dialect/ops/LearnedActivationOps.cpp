//===- LearnedActivationOps.cpp - rational, poly_relu, poly_norm ----------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

using namespace mlir;

namespace modelc::nn {

/// `v` is a vector of `n` elements.
static LogicalResult verifyLength(Operation *op, Value v, int64_t n,
                                  StringRef what) {
  int64_t got = rankedType(v).getDimSize(0);
  if (got != n)
    return op->emitOpError()
           << what << " has " << got << " elements, not " << n;
  return success();
}

/// A polynomial activation's weight (at least one coefficient) and its
/// one-element bias.
static LogicalResult verifyPolynomial(Operation *op, Value weight, Value bias) {
  if (rankedType(weight).getDimSize(0) < 1)
    return op->emitOpError("weight has no coefficients");
  return verifyLength(op, bias, 1, "bias");
}

//===----------------------------------------------------------------------===//
// RationalOp
//===----------------------------------------------------------------------===//

LogicalResult RationalOp::verify() {
  auto a = getNumerator().getType(), b = getDenominator().getType();
  int64_t groups = b.getDimSize(0), c = channels(getInput());
  if (groups < 1 || c % groups != 0)
    return emitOpError("the denominator's ")
           << groups << " groups do not divide the " << c << " channels";
  if (b.getDimSize(1) < 1)
    return emitOpError("the denominator has no coefficients");
  if (a.getDimSize(0) != 1 && a.getDimSize(0) != groups)
    return emitOpError("the numerator has ")
           << a.getDimSize(0) << " rows: 1 (shared) or one per group ("
           << groups << ")";
  if (a.getDimSize(1) < 1)
    return emitOpError("the numerator has no coefficients");
  return success();
}
FusionKind RationalOp::getFusionKind() { return FusionKind::Pointwise; }
double RationalOp::getFlopsPerToken() {
  // Two Horner chains (2 per coefficient), |x|, the quotient.
  int64_t terms = getNumerator().getType().getDimSize(1) +
                  getDenominator().getType().getDimSize(1);
  return (2.0 * terms + 2.0) * channels(getResult());
}
WeightRole RationalOp::getWeightRole(unsigned) { return WeightRole::Matrix; }

//===----------------------------------------------------------------------===//
// PolyReluOp, PolyNormOp
//===----------------------------------------------------------------------===//

LogicalResult PolyReluOp::verify() {
  return verifyPolynomial(*this, getWeight(), getBias());
}
FusionKind PolyReluOp::getFusionKind() { return FusionKind::Pointwise; }
double PolyReluOp::getFlopsPerToken() {
  // relu, then Horner: 2 per coefficient.
  return (1.0 + 2.0 * rankedType(getWeight()).getDimSize(0)) *
         channels(getResult());
}
WeightRole PolyReluOp::getWeightRole(unsigned index) {
  return index == 1 ? WeightRole::Scale : WeightRole::Shift;
}

LogicalResult PolyNormOp::verify() {
  if (!(getEpsilon().convertToFloat() > 0.0f))
    return emitOpError("epsilon must be positive");
  return verifyPolynomial(*this, getWeight(), getBias());
}
// Each power is normalized over the token's channels.
FusionKind PolyNormOp::getFusionKind() { return FusionKind::Row; }
double PolyNormOp::getFlopsPerToken() {
  // Per power: the power, its square summed, the scaled sum.
  return 6.0 * rankedType(getWeight()).getDimSize(0) * channels(getResult());
}
WeightRole PolyNormOp::getWeightRole(unsigned index) {
  return index == 1 ? WeightRole::Scale : WeightRole::Shift;
}

} // namespace modelc::nn
