//===- WeightEval.cpp - the value of a weight or weight expression --------===//
#include "frontend/WeightEval.h"

#include "dialect/NNOps.h"

#include "llvm/Support/ErrorHandling.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

nn::WeightData evaluate(WeightStore &store, Value v) {
  nn::WeightData d;
  auto shape = cast<RankedTensorType>(v.getType()).getShape();
  d.shape.assign(shape.begin(), shape.end());
  Operation *def = v.getDefiningOp();
  if (auto w = dyn_cast_or_null<nn::WeightOp>(def)) {
    d.values = store.materialize(w.getName(), w.getTransposed(), shape);
    return d;
  }
  auto expr = dyn_cast_or_null<nn::WeightExprOpInterface>(def);
  if (!expr)
    llvm::report_fatal_error("materializeWeight: not a weight value");
  std::vector<nn::WeightData> operands;
  for (Value operand : def->getOperands())
    operands.push_back(evaluate(store, operand));
  return expr.evaluate(operands);
}

} // namespace

std::vector<float> materializeWeight(WeightStore &store, Value v) {
  return evaluate(store, v).values;
}

} // namespace modelc::frontend
