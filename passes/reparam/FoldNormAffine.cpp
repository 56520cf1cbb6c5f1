//===- FoldNormAffine.cpp - nn-fold-norm-affine ---------------------------===//
//
// (n gamma + beta) W + b = n (diag(gamma) W) + (beta W + b): a norm whose
// every user is a GEMM's input hands its affine to them.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"
#include "passes/WeightBuilder.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace modelc {
#define GEN_PASS_DEF_FOLDNORMAFFINE
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

/// The GEMMs whose input is `v`, when they are all of its users.
std::optional<SmallVector<Operation *>> gemmUsersOf(Value v) {
  SmallVector<Operation *> users;
  for (OpOperand &use : v.getUses()) {
    Operation *user = use.getOwner();
    if (!isa<LinearOp, GatedLinearOp>(user) || use.getOperandNumber() != 0)
      return std::nullopt;
    if (!llvm::is_contained(users, user))
      users.push_back(user);
  }
  if (users.empty())
    return std::nullopt;
  return users;
}

/// Rebuilds `gemm` (a linear or gated linear) with weight `w` and bias `b`.
void replaceGemm(PatternRewriter &rw, Operation *gemm, Value w, Value b) {
  Value input = gemm->getOperand(0);
  if (auto lin = dyn_cast<LinearOp>(gemm)) {
    rw.replaceOpWithNewOp<LinearOp>(lin, input, w, b);
    return;
  }
  auto gated = cast<GatedLinearOp>(gemm);
  rw.replaceOpWithNewOp<GatedLinearOp>(gated, gated.getActivation(), input, w,
                                       b);
}

template <typename NormOp> struct FoldAffine : OpRewritePattern<NormOp> {
  using OpRewritePattern<NormOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(NormOp norm,
                                PatternRewriter &rw) const override {
    if (norm.getAffine().empty())
      return failure();
    auto users = gemmUsersOf(norm.getResult());
    if (!users)
      return failure();
    Value gamma = norm.getAffine()[0];
    Value beta = norm.getAffine().size() > 1 ? norm.getAffine()[1] : Value();
    for (Operation *gemm : *users) {
      rw.setInsertionPoint(gemm);
      WeightBuilder wb(rw, gemm->getLoc(), gemm);
      Value w = gemm->getOperand(1);
      Value bias = gemm->getNumOperands() > 2 ? gemm->getOperand(2) : Value();
      if (beta)
        bias = wb.add(bias, wb.matmul(beta, w));
      replaceGemm(rw, gemm, wb.scale(w, gamma, /*axis=*/0), bias);
    }
    rw.setInsertionPoint(norm);
    rw.replaceOpWithNewOp<NormOp>(norm, norm.getInput(), ValueRange{},
                                  norm.getEpsilon());
    return success();
  }
};

struct FoldNormAffinePass
    : public modelc::impl::FoldNormAffineBase<FoldNormAffinePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldAffine<LayerNormOp>, FoldAffine<RMSNormOp>>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
