//===- GemmFolds.cpp - folding a per-channel affine into GEMMs ------------===//
#include "passes/reparam/GemmFolds.h"

#include "dialect/NNOps.h"
#include "passes/WeightBuilder.h"

using namespace mlir;
using namespace modelc::nn;

namespace modelc {

namespace {
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
} // namespace

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

void foldAffineIntoGemms(PatternRewriter &rw, ArrayRef<Operation *> gemms,
                         Value scale, Value shift) {
  for (Operation *gemm : gemms) {
    rw.setInsertionPoint(gemm);
    WeightBuilder wb(rw, gemm->getLoc(), gemm);
    Value w = gemm->getOperand(1);
    Value bias = gemm->getNumOperands() > 2 ? gemm->getOperand(2) : Value();
    if (shift)
      bias = wb.add(bias, wb.matmul(shift, w));
    replaceGemm(rw, gemm, wb.scale(w, scale, /*axis=*/0), bias);
  }
}

} // namespace modelc
