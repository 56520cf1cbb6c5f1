//===- Structure.cpp - what the approximate passes ask about the model ----===//
#include "passes/prune/Structure.h"

#include "dialect/NNOps.h"
#include "passes/WeightBuilder.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

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

std::map<int64_t, SmallVector<Operation *>> opsByLayer(func::FuncOp func) {
  std::map<int64_t, SmallVector<Operation *>> byLayer;
  for (Operation &op : func.getBody().front())
    if (!op.hasTrait<nn::WeightValued>())
      if (std::optional<int64_t> index = layerIndex(&op))
        byLayer[*index].push_back(&op);
  return byLayer;
}

FailureOr<LayerBoundary> layerBoundary(int64_t index, ArrayRef<Operation *> ops,
                                       StringRef pass, StringRef consequence) {
  llvm::SmallPtrSet<Operation *, 32> inLayer(ops.begin(), ops.end());
  llvm::SetVector<Value> inputs, outputs;
  for (Operation *op : ops) {
    for (Value v : op->getOperands())
      if (!nn::isWeightValue(v) && !inLayer.contains(v.getDefiningOp()))
        inputs.insert(v);
    for (Value r : op->getResults())
      if (llvm::any_of(r.getUsers(), [&](Operation *user) {
            return !inLayer.contains(user);
          }))
        outputs.insert(r);
  }
  if (inputs.size() != 1 || outputs.size() != 1 ||
      inputs[0].getType() != outputs[0].getType())
    return ops.front()->emitError()
           << pass << ": layer " << index
           << " is not a block of one input and one output of its type (it "
              "reads "
           << inputs.size() << " and yields " << outputs.size()
           << " activations): " << consequence;
  return LayerBoundary{inputs[0], outputs[0]};
}

std::string inputSqNormsName(StringRef instance) {
  return ("calib:" + instance + ":input_sq_norms").str();
}

Value activationScore(WeightBuilder &wb, Operation *linear, Value w) {
  int64_t in = cast<RankedTensorType>(w.getType()).getDimSize(0);
  Value energy = wb.stored(inputSqNormsName(instanceName(linear)), {in});
  return wb.scale(wb.sqNorms(w, 0), energy, 0);
}

int64_t prunedCount(int64_t count, double ratio) {
  return (int64_t)std::llround(ratio * (double)count);
}

std::vector<int64_t>
keptGlobally(const std::vector<std::vector<double>> &scores, int64_t removed,
             const std::vector<int64_t> &unitSizes) {
  struct Unit {
    double score;
    size_t group, index;
  };
  std::vector<Unit> all;
  for (size_t g = 0; g < scores.size(); ++g)
    for (size_t i = 0; i < scores[g].size(); ++i)
      all.push_back({scores[g][i], g, i});
  auto lower = [](const Unit &a, const Unit &b) {
    if (a.score != b.score)
      return a.score < b.score;
    return std::tie(b.group, b.index) < std::tie(a.group, a.index);
  };
  std::sort(all.begin(), all.end(), lower);
  std::vector<int64_t> kept;
  for (const std::vector<double> &s : scores)
    kept.push_back((int64_t)s.size());
  for (const Unit &u : all) {
    int64_t size = unitSizes.empty() ? 1 : unitSizes[u.group];
    if (size > removed)
      continue;
    removed -= size;
    --kept[u.group];
  }
  return kept;
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

std::string PruneAmount::text() const {
  std::string s = count != 0 ? "count " + std::to_string(count)
                             : "ratio " + ratioText(ratio);
  return global ? s + " (global)" : s;
}

LogicalResult PruneAmount::check(func::FuncOp func, StringRef pass,
                                 bool canRead, StringRef flag) const {
  if (failed(checkRatio(func, pass, ratio)))
    return failure();
  if (count < 0)
    return func.emitError() << pass << ": count " << count << " is negative";
  if (count != 0 && ratio != 0)
    return func.emitError() << pass << ": give a ratio or a count, not both";
  if (global && !canRead)
    return func.emitError()
           << pass << ": global pruning ranks by the weights' values: use "
           << "modelc compile " << flag;
  return success();
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
