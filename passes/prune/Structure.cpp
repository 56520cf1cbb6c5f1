//===- Structure.cpp - what the approximate passes ask about the model ----===//
#include "passes/prune/Structure.h"

#include "dialect/NNOps.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <cstdio>

using namespace mlir;

namespace modelc {

StringRef instanceName(Operation *op) {
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    return name.getName().strref();
  return "";
}

std::optional<int64_t> layerIndex(Operation *op) {
  StringRef name = instanceName(op);
  if (!name.consume_front("layer"))
    return std::nullopt;
  StringRef digits = name.take_while([](char c) { return std::isdigit(c); });
  StringRef rest = name.drop_front(digits.size());
  int64_t index;
  if (digits.empty() || digits.getAsInteger(10, index) ||
      !(rest.empty() || rest.starts_with(".")))
    return std::nullopt;
  return index;
}

int64_t prunedCount(int64_t count, double ratio) {
  return (int64_t)std::llround(ratio * (double)count);
}

std::string ratioText(double ratio) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", ratio);
  return text;
}

LogicalResult checkRatio(func::FuncOp func, StringRef pass, double ratio) {
  if (ratio >= 0 && ratio < 1)
    return success();
  return func.emitError() << pass << ": ratio " << ratioText(ratio)
                          << " is outside [0, 1)";
}

Type withChannels(Type t, int64_t c) {
  auto ranked = cast<RankedTensorType>(t);
  SmallVector<int64_t> shape(ranked.getShape());
  shape.back() = c;
  return RankedTensorType::get(shape, ranked.getElementType());
}

void eraseDeadWeights(func::FuncOp func) {
  // Reverse order: an expression is erased before the weights it reads.
  SmallVector<Operation *> weights;
  func.walk([&](Operation *op) {
    if (op->hasTrait<nn::WeightValued>())
      weights.push_back(op);
  });
  for (Operation *op : llvm::reverse(weights))
    if (op->use_empty())
      op->erase();
}

} // namespace modelc
