//===- QuantizeWeights.cpp - nn-quantize-weights --------------------------===//
//
// Weight-only int8: x W + b -> x (q s) + b with q the int8 rounding of W and
// s its per-column (per-group) scales, for each linear, merged GLU
// (nn.gated_linear), per-loop LoRA projection (nn.lora_linear: its shared
// base weight; the adapters, A's linear and B, stay f32 as in QLoRA),
// mixture of experts and SwitchHead projection (nn.switch_linear; their
// stacked expert weights, grouped within an expert) whose instance name
// matches. The kernel reads q and s and computes in f32.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"
#include "passes/WeightBuilder.h"
#include "passes/prune/Structure.h"

#include "llvm/Support/GlobPattern.h"

namespace modelc {
#define GEN_PASS_DEF_QUANTIZEWEIGHTS
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

struct QuantizeWeightsPass
    : public modelc::impl::QuantizeWeightsBase<QuantizeWeightsPass> {
  using QuantizeWeightsBase::QuantizeWeightsBase;

  /// Stacked expert weights of `experts` experts (of an nn.moe or an
  /// nn.switch_linear, `op`): the groups are of one expert's rows (group 0:
  /// all of them, one scale per expert and column).
  LogicalResult quantizeStacked(Operation *op, int64_t experts,
                                OpOperand &weight, MutableOperandRange scales) {
    Value w = weight.get();
    int64_t rows = cast<RankedTensorType>(w.getType()).getDimSize(0) / experts;
    int64_t g = group == 0 ? rows : (int64_t)group;
    if (rows % g) {
      op->emitError() << "nn-quantize-weights: group " << g
                      << " does not divide the " << rows
                      << " rows of each expert of '" << instanceName(op) << "'";
      return failure();
    }
    auto [q, s] = quantized(op, w, g);
    weight.set(q);
    scales.assign(s);
    return success();
  }

  /// The int8 rounding of `w` in groups of `g` rows and its scales, built
  /// once per weight and block (WeightBuilder puts them at the head of the
  /// user's block, where they dominate its other users), so a weight a
  /// loop's passes share stays one weight.
  std::pair<Value, Value> quantized(Operation *user, Value w, int64_t g) {
    auto [it, fresh] = rounded.try_emplace({user->getBlock(), w, g});
    if (fresh) {
      OpBuilder b(user);
      WeightBuilder wb(b, user->getLoc(), user);
      it->second = {wb.quantizeInt8(w, g), wb.int8Scales(w, g)};
    }
    return it->second;
  }
  /// Per run: (block, weight, group) -> (int8 weight, scales).
  DenseMap<std::tuple<Block *, Value, int64_t>, std::pair<Value, Value>>
      rounded;

  /// A LoRA adapter's x A: a linear whose result is the low-rank input of
  /// an nn.lora_linear.
  static bool isAdapter(Operation *op) {
    return llvm::any_of(op->getResult(0).getUses(), [](OpOperand &use) {
      auto lora = dyn_cast<LoraLinearOp>(use.getOwner());
      return lora && use.get() == lora.getLowRankInput();
    });
  }

  LogicalResult quantizeExperts(MoeOp moe) {
    int64_t e = moe.getExperts();
    if (failed(quantizeStacked(moe, e, moe.getUpMutable(),
                               moe.getUpScalesMutable())) ||
        failed(quantizeStacked(moe, e, moe.getDownMutable(),
                               moe.getDownScalesMutable())))
      return failure();
    if (moe.getGate() && failed(quantizeStacked(moe, e, moe.getGateMutable()[0],
                                                moe.getGateScalesMutable())))
      return failure();
    return success();
  }

  LogicalResult quantizeExperts(SwitchLinearOp op) {
    return quantizeStacked(op, op.getHeads() * op.getExpertsPerHead(),
                           op.getExpertsMutable(), op.getScalesMutable());
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    rounded.clear();
    auto fail = [&](Operation *at, const Twine &why) {
      at->emitError() << "nn-quantize-weights: " << why;
      signalPassFailure();
    };
    if (group < 0)
      return fail(func, "group " + Twine((int64_t)group) + " is negative");
    llvm::Expected<llvm::GlobPattern> glob = llvm::GlobPattern::create(match);
    if (!glob)
      return fail(func,
                  "match '" + match + "': " + llvm::toString(glob.takeError()));
    SmallVector<Operation *> gemms;
    SmallVector<MoeOp> moes;
    SmallVector<SwitchLinearOp> switches;
    func.walk([&](Operation *op) {
      if (!glob->match(instanceName(op)))
        return;
      if (isa<LinearOp, GatedLinearOp, LoraLinearOp>(op) && !isAdapter(op))
        gemms.push_back(op);
      else if (auto moe = dyn_cast<MoeOp>(op); moe && !moe.isInt8())
        moes.push_back(moe);
      else if (auto sw = dyn_cast<SwitchLinearOp>(op); sw && !sw.isInt8())
        switches.push_back(sw);
    });
    for (MoeOp moe : moes)
      if (failed(quantizeExperts(moe)))
        return signalPassFailure();
    for (SwitchLinearOp sw : switches)
      if (failed(quantizeExperts(sw)))
        return signalPassFailure();
    for (Operation *op : gemms) {
      Value w = op->getOperand(1);
      int64_t k = cast<RankedTensorType>(w.getType()).getDimSize(0);
      int64_t g = group == 0 ? k : (int64_t)group;
      if (k % g)
        return fail(op, "group " + Twine(g) + " does not divide the " +
                            Twine(k) + " input channels of '" +
                            instanceName(op) + "'");
      auto [q, s] = quantized(op, w, g);
      OpBuilder b(op);
      Value result;
      if (auto linear = dyn_cast<LinearOp>(op))
        result = b.create<Int8LinearOp>(op->getLoc(), linear.getInput(), q, s,
                                        linear.getBias());
      else if (auto gated = dyn_cast<GatedLinearOp>(op))
        result = b.create<Int8GatedLinearOp>(
            op->getLoc(), gated.getActivationAttr(), gated.getInput(), q, s,
            gated.getBias());
      else if (auto lora = dyn_cast<LoraLinearOp>(op))
        result = b.create<Int8LoraLinearOp>(
            op->getLoc(), lora.getInput(), q, s, lora.getBias(),
            lora.getLowRankInput(), lora.getLowRankWeight(),
            lora.getScaleAttr());
      op->getResult(0).replaceAllUsesWith(result);
      op->erase();
    }
    eraseDeadWeights(func);
  }
};

} // namespace
