//===- NNOps.cpp - the generated op and interface definitions -------------===//
//
// The ops' own C++ (type inference, verifiers, folders, interface methods)
// is in ops/<Family>Ops.cpp; this file instantiates what ODS generates and
// the helpers every family shares.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

#include "dialect/NNEnums.cpp.inc"
#include "dialect/NNInterfaces.cpp.inc"

namespace modelc::nn {

LogicalResult verifySameTokens(Operation *op, Value a, Value b) {
  // A dynamic dimension matches anything; static ones must be equal.
  auto compatible = [](int64_t x, int64_t y) {
    return ShapedType::isDynamic(x) || ShapedType::isDynamic(y) || x == y;
  };
  auto sa = rankedType(a).getShape(), sb = rankedType(b).getShape();
  if (!compatible(sa[0], sb[0]) || !compatible(sa[1], sb[1]))
    return op->emitOpError("operands disagree on [batch, seq]");
  return success();
}

LogicalResult verifyChannelVector(Operation *op, Value vec, int64_t c,
                                  StringRef what) {
  int64_t n = rankedType(vec).getDimSize(0);
  if (n != c)
    return op->emitOpError() << what << " has " << n << " elements but the "
                             << "input has " << c << " channels";
  return success();
}

LogicalResult verifyTokenGrid(Operation *op, ArrayRef<int64_t> grid,
                              Value input) {
  if (grid.size() != 2 || grid[0] < 1 || grid[1] < 1)
    return op->emitOpError("grid must be [rows, cols], both positive");
  int64_t seq = rankedType(input).getDimSize(1);
  if (!ShapedType::isDynamic(seq) && seq != grid[0] * grid[1])
    return op->emitOpError("grid ")
           << grid[0] << "x" << grid[1] << " does not hold the " << seq
           << " tokens";
  return success();
}

FusionKind fusionKindOf(Operation *op) {
  if (auto f = dyn_cast<FusionOpInterface>(op))
    return f.getFusionKind();
  return FusionKind::Opaque;
}

} // namespace modelc::nn

using namespace modelc::nn;

#define GET_OP_CLASSES
#include "dialect/NNOps.cpp.inc"
