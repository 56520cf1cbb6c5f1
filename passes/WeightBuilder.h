//===- WeightBuilder.h - building weight expressions in passes --*- C++ -*-===//
//
// The re-parameterization and pruning passes change weights only by
// building weight expressions (dialect/ops/WeightOps.td), whose values the
// driver computes when it writes <name>.weights. These helpers build them
// with their result types, and answer the questions the passes ask about
// weights (is it a splat, how many bytes do the kernels read).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_PASSES_WEIGHTBUILDER_H
#define MODELC_PASSES_WEIGHTBUILDER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <optional>

namespace modelc {

/// Builds weight expressions with `b` (a pass's rewriter) at location
/// `loc`. Every expression goes to the head of `anchor`'s block, after the
/// weights and expressions already there (its operands move up there too
/// where they are further down), so that it dominates every use, wherever
/// the rewrite that needs it happens (the frontend puts the nn.weight ops
/// first; kernel formation keeps weights outside kernels).
class WeightBuilder {
public:
  WeightBuilder(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *anchor)
      : b(b), loc(loc), anchor(anchor) {}

  /// The stored tensor `name` of `shape` (an nn.weight).
  mlir::Value stored(llvm::StringRef name, llvm::ArrayRef<int64_t> shape);
  /// A weight of `shape` whose elements are all `value`.
  mlir::Value splat(llvm::ArrayRef<int64_t> shape, float value);
  /// `w` times `vec` broadcast along `axis`.
  mlir::Value scale(mlir::Value w, mlir::Value vec, int64_t axis);
  /// `w` times a constant.
  mlir::Value mulScalar(mlir::Value w, float value);
  /// `lhs rhs` ([M, K] x [K, N], or a [K] row vector times [K, N]).
  mlir::Value matmul(mlir::Value lhs, mlir::Value rhs);
  /// `a + b`; a null operand is zero (so a missing bias adds nothing).
  mlir::Value add(mlir::Value a, mlir::Value b);
  /// `parts` concatenated along `axis` (one part: itself).
  mlir::Value concat(mlir::ValueRange parts, int64_t axis);
  /// `w` minus its mean along `axis`.
  mlir::Value center(mlir::Value w, int64_t axis);
  /// A BatchNorm's factor, gamma / sqrt(variance + epsilon) (+ alpha, RepBN's,
  /// when not null).
  mlir::Value bnScale(mlir::Value gamma, mlir::Value variance,
                      mlir::Value alpha, llvm::APFloat epsilon);
  /// A BatchNorm's offset, beta - mean gamma / sqrt(variance + epsilon).
  mlir::Value bnShift(mlir::Value beta, mlir::Value mean, mlir::Value gamma,
                      mlir::Value variance, llvm::APFloat epsilon);
  /// The squared L2 norm of each slice of `w` along `axis` (a vector).
  mlir::Value sqNorms(mlir::Value w, int64_t axis);
  /// The slices of `w` along `axis` in the groups of `group` with the
  /// largest sums of `score`, `size` slices in all (structured pruning),
  /// the same number from each of `segments` equal segments of the axis.
  mlir::Value selectTop(mlir::Value w, mlir::Value score, int64_t axis,
                        int64_t group, int64_t size, int64_t segments = 1);
  /// `size` slices of `w` along `axis` from `offset`.
  mlir::Value slice(mlir::Value w, int64_t axis, int64_t offset, int64_t size);
  /// The left (`[K, rank]`) or right (`[rank, N]`) factor of the truncated
  /// SVD of the matrix `w`.
  mlir::Value svdFactor(mlir::Value w, int64_t rank, bool right);
  /// The int8 rounding of the matrix `w` in groups of `group` rows, and its
  /// scales (`[K / group, N]`).
  mlir::Value quantizeInt8(mlir::Value w, int64_t group);
  mlir::Value int8Scales(mlir::Value w, int64_t group);

private:
  mlir::OpBuilder &b;
  mlir::Location loc;
  mlir::Operation *anchor;

  template <typename Op, typename... Args> mlir::Value make(Args &&...args);
};

/// The value of `w` when it is a splat weight (nn.weight.splat).
std::optional<float> splatValue(mlir::Value w);

/// The distinct weights that compute ops of `func` read (what <name>.weights
/// holds, before padding): nn.weight ops by name and orientation,
/// expressions by their structure. Elements, and bytes (f32 or int8).
struct WeightSize {
  int64_t elements = 0, bytes = 0;
};
WeightSize weightSize(mlir::func::FuncOp func);
int64_t weightBytes(mlir::func::FuncOp func);

/// A location for an op replacing `ops`: the first one's NameLoc with the
/// leaves of all their names joined by '+' ("layer0.attn.q+k+v"), else the
/// fusion of their locations.
mlir::Location mergedLoc(llvm::ArrayRef<mlir::Operation *> ops);

} // namespace modelc

#endif // MODELC_PASSES_WEIGHTBUILDER_H
