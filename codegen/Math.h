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

namespace modelc::codegen {

/// e^x (Cephes: Cody-Waite range reduction + a degree-6 polynomial).
Halide::Expr expf32(Halide::Expr x);
/// erf(x) (Abramowitz-Stegun 7.1.26, odd extension).
Halide::Expr erff32(Halide::Expr x);
/// 1 / (1 + e^-x).
Halide::Expr sigmoidf32(Halide::Expr x);
/// The element-wise activation `kind` of x (nn.activation).
Halide::Expr activation(nn::Activation kind, Halide::Expr x);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_MATH_H
