//===- Gemm.h - the GEMM kernel class: out = epilogue(bias + x W) -*- C++
//-*-===//
//
// The stage nn.linear's lowering registers, the algorithm helpers it uses
// (the packed weight layout, the bias read) and the hand schedules, CPU and
// CUDA, of the kernel class `gemm`.
//
//===----------------------------------------------------------------------===//

#ifndef MODELC_CODEGEN_SCHEDULES_GEMM_H
#define MODELC_CODEGEN_SCHEDULES_GEMM_H

#include "codegen/GemmLayout.h"
#include "codegen/lowering/LoweringContext.h"

#include "Halide.h"

#include <optional>

namespace modelc::codegen {

/// acc(n, tokens) = bias(n) + sum_k x(k, tokens) * W[k][n] of one nn.linear;
/// for nn.lora_linear a second update adds sum_j xa(j, tokens) * B[j][n]
/// over `rl` (rank > 0). For a gated GEMM (nn.gated_linear) n runs over the
/// packed columns of its weight (GemmWeightLayout::gatedHalf): each tile of
/// `gatedPanel` output columns reads a gate panel and the up panel after it.
struct GemmStages : OpStages {
  using OpStages::OpStages;
  Halide::Func acc;
  Halide::RDom rk, rl;
  int K = 0, N = 0, rank = 0;
  /// The channels of the value the stage computes: N, or the hidden width
  /// of a gated GEMM.
  int outN = 0;
  /// 0, or the panel width of a gated GEMM's layout.
  int gatedPanel = 0;
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// Registers the schedule of the `gemm` kernel class.
void registerGemmSchedule();

/// W[k][n] for the weight `wPacked` stored in `layout`, so that the algorithm
/// code is layout-agnostic. The plain layout requires N % 48 == 0 (the
/// schedule computes whole 48-column tiles); the packed one is zero-padded.
Halide::Expr gemmWeightAt(const Halide::Func &wPacked, Halide::Expr n,
                          Halide::Expr k, const GemmWeightLayout &layout);

/// bias(n) for the pure definition of acc. acc is computed for whole
/// 48-column tiles, past N in the last one, so the read is clamped.
Halide::Expr gemmBiasAt(const Halide::Func &bias, Halide::Expr n, int N);

/// The largest weight panel (K x the accumulator columns, in bytes) the row
/// tiles stream whole from L2 with their accumulators in registers; past it
/// the K loop is blocked. From the host's L2 size, so it is part of the
/// kernel cache key.
int64_t gemmRegisterPanelBytes();

/// Applies the CPU hand schedule. `acc` has a pure definition plus one update
/// reducing over `k` (and, with `lowRank`, a second one reducing over it: a
/// low-rank term added to the tile in registers); `out` is the output Func
/// with the epilogue inlined into it. `n`, `m` are the pure Vars of both. M
/// (the extent of m) is dynamic; out's buffer must have min 0 in n (the
/// schedule constrains it). With `gated`, each output tile of 48 columns
/// reads 96 accumulator columns (a gate and an up panel).
void scheduleGemm(Halide::Func out, Halide::Func acc, Halide::Var n,
                  Halide::Var m, Halide::RVar k, int K, int N,
                  const Halide::Target &target, bool gated = false,
                  std::optional<Halide::RVar> lowRank = std::nullopt);

/// CUDA variant (gpu_tile): 32x8 thread blocks, one output per thread with
/// its accumulator in a register. Correct by construction; validated only by
/// assembling the PTX (no GPU on the build machines).
void scheduleGemmCuda(Halide::Func out, Halide::Func acc, Halide::Var n,
                      Halide::Var m, Halide::RVar k, int K, int N,
                      const Halide::Target &target);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_GEMM_H
