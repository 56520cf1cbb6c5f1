//===- BatchNormFoldOps.cpp - a BatchNorm's affine as weights -------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

#include <cmath>

using namespace mlir;

namespace modelc::nn {

namespace {

/// Every one of `vectors` has the result's `c` elements, `epsilon` > 0.
LogicalResult verifyChannelVectors(Operation *op, ValueRange vectors,
                                   ArrayRef<StringRef> names, APFloat epsilon) {
  int64_t c = rankedType(op->getResult(0)).getDimSize(0);
  for (auto [v, name] : llvm::zip(vectors, names))
    if (rankedType(v).getDimSize(0) != c)
      return op->emitOpError() << name << " has " << rankedType(v).getDimSize(0)
                               << " elements but the result has " << c;
  if (!(epsilon.convertToFloat() > 0.0f))
    return op->emitOpError("epsilon must be positive");
  return success();
}

/// gamma / sqrt(variance + epsilon), in float like the BatchNorm kernel.
float factor(float gamma, float variance, float epsilon) {
  return gamma / std::sqrt(variance + epsilon);
}

} // namespace

LogicalResult WeightBnScaleOp::verify() {
  if (getAlpha() && rankedType(getAlpha()).getDimSize(0) != 1)
    return emitOpError("alpha has ")
           << rankedType(getAlpha()).getDimSize(0)
           << " elements; RepBN's alpha is one scalar";
  return verifyChannelVectors(*this, {getGamma(), getVariance()},
                              {"gamma", "variance"}, getEpsilon());
}

WeightData WeightBnScaleOp::evaluate(ArrayRef<WeightData> in) {
  WeightData out = in[0];
  float eps = getEpsilon().convertToFloat();
  float alpha = getAlpha() ? in[2].values[0] : 0.0f;
  for (size_t c = 0; c < out.values.size(); ++c)
    out.values[c] = factor(in[0].values[c], in[1].values[c], eps) + alpha;
  return out;
}

LogicalResult WeightBnShiftOp::verify() {
  return verifyChannelVectors(
      *this, {getBeta(), getMean(), getGamma(), getVariance()},
      {"beta", "mean", "gamma", "variance"}, getEpsilon());
}

WeightData WeightBnShiftOp::evaluate(ArrayRef<WeightData> in) {
  WeightData out = in[0];
  float eps = getEpsilon().convertToFloat();
  for (size_t c = 0; c < out.values.size(); ++c)
    out.values[c] =
        in[0].values[c] -
        in[1].values[c] * factor(in[2].values[c], in[3].values[c], eps);
  return out;
}

} // namespace modelc::nn
