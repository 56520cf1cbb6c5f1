//===- ExpertWeights.h - expert weights as routing reads them ---*- C++ -*-===//
//
// The experts' [rows, width] matrices of a routing op (nn.moe's up, gate and
// down, nn.switch_linear's experts), stacked on the row axis in one packed
// GEMM argument: f32, or weight-only int8 with scales [stacked rows / group,
// width] (nn-quantize-weights). Shared so both ops widen and scale alike.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_LOWERING_EXPERTWEIGHTS_H
#define MODELC_CODEGEN_LOWERING_EXPERTWEIGHTS_H

#include "codegen/lowering/LoweringContext.h"

namespace modelc::codegen {

/// Int8 weights are widened to f32 in registers and times their group's
/// scale inside the sum when an expert's rows hold several groups; with one
/// group per expert (group == rows) the sum is scaled once instead, in
/// finish().
class ExpertWeight {
public:
  /// `w` a packed kernel argument, `scales` null for f32 weights, `group`
  /// the rows per scale, `rows` and `width` one expert's matrix.
  ExpertWeight(const LoweringContext &ctx, mlir::Value w, mlir::Value scales,
               int64_t group, int rows, int width);

  /// The weight at column n of stacked row `row`, as f32 (before finish()).
  Halide::Expr at(Halide::Expr n, Halide::Expr row) const;
  /// `sum`, an expert's sum over its rows at column n, as the f32 result.
  Halide::Expr finish(Halide::Expr sum, Halide::Expr n,
                      Halide::Expr expert) const;

private:
  bool perExpert() const { return scales.defined() && group == rows; }

  Halide::Func w, scales;
  GemmWeightLayout layout;
  int group, rows, width;
};

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_LOWERING_EXPERTWEIGHTS_H
