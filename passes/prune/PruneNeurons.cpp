//===- PruneNeurons.cpp - nn-prune-neurons --------------------------------===//
//
// Structured magnitude pruning of MLP neurons: per MLP, the hidden units
// whose weights (up and gate columns, down row) have the smallest squared
// norm are removed, a ratio of them, rounded.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"
#include "passes/Passes.h"
#include "passes/WeightBuilder.h"
#include "passes/prune/Structure.h"

namespace modelc {
#define GEN_PASS_DEF_PRUNENEURONS
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

/// An MLP: down(act(up x)) or down(act(gate x) * up x), every intermediate
/// used only on the way to `down`.
struct Mlp {
  LinearOp up, gate, down;
  ActivationOp act;
  MulOp mul;
};

LinearOp soleLinear(Value v) {
  return v.hasOneUse() ? v.getDefiningOp<LinearOp>() : nullptr;
}

std::optional<Mlp> matchMlp(LinearOp down) {
  Value h = down.getInput();
  if (!h.hasOneUse())
    return std::nullopt;
  if (auto act = h.getDefiningOp<ActivationOp>()) {
    if (LinearOp up = soleLinear(act.getInput()))
      return Mlp{up, nullptr, down, act, nullptr};
    return std::nullopt;
  }
  auto mul = h.getDefiningOp<MulOp>();
  if (!mul)
    return std::nullopt;
  for (auto [a, u] : {std::pair{mul.getLhs(), mul.getRhs()},
                      std::pair{mul.getRhs(), mul.getLhs()}}) {
    auto act = a.getDefiningOp<ActivationOp>();
    if (!act || !a.hasOneUse())
      continue;
    LinearOp gate = soleLinear(act.getInput()), up = soleLinear(u);
    if (gate && up && gate != up && gate.getInput() == up.getInput())
      return Mlp{up, gate, down, act, mul};
  }
  return std::nullopt;
}

/// Keeps the hidden units of `projection` (columns) that `score` selects.
void selectColumns(WeightBuilder &wb, LinearOp projection, Value score,
                   int64_t kept) {
  projection.getWeightMutable().assign(
      wb.selectTop(projection.getWeight(), score, 1, 1, kept));
  if (Value bias = projection.getBias())
    projection.getBiasMutable().assign(wb.selectTop(bias, score, 0, 1, kept));
  Value r = projection.getResult();
  r.setType(withChannels(r.getType(), kept));
}

struct PruneNeuronsPass
    : public modelc::impl::PruneNeuronsBase<PruneNeuronsPass> {
  using PruneNeuronsBase::PruneNeuronsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (failed(checkRatio(func, getArgument(), ratio)))
      return signalPassFailure();
    SmallVector<Mlp> mlps;
    func.walk([&](LinearOp down) {
      if (std::optional<Mlp> mlp = matchMlp(down))
        mlps.push_back(*mlp);
    });
    for (Mlp &mlp : mlps) {
      int64_t hidden = channels(mlp.down.getInput());
      int64_t kept = hidden - prunedCount(hidden, ratio);
      if (kept == hidden)
        continue;
      if (kept < 1) {
        mlp.down.emitError() << "nn-prune-neurons: ratio " << ratioText(ratio)
                             << " removes all " << hidden << " neurons";
        return signalPassFailure();
      }
      OpBuilder b(mlp.down);
      WeightBuilder wb(b, mlp.down.getLoc(), mlp.down);
      // One statement each: the expressions' order in the IR is fixed.
      Value upScore = wb.sqNorms(mlp.up.getWeight(), 1);
      Value score = wb.add(upScore, wb.sqNorms(mlp.down.getWeight(), 0));
      if (mlp.gate)
        score = wb.add(score, wb.sqNorms(mlp.gate.getWeight(), 1));
      selectColumns(wb, mlp.up, score, kept);
      if (mlp.gate)
        selectColumns(wb, mlp.gate, score, kept);
      for (Operation *op : {mlp.act.getOperation(), mlp.mul.getOperation()})
        if (op)
          op->getResult(0).setType(
              withChannels(op->getResult(0).getType(), kept));
      mlp.down.getWeightMutable().assign(
          wb.selectTop(mlp.down.getWeight(), score, 0, 1, kept));
    }
    eraseDeadWeights(func);
  }
};

} // namespace
