//===- RecenterStream.cpp - nn-recenter-stream ----------------------------===//
//
// Pre-RMSNorm: LayerNorm(x) = LayerNorm(x - mean(x)), so the residual stream
// can be kept zero-mean by centering every write into it, and an affine-free
// LayerNorm of a zero-mean input is an RMSNorm. The set of values to center
// is a whole-function decision (a value may be centered only if all its
// users tolerate it), so this is an analysis followed by a rewrite, not a
// greedy pattern.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"
#include "passes/WeightBuilder.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/SetVector.h"

namespace modelc {
#define GEN_PASS_DEF_RECENTERSTREAM
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

/// Ops whose result can be centered: by centering a weight (embedding and
/// position tables, a linear's columns and bias) or because their stream
/// operands are centered (sums).
bool centerable(Operation *op) {
  return isa<EmbeddingOp, AddPositionsOp, AddOp, LinearOp>(op);
}

/// The operands of a centerable op that must be centered with its result.
SmallVector<Value, 2> streamOperands(Operation *op) {
  if (auto add = dyn_cast<AddOp>(op))
    return {add.getLhs(), add.getRhs()};
  if (auto pos = dyn_cast<AddPositionsOp>(op))
    return {pos.getInput()};
  return {};
}

bool isStreamUse(OpOperand &use) {
  return isa<AddOp>(use.getOwner()) ||
         (isa<AddPositionsOp>(use.getOwner()) && use.getOperandNumber() == 0);
}

bool isLayerNormInput(OpOperand &use) {
  return isa<LayerNormOp>(use.getOwner()) && use.getOperandNumber() == 0;
}

/// Whether `v` may be centered when the values of `set` are.
bool admissible(Value v, const llvm::SetVector<Value> &set) {
  for (Value s : streamOperands(v.getDefiningOp()))
    if (!set.contains(s))
      return false;
  for (OpOperand &use : v.getUses()) {
    if (isLayerNormInput(use))
      continue;
    if (isStreamUse(use) && set.contains(use.getOwner()->getResult(0)))
      continue;
    return false;
  }
  return true;
}

/// Centers the weights that make `op`'s result zero-mean.
void centerWrites(IRRewriter &rw, Operation *op) {
  rw.setInsertionPoint(op);
  WeightBuilder wb(rw, op->getLoc(), op);
  auto center = [&](unsigned i, int64_t axis) {
    Value w = op->getOperand(i);
    rw.modifyOpInPlace(op, [&] { op->setOperand(i, wb.center(w, axis)); });
  };
  if (isa<EmbeddingOp>(op))
    center(0, 1);
  else if (isa<AddPositionsOp>(op))
    center(1, 1);
  else if (auto lin = dyn_cast<LinearOp>(op)) {
    center(1, 1);
    if (lin.getBias())
      center(2, 0);
  }
}

struct RecenterStreamPass
    : public modelc::impl::RecenterStreamBase<RecenterStreamPass> {
  void runOnOperation() override {
    // The largest admissible set: start from every centerable value and
    // drop the inadmissible ones until none is left.
    llvm::SetVector<Value> set;
    getOperation().walk([&](Operation *op) {
      if (centerable(op))
        set.insert(op->getResult(0));
    });
    for (bool changed = true; changed;) {
      changed = false;
      for (Value v : SmallVector<Value>(set.begin(), set.end()))
        if (!admissible(v, set)) {
          set.remove(v);
          changed = true;
        }
    }
    // Values connected through sums are centered together; a component is
    // worth it when an affine-free LayerNorm reads it.
    llvm::EquivalenceClasses<void *> components;
    for (Value v : set) {
      components.insert(v.getAsOpaquePointer());
      for (OpOperand &use : v.getUses())
        if (isStreamUse(use))
          components.unionSets(
              v.getAsOpaquePointer(),
              use.getOwner()->getResult(0).getAsOpaquePointer());
    }
    llvm::DenseSet<void *> useful;
    SmallVector<LayerNormOp> converted;
    for (Value v : set)
      for (OpOperand &use : v.getUses())
        if (auto ln = dyn_cast<LayerNormOp>(use.getOwner());
            ln && isLayerNormInput(use) && ln.getAffine().empty()) {
          useful.insert(components.getLeaderValue(v.getAsOpaquePointer()));
          converted.push_back(ln);
        }

    IRRewriter rw(&getContext());
    for (Value v : set)
      if (useful.contains(components.getLeaderValue(v.getAsOpaquePointer())))
        centerWrites(rw, v.getDefiningOp());
    for (LayerNormOp ln : converted) {
      rw.setInsertionPoint(ln);
      rw.replaceOpWithNewOp<RMSNormOp>(ln, ln.getInput(), ValueRange{},
                                       ln.getEpsilon());
    }
  }
};

} // namespace
