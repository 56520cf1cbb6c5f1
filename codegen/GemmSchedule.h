//===- GemmSchedule.h - Hand schedule for the GEMM kernel class -*- C++ -*-===//
//
// Algorithm + schedule helpers for out = epilogue(bias + x * W) kernels.
//
//===----------------------------------------------------------------------===//

#ifndef MODELC_CODEGEN_GEMMSCHEDULE_H
#define MODELC_CODEGEN_GEMMSCHEDULE_H

#include "Halide.h"

#include <cstddef>

namespace modelc::codegen {

/// Weight layout the schedule expects; the compiler transforms checkpoint
/// weights into it at compile time.
struct GemmWeightLayout {
  /// 0 = plain [K, N] row-major (w(n, k), n innermost). Otherwise W is packed
  /// into ceil(N / panelWidth) panels of [K][panelWidth], zero-padded in n, so
  /// the weights of one register tile stream contiguously: a 3-D buffer
  /// wPacked(i, k, p) = W[k][p * panelWidth + i].
  int panelWidth = 0;
};

GemmWeightLayout gemmWeightLayout(int K, int N);

/// Number of floats of the packed weight (including the zero padding).
size_t packedGemmWeightElems(int K, int N, const GemmWeightLayout &layout);

/// Packs a float matrix into `layout`. `src` is [K][N] row-major, or [N][K]
/// (PyTorch nn.Linear's [out, in]) when `srcIsOutIn`. Runs at compile time.
void packGemmWeight(const float *src, bool srcIsOutIn, int K, int N,
                    const GemmWeightLayout &layout, float *dst);

/// Dimensions (min, extent, stride) the weight ImageParam must be declared
/// with for `layout`: 2-D {N, K} when plain, 3-D {panelWidth, K, panels}
/// when packed. Constraining them lets the schedule use constant strides.
void constrainGemmWeight(Halide::ImageParam &w, int K, int N,
                         const GemmWeightLayout &layout);

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

#endif // MODELC_CODEGEN_GEMMSCHEDULE_H
