//===- Math.h - vectorizable float math shared by the lowerings -*- C++ -*-===//
//
// Halide Exprs for the transcendental functions the kernels need, written as
// polynomials (no libm calls, so they vectorize and run on GPUs), accurate to
// about 1 ulp (exp) or 1.5e-7 (erf) over the float range.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_MATH_H
#define MODELC_CODEGEN_MATH_H

#include "dialect/NNOps.h"

#include <Halide.h>

#include <string>
#include <vector>

namespace modelc::codegen {

/// e^x (Cephes: Cody-Waite range reduction + a degree-6 polynomial).
Halide::Expr expf32(Halide::Expr x);
/// 2^x (Cephes exp2f: a degree-6 polynomial on [-0.5, 0.5]; rounds with
/// the 1.5 * 2^23 trick, since Halide's round() splits AVX-512 vectors).
Halide::Expr exp2f32(Halide::Expr x);
/// ln x for x > 0 (Cephes logf: frexp + a degree-8 polynomial).
Halide::Expr logf32(Halide::Expr x);
/// ln(1 + e^x), accurate for every x (no cancellation for x << 0).
Halide::Expr softplusf32(Halide::Expr x);
/// erf(x) (Abramowitz-Stegun 7.1.26, odd extension).
Halide::Expr erff32(Halide::Expr x);
/// 1 / (1 + e^-x).
Halide::Expr sigmoidf32(Halide::Expr x);
/// The element-wise activation `kind` of x (nn.activation).
Halide::Expr activation(nn::Activation kind, Halide::Expr x);

/// sin and cos of position * freq[i] as tables over (i, position): the
/// angles of RoPE and of sinusoidal positions. The frequencies are rounded
/// to float (as the oracle computes them: in double, then float).
struct AngleTables {
  Halide::Func sin, cos;
};
AngleTables angleTables(const std::string &name,
                        const std::vector<double> &freq);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_MATH_H
