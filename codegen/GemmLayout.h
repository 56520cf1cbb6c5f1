//===- GemmLayout.h - the packed layout of GEMM weights ---------*- C++ -*-===//
//
// How the GEMM kernels want their [K, N] weight, and the compile-time packing
// into it. Halide-free: the driver packs weights with it.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_GEMMLAYOUT_H
#define MODELC_CODEGEN_GEMMLAYOUT_H

#include <cstddef>
#include <utility>

namespace modelc::codegen {

/// Weight layout the schedule expects; the compiler transforms checkpoint
/// weights into it at compile time.
struct GemmWeightLayout {
  /// 0 = plain [K, N] row-major (w(n, k), n innermost). Otherwise W is packed
  /// into ceil(N / panelWidth) panels of [K][panelWidth], zero-padded in n, so
  /// the weights of one register tile stream contiguously: a 3-D buffer
  /// wPacked(i, k, p) = W[k][p * panelWidth + i].
  int panelWidth = 0;
  /// Non-zero for a gated GEMM (nn.gated_linear): W is [gate | up], each
  /// `gatedHalf` columns, and the panels alternate gate panel p, up panel p
  /// (each half zero-padded to whole panels), so that one register tile holds
  /// matching gate and up columns. The kernel indexes the packed columns:
  /// packed column q is panel q / panelWidth, lane q % panelWidth.
  int gatedHalf = 0;
};

GemmWeightLayout gemmWeightLayout(int K, int N);
/// The layout of a gated GEMM's [K, N = 2 hidden] weight.
GemmWeightLayout gatedGemmWeightLayout(int K, int N);
/// How many panels W [K, N] takes in `layout` (panelWidth > 0).
int gemmPanels(const GemmWeightLayout &layout, int N);
/// The columns of W [K, N] that panel `p` of `layout` holds, [first, first +
/// count), in its lanes 0..count-1 (the other lanes are zero padding): the
/// panel is the plain packing of that column strip alone.
std::pair<int, int> gemmPanelColumns(const GemmWeightLayout &layout, int N,
                                     int p);

/// Packs a float matrix into `layout`. `src` is [K][N] row-major, or [N][K]
/// (PyTorch nn.Linear's [out, in]) when `srcIsOutIn`. Runs at compile time.
void packGemmWeight(const float *src, bool srcIsOutIn, int K, int N,
                    const GemmWeightLayout &layout, float *dst);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_GEMMLAYOUT_H
