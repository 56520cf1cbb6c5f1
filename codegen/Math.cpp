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

Expr exp2f32(Expr x) {
  x = clamp(x, -126.0f, 127.0f);
  // t's low mantissa bits hold k = round(x); x - k is exact.
  Expr t = strict_float(x + 12582912.0f);
  Expr f = x - strict_float(t - 12582912.0f);
  Expr p = 1.535336188319500e-4f;
  p = p * f + 1.339887440266574e-3f;
  p = p * f + 9.618437357674640e-3f;
  p = p * f + 5.550332471162809e-2f;
  p = p * f + 2.402264791363012e-1f;
  p = p * f + 6.931472028550421e-1f;
  Expr y = p * f + 1.0f;
  Expr k127 = reinterpret(UInt(32), t) - cast<uint32_t>(0x4B400000 - 127);
  return y * reinterpret(Float(32), k127 << 23);
}

Expr logf32(Expr x) {
  // x = m 2^e with m in [sqrt(1/2), sqrt(2)); log x = log1p(m - 1) + e ln 2.
  Expr bits = reinterpret(Int(32), x);
  Expr e = ((bits >> 23) & 0xff) - 126;
  Expr m = reinterpret(Float(32), (bits & 0x007fffff) | 0x3f000000);
  Expr low = m < 0.707106781186547524f;
  e = select(low, e - 1, e);
  m = select(low, m + m, m) - 1.0f;
  Expr z = m * m;
  Expr p = 7.0376836292e-2f;
  p = p * m - 1.1514610310e-1f;
  p = p * m + 1.1676998740e-1f;
  p = p * m - 1.2420140846e-1f;
  p = p * m + 1.4249322787e-1f;
  p = p * m - 1.6668057665e-1f;
  p = p * m + 2.0000714765e-1f;
  p = p * m - 2.4999993993e-1f;
  p = p * m + 3.3333331174e-1f;
  Expr fe = cast<float>(e);
  Expr y = p * m * z + fe * -2.12194440e-4f - 0.5f * z;
  return m + y + fe * 0.693359375f;
}

Expr softplusf32(Expr x) {
  // max(x, 0) + log1p(e^-|x|), log1p(y) = log(w) * y / (w - 1) with
  // w = 1 + y (Goldberg), which stays exact when y is tiny.
  Expr y = expf32(-abs(x));
  Expr w = 1.0f + y;
  Expr log1p = select(w == 1.0f, y, logf32(w) * (y / (w - 1.0f)));
  return max(x, 0.0f) + log1p;
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
  case nn::Activation::identity:
    return x;
  }
  return x;
}

AngleTables angleTables(const std::string &name,
                        const std::vector<double> &freq) {
  int n = (int)freq.size();
  Buffer<float> inv(n, name + "_inv_freq");
  for (int i = 0; i < n; ++i)
    inv(i) = (float)freq[i];
  Var i("i"), pos("pos");
  AngleTables t{Func(name + "_sin"), Func(name + "_cos")};
  Expr ang = cast<float>(pos) * inv(clamp(i, 0, n - 1));
  t.sin(i, pos) = sin(ang);
  t.cos(i, pos) = cos(ang);
  return t;
}

} // namespace modelc::codegen
