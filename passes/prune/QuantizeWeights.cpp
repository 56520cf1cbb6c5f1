//===- QuantizeWeights.cpp - nn-quantize-weights --------------------------===//
//
// Weight-only int8: x W + b -> x (q s) + b with q the int8 rounding of W and
// s its per-column (per-group) scales, for each linear whose instance name
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

  void runOnOperation() override {
    func::FuncOp func = getOperation();
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
    SmallVector<LinearOp> linears;
    func.walk([&](LinearOp linear) {
      if (glob->match(instanceName(linear)))
        linears.push_back(linear);
    });
    for (LinearOp linear : linears) {
      int64_t k = linear.getWeight().getType().getDimSize(0);
      int64_t g = group == 0 ? k : (int64_t)group;
      if (k % g)
        return fail(linear, "group " + Twine(g) + " does not divide the " +
                                Twine(k) + " input channels of '" +
                                instanceName(linear) + "'");
      OpBuilder b(linear);
      WeightBuilder wb(b, linear.getLoc(), linear);
      Value w = linear.getWeight();
      auto q = b.create<Int8LinearOp>(linear.getLoc(), linear.getInput(),
                                      wb.quantizeInt8(w, g),
                                      wb.int8Scales(w, g), linear.getBias());
      linear.replaceAllUsesWith(q.getResult());
      linear.erase();
    }
    eraseDeadWeights(func);
  }
};

} // namespace
