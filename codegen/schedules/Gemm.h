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

namespace modelc::codegen {

/// acc(n, tokens) = bias(n) + sum_k x(k, tokens) * W[k][n] of one nn.linear.
struct GemmStages : OpStages {
  using OpStages::OpStages;
  Halide::Func acc;
  Halide::RDom rk;
  int K = 0, N = 0;
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

/// Applies the CPU hand schedule. `acc` has a pure definition plus one update
/// reducing over `k`; `out` is the output Func with the epilogue inlined into
/// it. `n`, `m` are the pure Vars of both. M (the extent of m) is dynamic;
/// out's buffer must have min 0 in n (the schedule constrains it).
void scheduleGemm(Halide::Func out, Halide::Func acc, Halide::Var n,
                  Halide::Var m, Halide::RVar k, int K, int N,
                  const Halide::Target &target);

/// CUDA variant (gpu_tile): 32x8 thread blocks, one output per thread with
/// its accumulator in a register. Correct by construction; validated only by
/// assembling the PTX (no GPU on the build machines).
void scheduleGemmCuda(Halide::Func out, Halide::Func acc, Halide::Var n,
                      Halide::Var m, Halide::RVar k, int K, int N,
                      const Halide::Target &target);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_GEMM_H
