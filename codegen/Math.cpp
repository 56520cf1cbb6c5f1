//===- Math.cpp - vectorizable float math shared by the lowerings ---------===//
#include "codegen/Math.h"

using namespace Halide;

namespace modelc::codegen {

Expr expf32(Expr x) {
  x = clamp(x, -87.3f, 88.3f);
  Expr k = floor(x * 1.44269504088896341f + 0.5f);
  // strict_float: the simplifier would otherwise fold the two parts of ln 2
  // into one constant and lose the reduction's extra precision.
  Expr r = strict_float(x - k * 0.693359375f + k * 2.12194440e-4f);
  Expr r2 = r * r;
  Expr p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  Expr y = p * r2 + r + 1.0f;
  Expr scale = reinterpret(Float(32), (cast<int32_t>(k) + 127) << 23);
  return y * scale;
}

Expr erff32(Expr x) {
  Expr ax = abs(x);
  Expr t = 1.0f / (1.0f + 0.3275911f * ax);
  Expr p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  Expr y = 1.0f - p * t * expf32(-ax * ax);
  return select(x < 0.0f, -y, y);
}

Expr sigmoidf32(Expr x) { return 1.0f / (1.0f + expf32(-x)); }

Expr activation(nn::Activation kind, Expr x) {
  switch (kind) {
  case nn::Activation::relu:
    return max(x, 0.0f);
  case nn::Activation::gelu:
    return 0.5f * x * (1.0f + erff32(x * 0.70710678118654752f));
  case nn::Activation::gelu_tanh: {
    // 0.5 x (1 + tanh(u)) = x sigmoid(2u): no cancellation for x << 0.
    Expr u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
    return x / (1.0f + expf32(-2.0f * u));
  }
  case nn::Activation::silu:
    return x / (1.0f + expf32(-x));
  }
  return x;
}

} // namespace modelc::codegen
