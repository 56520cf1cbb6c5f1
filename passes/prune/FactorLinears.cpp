//===- FactorLinears.cpp - nn-factor-linears ------------------------------===//
//
// Low-rank factorisation: x W + b -> (x A) B + b with A B the rank-r
// truncated SVD of W, for each linear whose instance name matches and that
// it makes cheaper (r (K + N) < K N).
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"
#include "passes/WeightBuilder.h"
#include "passes/prune/Structure.h"

#include "llvm/Support/GlobPattern.h"

namespace modelc {
#define GEN_PASS_DEF_FACTORLINEARS
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

struct FactorLinearsPass
    : public modelc::impl::FactorLinearsBase<FactorLinearsPass> {
  using FactorLinearsBase::FactorLinearsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (rank == 0)
      return;
    if (rank < 0) {
      func.emitError() << "nn-factor-linears: rank " << (int64_t)rank
                       << " is not positive";
      return signalPassFailure();
    }
    llvm::Expected<llvm::GlobPattern> glob = llvm::GlobPattern::create(match);
    if (!glob) {
      func.emitError() << "nn-factor-linears: match '" << match
                       << "': " << llvm::toString(glob.takeError());
      return signalPassFailure();
    }
    SmallVector<LinearOp> linears;
    func.walk([&](LinearOp linear) {
      auto w = linear.getWeight().getType();
      int64_t k = w.getDimSize(0), n = w.getDimSize(1);
      if (rank * (k + n) < k * n && glob->match(instanceName(linear)))
        linears.push_back(linear);
    });
    for (LinearOp linear : linears) {
      OpBuilder b(linear);
      WeightBuilder wb(b, linear.getLoc(), linear);
      Value w = linear.getWeight();
      Value low = b.create<LinearOp>(linear.getLoc(), linear.getInput(),
                                     wb.svdFactor(w, rank, false), Value());
      auto high = b.create<LinearOp>(
          linear.getLoc(), low, wb.svdFactor(w, rank, true), linear.getBias());
      linear.replaceAllUsesWith(high.getResult());
      linear.erase();
    }
    eraseDeadWeights(func);
  }
};

} // namespace
