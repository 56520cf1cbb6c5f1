//===- OpHelpers.h - shape checks shared by the op families -----*- C++ -*-===//
#ifndef MODELC_DIALECT_OPS_OPHELPERS_H
#define MODELC_DIALECT_OPS_OPHELPERS_H

#include "dialect/NNOps.h"

namespace modelc::nn {

inline mlir::RankedTensorType rankedType(mlir::Value v) {
  return mlir::cast<mlir::RankedTensorType>(v.getType());
}

/// The static channel count of an activation (its last dimension).
inline int64_t channels(mlir::Value v) {
  return rankedType(v).getShape().back();
}

/// [batch, seq] of an activation or id tensor, with `c` channels appended.
inline mlir::RankedTensorType activationsLike(mlir::Value tokens, int64_t c) {
  auto shape = rankedType(tokens).getShape();
  mlir::Type f32 = mlir::Float32Type::get(tokens.getContext());
  return mlir::RankedTensorType::get({shape[0], shape[1], c}, f32);
}

inline mlir::LogicalResult
inferredAs(llvm::SmallVectorImpl<mlir::Type> &results, mlir::Type t) {
  results.push_back(t);
  return mlir::success();
}

/// Operands of one op agree on [batch, seq] (a dynamic dim matches any).
mlir::LogicalResult verifySameTokens(mlir::Operation *op, mlir::Value a,
                                     mlir::Value b);

/// `vec` has `c` elements (one per channel of the input).
mlir::LogicalResult verifyChannelVector(mlir::Operation *op, mlir::Value vec,
                                        int64_t c, llvm::StringRef what);

/// `grid` is [rows, cols], both positive, holding the tokens of `input`
/// ([batch, seq, C]; a dynamic seq is checked when the op runs).
mlir::LogicalResult verifyTokenGrid(mlir::Operation *op,
                                    llvm::ArrayRef<int64_t> grid,
                                    mlir::Value input);

/// The single user of `v`, if it has exactly one use.
inline mlir::Operation *singleUser(mlir::Value v) {
  return v.hasOneUse() ? *v.user_begin() : nullptr;
}

/// The fusion kind of `op` (Opaque when it has no FusionOpInterface).
FusionKind fusionKindOf(mlir::Operation *op);

/// Exclusive when `op` is point-wise, else No: a seed that takes in the
/// point-wise ops next to it as long as nothing else needs their values.
inline Absorb exclusiveIfPointwise(mlir::Operation *op) {
  return fusionKindOf(op) == FusionKind::Pointwise ? Absorb::Exclusive
                                                   : Absorb::No;
}

/// The seed priority of a GEMM-class op: activated GEMMs first, so that in
/// a GLU the gate's kernel takes the `mul` and the up projection is its
/// already-computed operand.
int gemmSeedPriority(mlir::Value result);

/// Exclusive for the prologue ops (NN_GemmPrologue) producing the values a
/// GEMM reads, when nothing outside reads them; else No.
Absorb gemmAbsorbsProducer(mlir::Operation *producer);

} // namespace modelc::nn

#endif // MODELC_DIALECT_OPS_OPHELPERS_H
