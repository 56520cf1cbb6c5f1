//===- Rows.h - the row kernel classes: norms, embeddings -------*- C++ -*-===//
//
// Kernels whose every output row (token) needs statistics over the whole row
// of an input (LayerNorm's mean and variance, RMSNorm's mean square): the
// `norm` class and the `embedding` class (gather + positions + its norm).
// Rows are processed in blocks, one block per parallel task; a row's sums
// are vectorized partial sums folded to one lane. GroupNorm's statistics
// span a sample's whole sequence: blocks of rows are summed in parallel,
// then the blocks (SequenceStages).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_SCHEDULES_ROWS_H
#define MODELC_CODEGEN_SCHEDULES_ROWS_H

#include "codegen/lowering/LoweringContext.h"

namespace modelc::codegen {

/// The per-row Funcs of one norm (or any op reducing over its input's row).
struct RowStages : OpStages {
  using OpStages::OpStages;
  std::vector<Halide::Func> partials; // vectorized partial sums (U*V lanes)
  std::vector<Halide::Func> folds;    // partials folded to V lanes
  std::vector<Halide::Func> totals;   // per-row results
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// total(tokens) = sum over c < C of term(c, tokens), built as vectorized
/// partial sums on CPU; its Funcs are recorded in `stage`.
Halide::Func rowSum(const LoweringContext &ctx, const std::string &name,
                    int64_t C,
                    const std::function<Halide::Expr(
                        Halide::Expr, const std::vector<Halide::Expr> &)> &term,
                    RowStages &stage);

/// The per-sample Funcs of a statistic over every token of a sequence (and
/// a group of channels): GroupNorm's mean and variance.
struct SequenceStages : OpStages {
  using OpStages::OpStages;
  std::vector<Halide::Func> blocks; // lanes x group x row block x sample
  std::vector<Halide::Func> totals; // group x sample
  Halide::Var lane{"lane"}, block{"rblock"};
  int lanes = 1; // the extent of `lane`
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// total(g, b) = sum over every token s < S and every channel c of group g
/// (`groupSize` channels) of term(c, {s, b}), for a positional kernel; its
/// Funcs are recorded in `stage`.
Halide::Func sequenceSum(
    const LoweringContext &ctx, const std::string &name, int64_t groupSize,
    const std::function<Halide::Expr(Halide::Expr,
                                     const std::vector<Halide::Expr> &)> &term,
    SequenceStages &stage);

/// Computes `st`'s Funcs inside the rows of `f` (`channels` wide): rows in
/// parallel blocks,
/// each row's sums vectorized (CPU); 64x4 thread blocks, the statistics per
/// row by the block's threads (CUDA). The row kernels' schedule of a norm's
/// output, also used for a row op computed at root inside another kernel.
void scheduleRowStageIn(const LoweringContext &x, Halide::Func f,
                        int64_t channels, RowStages &st);

class ScheduleEnv;
/// The schedule of row kernels: each RowStages inside the rows of its host,
/// rows in parallel blocks, the other outputs computed with the first.
/// The `norm` and `embedding` classes use it.
void scheduleRowKernel(ScheduleEnv &env);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_ROWS_H
