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
  FailureOr<LayerBoundary> boundary =
      layerBoundary(index, ops, "nn-drop-layers", "it cannot be dropped");
  if (failed(boundary))
    return failure();
  boundary->output.replaceAllUsesWith(boundary->input);
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
    std::map<int64_t, SmallVector<Operation *>> byLayer = opsByLayer(func);
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
