//===- GemmSchedule.h - the GEMM (+epilogue) schedule ----------*- C++ -*-===//
//
// PLACEHOLDER written by the codegen work so the rest of codegen builds; the
// GEMM engineer replaces these two files (same API).
//
// Contract used by the translator (codegen/KernelTranslator.cpp):
//   * `wPacked` wraps the weight buffer as stored in <name>.weights:
//     plain (panelWidth 0): 2-D wPacked(n, k) over [K, N] row-major;
//     packed (panelWidth P): 3-D wPacked(ni, k, no) over [ceil(N/P), K, P]
//     (n = no*P + ni, zero-padded), packedGemmWeightElems floats in all.
//     gemmWeightAt returns W[k][n] from it.
//   * acc(n, m) = bias(n) or 0; acc(n, m) += x(k, m) * gemmWeightAt(..);
//     out(n, m) = epilogue(acc(n, m)); m = b*S + s; the input x is clamped
//     to its rows so a schedule may over-compute rows (never over-store).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_GEMMSCHEDULE_H
#define MODELC_CODEGEN_GEMMSCHEDULE_H

#include <Halide.h>

#include <cstddef>

namespace modelc::codegen {

struct GemmWeightLayout {
  int panelWidth = 0; // 0 = plain [K, N] row-major
};

GemmWeightLayout gemmWeightLayout(int K, int N);
Halide::Expr gemmWeightAt(const Halide::Func &wPacked, Halide::Expr n,
                          Halide::Expr k, const GemmWeightLayout &layout);
void scheduleGemm(Halide::Func out, Halide::Func acc, Halide::Var n,
                  Halide::Var m, Halide::RVar k, int K, int N,
                  const Halide::Target &target);
void scheduleGemmCuda(Halide::Func out, Halide::Func acc, Halide::Var n,
                      Halide::Var m, Halide::RVar k, int K, int N,
                      const Halide::Target &target);
// src is [K, N] row-major, or [N, K] when srcIsOutIn.
void packGemmWeight(const float *src, bool srcIsOutIn, int K, int N,
                    const GemmWeightLayout &layout, float *dst);
size_t packedGemmWeightElems(int K, int N, const GemmWeightLayout &layout);

} // namespace modelc::codegen

#endif
