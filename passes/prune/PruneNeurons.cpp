//===- PruneNeurons.cpp - nn-prune-neurons --------------------------------===//
//
// Structured pruning of MLP neurons: the hidden units whose weights (up and
// gate columns, down row) have the smallest squared norm, or whose measured
// activation energy through the down row is least, are removed, a ratio or
// a count of them, per MLP or of all MLPs together.
//
//===----------------------------------------------------------------------===//
#include "passes/prune/PruneNeurons.h"
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"
#include "passes/WeightBuilder.h"
#include "passes/prune/Structure.h"

#include <algorithm>

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
  PruneNeuronsPass(const PruneNeuronsOptions &options, WeightReader read)
      : PruneNeuronsBase(options), read(std::move(read)) {}

  PruneAmount amount() const { return {ratio, count, global}; }

  /// How many neurons each MLP keeps, by the options.
  std::vector<int64_t> keptCounts(MutableArrayRef<Mlp> mlps,
                                  ArrayRef<Value> scores) {
    std::vector<int64_t> kept;
    int64_t total = 0;
    for (Mlp &mlp : mlps) {
      int64_t hidden = channels(mlp.down.getInput());
      total += hidden;
      kept.push_back(hidden - amount().removedOf(hidden));
    }
    if (!global)
      return kept;
    std::vector<std::vector<double>> values;
    for (Value score : scores) {
      std::vector<float> v = read(score);
      values.emplace_back(v.begin(), v.end());
    }
    return keptGlobally(values, amount().removedOf(total));
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (failed(amount().check(func, getArgument(), (bool)read,
                              "--prune-neurons=global:R")))
      return signalPassFailure();
    SmallVector<Mlp> mlps;
    func.walk([&](LinearOp down) {
      if (std::optional<Mlp> mlp = matchMlp(down))
        mlps.push_back(*mlp);
    });
    if (mlps.empty() || amount().none())
      return;
    SmallVector<Value> scores;
    for (Mlp &mlp : mlps) {
      OpBuilder b(mlp.down);
      WeightBuilder wb(b, mlp.down.getLoc(), mlp.down);
      if (activation) {
        scores.push_back(activationScore(wb, mlp.down, mlp.down.getWeight()));
        continue;
      }
      // One statement each: the expressions' order in the IR is fixed.
      Value upScore = wb.sqNorms(mlp.up.getWeight(), 1);
      Value score = wb.add(upScore, wb.sqNorms(mlp.down.getWeight(), 0));
      if (mlp.gate)
        score = wb.add(score, wb.sqNorms(mlp.gate.getWeight(), 1));
      scores.push_back(score);
    }
    std::vector<int64_t> kept = keptCounts(mlps, scores);
    for (auto [mlp, score, k] : llvm::zip(mlps, scores, kept)) {
      int64_t hidden = channels(mlp.down.getInput());
      if (k == hidden)
        continue;
      if (k < 1) {
        mlp.down.emitError() << "nn-prune-neurons: " << amount().text()
                             << " removes all " << hidden << " neurons";
        return signalPassFailure();
      }
      OpBuilder b(mlp.down);
      WeightBuilder wb(b, mlp.down.getLoc(), mlp.down);
      selectColumns(wb, mlp.up, score, k);
      if (mlp.gate)
        selectColumns(wb, mlp.gate, score, k);
      for (Operation *op : {mlp.act.getOperation(), mlp.mul.getOperation()})
        if (op)
          op->getResult(0).setType(withChannels(op->getResult(0).getType(), k));
      mlp.down.getWeightMutable().assign(
          wb.selectTop(mlp.down.getWeight(), score, 0, 1, k));
    }
    eraseDeadWeights(func);
  }

  WeightReader read;
};

} // namespace

std::unique_ptr<Pass>
modelc::createPruneNeurons(const PruneNeuronsOptions &options,
                           WeightReader read) {
  return std::make_unique<PruneNeuronsPass>(options, std::move(read));
}
