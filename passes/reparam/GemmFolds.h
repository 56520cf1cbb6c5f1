//===- GemmFolds.h - folding a per-channel affine into GEMMs ----*- C++ -*-===//
//
// What the norm folds share: a per-channel affine y = x k + t whose every
// user is a GEMM's input moves into those GEMMs,
// (x k + t) W + b = x (diag(k) W) + (t W + b).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_PASSES_REPARAM_GEMMFOLDS_H
#define MODELC_PASSES_REPARAM_GEMMFOLDS_H

#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace modelc {

/// The GEMMs (nn.linear, nn.gated_linear) whose input is `v`, when they are
/// all of its users.
std::optional<llvm::SmallVector<mlir::Operation *>> gemmUsersOf(mlir::Value v);

/// Rewrites every one of `gemms` (from gemmUsersOf) to read the affine's
/// input instead: its weight's rows scaled by `scale`, `shift` W added to its
/// bias (a null `shift` adds nothing). The caller replaces the affine's
/// result by its input afterwards.
void foldAffineIntoGemms(mlir::PatternRewriter &rw,
                         llvm::ArrayRef<mlir::Operation *> gemms,
                         mlir::Value scale, mlir::Value shift);

} // namespace modelc

#endif // MODELC_PASSES_REPARAM_GEMMFOLDS_H
