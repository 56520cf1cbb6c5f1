//===- WeightOps.cpp - nn.weight ------------------------------------------===//
#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::nn {

LogicalResult WeightOp::verify() {
  if (getName().empty())
    return emitOpError("needs a non-empty weight name");
  if (!getType().getElementType().isF32())
    return emitOpError("weights are f32");
  if (getTransposed() && getType().getRank() != 2)
    return emitOpError("only a matrix can be transposed");
  return success();
}

} // namespace modelc::nn
