//===- StructureOps.cpp - LayerScale, DeepNorm, DWA, stacked weights ------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

using namespace mlir;

namespace modelc::nn {

LogicalResult ChannelScaleOp::verify() {
  return verifyChannelVector(*this, getScale(), channels(getInput()), "scale");
}
FusionKind ChannelScaleOp::getFusionKind() { return FusionKind::Pointwise; }
double ChannelScaleOp::getFlopsPerToken() { return channels(getResult()); }
WeightRole ChannelScaleOp::getWeightRole(unsigned) { return WeightRole::Scale; }

LogicalResult ScaledAddOp::verify() {
  if (channels(getLhs()) != channels(getRhs()))
    return emitOpError("operands have ") << channels(getLhs()) << " and "
                                         << channels(getRhs()) << " channels";
  return verifySameTokens(*this, getLhs(), getRhs());
}
FusionKind ScaledAddOp::getFusionKind() { return FusionKind::Pointwise; }
double ScaledAddOp::getFlopsPerToken() { return 2.0 * channels(getResult()); }

LogicalResult WeightedSumOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands, DictionaryAttr,
    OpaqueProperties, RegionRange, SmallVectorImpl<Type> &results) {
  if (operands.size() < 2)
    return failure();
  return inferredAs(results, operands[1].getType());
}

LogicalResult WeightedSumOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  int64_t n = rankedType(getWeights()).getNumElements();
  if (n != (int64_t)getInputs().size())
    return emitOpError("has ")
           << getInputs().size() << " inputs but " << n << " weights";
  Value first = getInputs().front();
  for (Value in : getInputs()) {
    if (channels(in) != channels(first))
      return emitOpError("inputs have ")
             << channels(first) << " and " << channels(in) << " channels";
    if (failed(verifySameTokens(*this, first, in)))
      return failure();
  }
  return success();
}
FusionKind WeightedSumOp::getFusionKind() { return FusionKind::Pointwise; }
double WeightedSumOp::getFlopsPerToken() {
  return 2.0 * getInputs().size() * channels(getResult());
}
WeightRole WeightedSumOp::getWeightRole(unsigned) { return WeightRole::Scale; }

LogicalResult WeightSelectOp::verify() {
  auto in = rankedType(getInput()).getShape();
  auto out = rankedType(getResult()).getShape();
  int64_t index = static_cast<int64_t>(getIndex());
  if (in.size() < 2)
    return emitOpError("needs a stacked input of rank 2 or more");
  if (index < 0 || index >= in[0])
    return emitOpError("index ")
           << index << " is outside the " << in[0] << " stacked slices";
  SmallVector<int64_t> want(in.drop_front());
  if (getTransposed()) {
    if (want.size() < 2)
      return emitOpError("only a slice of rank 2 or more can be transposed");
    std::swap(want[want.size() - 1], want[want.size() - 2]);
  }
  if (ArrayRef<int64_t>(want) != out)
    return emitOpError("result shape does not match the selected slice");
  return success();
}

WeightData WeightSelectOp::evaluate(ArrayRef<WeightData> in) {
  WeightData out;
  auto shape = rankedType(getResult()).getShape();
  out.shape.assign(shape.begin(), shape.end());
  const std::vector<int64_t> &s = in[0].shape;
  int64_t slice = 1;
  for (size_t d = 1; d < s.size(); ++d)
    slice *= s[d];
  const float *src = &in[0].values[static_cast<int64_t>(getIndex()) * slice];
  if (!getTransposed()) {
    out.values.assign(src, src + slice);
    return out;
  }
  // Swap the last two axes of each [rows, cols] matrix of the slice.
  int64_t rows = s[s.size() - 2], cols = s.back();
  out.values.resize(slice);
  for (int64_t m = 0; m < slice / (rows * cols); ++m)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        out.values[m * rows * cols + c * rows + r] =
            src[m * rows * cols + r * cols + c];
  return out;
}

} // namespace modelc::nn
