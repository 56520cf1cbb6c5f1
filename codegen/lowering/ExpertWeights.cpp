//===- ExpertWeights.cpp - an expert weight as a routing kernel reads it --===//
#include "codegen/lowering/ExpertWeights.h"
#include "codegen/schedules/Gemm.h"

using namespace Halide;

namespace modelc::codegen {

ExpertWeight::ExpertWeight(const LoweringContext &ctx, mlir::Value w,
                           mlir::Value scales, int64_t group, int rows,
                           int width)
    : w(ctx.in(w)), scales(scales ? ctx.in(scales) : Func()),
      layout(ctx.argOf(w)->layout), group((int)group), rows(rows),
      width(width) {}

Expr ExpertWeight::at(Expr n, Expr row) const {
  Expr q = gemmWeightAt(w, n, row, layout);
  if (!scales.defined())
    return q;
  Expr f = cast<float>(q);
  if (perExpert())
    return f;
  return f * scales(min(n, width - 1), row / group);
}

Expr ExpertWeight::finish(Expr sum, Expr n, Expr expert) const {
  if (!perExpert())
    return sum;
  return sum * scales(min(n, width - 1), expert);
}

} // namespace modelc::codegen
