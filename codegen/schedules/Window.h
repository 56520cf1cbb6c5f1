//===- Window.h - the window kernel classes: pooling, conv ------*- C++ -*-===//
//
// Kernels whose every output token reads a short window of neighbouring
// tokens of its input (PoolFormer's average pooling, the depthwise conv):
// the `pooling` and `conv` classes. Per token and vector of channels, the
// window's taps are summed in registers (unrolled when short); tokens are
// processed in blocks, one block per parallel task, so a block reads each
// input row once from memory and its neighbours from cache.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_SCHEDULES_WINDOW_H
#define MODELC_CODEGEN_SCHEDULES_WINDOW_H

#include "codegen/lowering/LoweringContext.h"
#include "dialect/NNOps.h"

namespace modelc::codegen {

/// The window sum of one pooling or conv op.
struct WindowStages : OpStages {
  using OpStages::OpStages;
  Halide::Func sum; // sum(c, s, b): the taps summed
  Halide::RDom taps;
  int tapCount = 0;
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// sum(c, s, b) = init(c) + sum over j < taps of
///   weight(c, j) * x(c, s - offset + j, b),
/// where x is zero outside the sequence [0, S); a null `weight` is 1. Its
/// Funcs are recorded in `stage`.
Halide::Func
windowSum(const LoweringContext &ctx, const std::string &name, Halide::Func x,
          int taps, int offset,
          const std::function<Halide::Expr(Halide::Expr, Halide::Expr)> &weight,
          Halide::Expr init, WindowStages &stage);

/// The 2-D form on a rows x cols grid of tokens (row by row, S = rows *
/// cols), centred: sum(c, s, b) = init(c) + sum over i, j < size of
///   weight(c, i, j) * x(c, (row - size / 2 + i) * cols + col - size / 2 + j,
///   b)
/// with x zero outside the grid; a null `weight` is 1. Its Funcs are
/// recorded in `stage`.
Halide::Func gridWindowSum(
    const LoweringContext &ctx, const std::string &name, Halide::Func x,
    int size, int rows, int cols,
    const std::function<Halide::Expr(Halide::Expr, Halide::Expr, Halide::Expr)>
        &weight,
    Halide::Expr init, WindowStages &stage);

/// Registers the schedule of the `pooling` and `conv` kernel classes.
void registerWindowSchedule(nn::KernelClass kind);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_WINDOW_H
