//===- GemmLayout.cpp - the packed layout of GEMM weights -----------------===//
#include "codegen/GemmLayout.h"

#include <algorithm>

namespace modelc::codegen {

namespace {
// Panels as wide as the GEMM's register tile (3 AVX-512 vectors).
constexpr int kPanelWidth = 48;
} // namespace

GemmWeightLayout gemmWeightLayout(int K, int N) {
  // Panels as wide as the register tile: each k step reads one contiguous
  // 192-byte row, a panel is one sequential stream (no TLB walk per k, unlike
  // [K, N] with N = 50257), and the zero padding covers N % 48 != 0.
  // Measured at M = 128: 768x3072 440 vs 355 GFLOP/s, 3072x768 406 vs 311.
  (void)K;
  (void)N;
  return GemmWeightLayout{kPanelWidth};
}

GemmWeightLayout gatedGemmWeightLayout(int K, int N) {
  GemmWeightLayout layout = gemmWeightLayout(K, N);
  layout.gatedHalf = N / 2;
  return layout;
}

int gemmPanels(const GemmWeightLayout &layout, int N) {
  int pw = layout.panelWidth;
  if (layout.gatedHalf)
    return 2 * ((layout.gatedHalf + pw - 1) / pw);
  return (N + pw - 1) / pw;
}

std::pair<int, int> gemmPanelColumns(const GemmWeightLayout &layout, int N,
                                     int p) {
  int pw = layout.panelWidth;
  if (int h = layout.gatedHalf) {
    int j = (p / 2) * pw; // gate panel p / 2, then the up panel beside it
    return {(p % 2) * h + j, std::min(pw, h - j)};
  }
  return {p * pw, std::min(pw, N - p * pw)};
}

void packGemmWeight(const float *src, bool srcIsOutIn, int K, int N,
                    const GemmWeightLayout &layout, float *dst) {
  int pw = layout.panelWidth == 0 ? N : layout.panelWidth;
  int panels = layout.panelWidth == 0 ? 1 : gemmPanels(layout, N);
  for (int p = 0; p < panels; ++p) {
    std::pair<int, int> cols = layout.panelWidth == 0
                                   ? std::pair{0, N}
                                   : gemmPanelColumns(layout, N, p);
    for (int k = 0; k < K; ++k)
      for (int i = 0; i < pw; ++i) {
        float v = 0.0f; // Padding columns: finite, never stored.
        if (i < cols.second) {
          size_t n = size_t(cols.first + i);
          v = srcIsOutIn ? src[n * K + k] : src[size_t(k) * N + n];
        }
        dst[(size_t(p) * K + k) * pw + i] = v;
      }
  }
}

} // namespace modelc::codegen
