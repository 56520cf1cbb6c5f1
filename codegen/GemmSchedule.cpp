//===- GemmSchedule.cpp - placeholder GEMM schedule (plain layout) --------===//
//
// PLACEHOLDER (codegen work): plain [K, N] weights, an 8x48 (AVX-512) or
// 4x24 (AVX2) register micro-tile with the full K loop inside the tile,
// parallel over column panels. The GEMM engineer replaces this file.
//
//===----------------------------------------------------------------------===//
#include "codegen/GemmSchedule.h"

#include <algorithm>
#include <cstring>

using namespace Halide;

namespace modelc::codegen {

GemmWeightLayout gemmWeightLayout(int, int) { return GemmWeightLayout{0}; }

Expr gemmWeightAt(const Func &wPacked, Expr n, Expr k,
                  const GemmWeightLayout &layout) {
  Func w = wPacked;
  if (layout.panelWidth == 0)
    return w(n, k);
  int p = layout.panelWidth;
  return w(n % p, k, n / p);
}

void scheduleGemm(Func out, Func acc, Var n, Var m, RVar k, int K, int N,
                  const Target &target) {
  (void)K;
  const bool avx512 = target.has_feature(Target::AVX512);
  const int V = avx512 ? 16 : 8;
  const int UY = avx512 ? 8 : 4;
  int TX = 3 * V;
  while (TX > V && TX > N)
    TX -= V;
  Var no("no"), ni("ni"), mo("mo"), mi("mi");
  // Columns: N is static; ShiftInwards keeps full vectors when N >= TX.
  TailStrategy nTail = N >= TX ? TailStrategy::ShiftInwards
                               : TailStrategy::GuardWithIf;
  out.split(n, no, ni, TX, nTail)
      .split(m, mo, mi, UY, TailStrategy::GuardWithIf)
      .reorder(ni, mi, mo, no)
      .vectorize(ni, V)
      .parallel(no);
  acc.compute_at(out, mo).vectorize(n, V).unroll(m);
  Var nv("nv"), nl("nl");
  acc.update()
      .split(n, nv, nl, V, TailStrategy::GuardWithIf)
      .reorder(nl, nv, m, k)
      .vectorize(nl)
      .unroll(nv)
      .unroll(m);
}

void scheduleGemmCuda(Func out, Func acc, Var n, Var m, RVar k, int, int,
                      const Target &) {
  Var nb("nb"), mb("mb"), nt("nt"), mt("mt");
  out.gpu_tile(n, m, nb, mb, nt, mt, 32, 8, TailStrategy::GuardWithIf);
  acc.compute_at(out, nt);
  (void)k;
}

void packGemmWeight(const float *src, bool srcIsOutIn, int K, int N,
                    const GemmWeightLayout &layout, float *dst) {
  const int P = layout.panelWidth;
  auto at = [&](int kk, int nn) {
    return srcIsOutIn ? src[(size_t)nn * K + kk] : src[(size_t)kk * N + nn];
  };
  if (P == 0) {
    for (int kk = 0; kk < K; ++kk)
      for (int nn = 0; nn < N; ++nn)
        dst[(size_t)kk * N + nn] = at(kk, nn);
    return;
  }
  const int panels = (N + P - 1) / P;
  for (int no = 0; no < panels; ++no)
    for (int kk = 0; kk < K; ++kk)
      for (int ni = 0; ni < P; ++ni) {
        int nn = no * P + ni;
        dst[((size_t)no * K + kk) * P + ni] = nn < N ? at(kk, nn) : 0.f;
      }
}

size_t packedGemmWeightElems(int K, int N, const GemmWeightLayout &layout) {
  if (layout.panelWidth == 0)
    return (size_t)K * N;
  size_t panels = (N + layout.panelWidth - 1) / layout.panelWidth;
  return panels * K * layout.panelWidth;
}

} // namespace modelc::codegen
