//===- DropLayers.cpp - nn-drop-layers ------------------------------------===//
//
// A residual layer whose output replaces its input: the layer's ops (every
// op named "layerN" or "layerN.*") are erased and its users read the
// stream that entered it.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"
#include "passes/prune/Structure.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

#include <set>

namespace modelc {
#define GEN_PASS_DEF_DROPLAYERS
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;

namespace {

/// Replaces the layer made of `ops` (in program order) by its input.
LogicalResult dropLayer(int64_t index, ArrayRef<Operation *> ops) {
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
           << "nn-drop-layers: layer " << index
           << " is not a block of one input and one output of its type (it "
              "reads "
           << inputs.size() << " and yields " << outputs.size()
           << " activations): it cannot be dropped";
  Value input = inputs[0], output = outputs[0];
  output.replaceAllUsesWith(input);
  for (Operation *op : llvm::reverse(ops))
    op->erase();
  return success();
}

struct DropLayersPass : public modelc::impl::DropLayersBase<DropLayersPass> {
  using DropLayersBase::DropLayersBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (layers.empty())
      return;
    llvm::MapVector<int64_t, SmallVector<Operation *>> byLayer;
    for (Operation &op : func.getBody().front())
      if (!op.hasTrait<nn::WeightValued>())
        if (std::optional<int64_t> index = layerIndex(&op))
          byLayer[*index].push_back(&op);
    std::set<int64_t> drop(layers.begin(), layers.end());
    for (int64_t index : drop)
      if (!byLayer.count(index)) {
        func.emitError() << "nn-drop-layers: there is no layer " << index
                         << " (the model has " << byLayer.size() << " layers)";
        return signalPassFailure();
      }
    if (drop.size() == byLayer.size()) {
      func.emitError() << "nn-drop-layers: dropping all " << byLayer.size()
                       << " layers leaves no model";
      return signalPassFailure();
    }
    for (int64_t index : drop)
      if (failed(dropLayer(index, byLayer[index])))
        return signalPassFailure();
    eraseDeadWeights(func);
  }
};

} // namespace
