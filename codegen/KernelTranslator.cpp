//===- KernelTranslator.cpp - one nn.kernel region -> Halide pipeline -----===//
//
// Every tensor value of the region becomes a Halide Func:
//   activations [B, S, C]  f(c, m)     m = b*S + s   ("flat" kernels), or
//                          f(c, s, b)                (kernels that need the
//                                                     position: rope,
//                                                     add_positions, attention)
//   token ids   [B, S]     f(m) / f(s, b)
//   weights     [K, N]     w(n, k) (n innermost); GEMM weights through
//                          gemmWeightAt (the GEMM layout may pack them)
//               [C]        v(c)
// Funcs are inlined by default; the ops with internal stages (linear's
// accumulator, the norms' row statistics, attention's scores) attach them to
// a "host" Func — the kernel output the value flows into, or the value itself
// when it feeds several outputs (then it is computed at root) — and the class
// schedule of the host places them (docs/codegen.md).
//
//===----------------------------------------------------------------------===//
#include "codegen/KernelTranslator.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallVector.h"

#include <cmath>
#include <map>
#include <set>

using namespace Halide;
using mlir::Value;

namespace modelc::codegen {

int vectorWidth(const Target &target) {
  return target.has_feature(Target::AVX512) ? 16 : 8;
}

namespace {

//===----------------------------------------------------------------------===//
// Math helpers (vectorizable, no libm calls)
//===----------------------------------------------------------------------===//

// Cephes expf: Cody-Waite range reduction + degree-6 polynomial, ~1 ulp.
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

// erf, Abramowitz-Stegun 7.1.26 (abs error <= 1.5e-7), odd extension.
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

int64_t dimOf(Value v, unsigned i) {
  return mlir::cast<mlir::RankedTensorType>(v.getType()).getDimSize(i);
}
unsigned rankOf(Value v) {
  return mlir::cast<mlir::RankedTensorType>(v.getType()).getRank();
}

//===----------------------------------------------------------------------===//
// The translator
//===----------------------------------------------------------------------===//

struct GemmInfo {
  Func acc;
  RDom rk;
  int K = 0, N = 0;
};
struct NormInfo {
  std::vector<Func> partials; // vectorized per-lane partial sums (U*V lanes)
  std::vector<Func> folds;    // partials folded to V lanes
  int unroll = 1;
  std::vector<Func> totals; // per-row results
};
struct AttnInfo {
  Func qh, kh, sc, mx, den, e, o; // sc, e: CPU only
  int d = 0;
  Var kj, qi, h, bb, j;
  RDom rr, krMax, krDen, krO;
};
struct Internal {
  enum Kind { Gemm, Norm, Attention } kind;
  Value value;
  GemmInfo gemm;
  NormInfo norm;
  AttnInfo attn;
};

class Translator {
public:
  Translator(nn::KernelOp op, const Target &target)
      : op(op), target(target), gpu(target.has_gpu_feature()),
        V(vectorWidth(target)) {}

  mlir::FailureOr<TranslatedKernel> run();

private:
  nn::KernelOp op;
  Target target;
  bool gpu;
  int V;
  TranslatedKernel tk;

  Var c{"c"}, m{"m"}, s{"s"}, b{"b"};
  Expr seqLen; // S (3-D kernels)
  std::vector<ImageParam> params;
  llvm::DenseMap<Value, Func> funcs;
  std::vector<Internal> internals;
  std::vector<Func> roots; // computed at root (small tables)

  std::vector<Var> tokenVars() const {
    return tk.flat ? std::vector<Var>{m} : std::vector<Var>{s, b};
  }
  std::vector<Expr> tokenArgs() const {
    std::vector<Expr> r;
    for (const Var &v : tokenVars())
      r.push_back(v);
    return r;
  }
  std::vector<Var> actVars() const {
    std::vector<Var> r{c};
    for (const Var &v : tokenVars())
      r.push_back(v);
    return r;
  }
  // f(cExpr, tokens...)
  static Expr at(const Func &f, Expr cc, const std::vector<Expr> &t) {
    std::vector<Expr> a{cc};
    a.insert(a.end(), t.begin(), t.end());
    return Func(f)(a);
  }
  Func def(const std::string &name,
           const std::function<Expr(Expr, std::vector<Expr>)> &body) {
    Func f(name);
    std::vector<Expr> t = tokenArgs();
    std::vector<Var> vars = actVars();
    f(vars) = body(c, t);
    return f;
  }

  mlir::LogicalResult bindInputs();
  mlir::LogicalResult translateOp(mlir::Operation &o);
  Func rowSum(const std::string &name, int64_t C,
              const std::function<Expr(Expr, const std::vector<Expr> &)> &term,
              NormInfo &info);
  void schedule(std::vector<Func> &outs);
  void scheduleElementwise(Func host, int64_t C);
  void scheduleNormStages(Func host, const NormInfo &n, int64_t C);
  // Rows per parallel task of a norm kernel (and of the outputs fused with it).
  static int normRowsPerTask() { return 32; }
  void scheduleAttention(Func host, AttnInfo &a, int64_t C);
  mlir::LogicalResult fail(mlir::Operation *o, const llvm::Twine &msg) {
    o->emitError() << "codegen: " << msg;
    return mlir::failure();
  }
};

mlir::LogicalResult Translator::bindInputs() {
  mlir::Block &body = op.getBlock();
  // Which 2-D weights are nn.linear weights?
  std::set<unsigned> gemmArgs;
  for (mlir::Operation &o : body)
    if (auto lin = mlir::dyn_cast<nn::LinearOp>(o))
      if (auto ba = mlir::dyn_cast<mlir::BlockArgument>(lin.getWeight()))
        gemmArgs.insert(ba.getArgNumber());

  for (mlir::BlockArgument arg : body.getArguments()) {
    auto type = mlir::cast<mlir::RankedTensorType>(arg.getType());
    unsigned i = arg.getArgNumber();
    KernelArg ka;
    std::string pname = "in" + std::to_string(i);
    Func f("arg" + std::to_string(i));
    if (type.getRank() == 3 && type.getElementType().isF32() &&
        !type.hasStaticShape()) {
      ka.kind = KernelArg::Activation;
      ka.channels = type.getDimSize(2);
      ImageParam p(Float(32), tk.flat ? 2 : 3, pname);
      p.dim(0).set_bounds(0, (int)ka.channels);
      p.dim(1).set_min(0).set_stride((int)ka.channels);
      Expr rows = p.dim(1).extent();
      if (!tk.flat) {
        p.dim(2).set_min(0).set_stride(p.dim(1).extent() * (int)ka.channels);
        if (!seqLen.defined())
          seqLen = p.dim(1).extent();
        f(c, s, b) = p(c, clamp(s, 0, rows - 1), b);
      } else {
        f(c, m) = p(c, clamp(m, 0, rows - 1));
      }
      params.push_back(p);
    } else if (type.getRank() == 2 && type.getElementType().isInteger(32)) {
      ka.kind = KernelArg::TokenIds;
      ImageParam p(Int(32), tk.flat ? 1 : 2, pname);
      p.dim(0).set_min(0);
      if (!tk.flat) {
        p.dim(1).set_min(0).set_stride(p.dim(0).extent());
        if (!seqLen.defined())
          seqLen = p.dim(0).extent();
        f(s, b) = p(clamp(s, 0, p.dim(0).extent() - 1), b);
      } else {
        f(m) = p(clamp(m, 0, p.dim(0).extent() - 1));
      }
      params.push_back(p);
    } else if (type.hasStaticShape() && type.getElementType().isF32() &&
               (type.getRank() == 1 || type.getRank() == 2)) {
      ka.kind = KernelArg::Weight;
      ka.shape.assign(type.getShape().begin(), type.getShape().end());
      if (type.getRank() == 2 && gemmArgs.count(i)) {
        int K = (int)ka.shape[0], N = (int)ka.shape[1];
        ka.gemm = true;
        ka.layout = gemmWeightLayout(K, N);
        int P = ka.layout.panelWidth;
        if (P == 0)
          ka.fileShape = ka.shape;
        else
          ka.fileShape = {(N + P - 1) / P, K, P};
      } else {
        ka.fileShape = ka.shape;
      }
      int r = (int)ka.fileShape.size();
      ImageParam p(Float(32), r, pname);
      int64_t stride = 1;
      for (int d = 0; d < r; ++d) {
        int64_t ext = ka.fileShape[r - 1 - d];
        p.dim(d).set_bounds(0, (int)ext).set_stride((int)stride);
        stride *= ext;
      }
      std::vector<Var> vs;
      for (int d = 0; d < r; ++d)
        vs.push_back(Var("w" + std::to_string(d)));
      f(vs) = p(vs);
      params.push_back(p);
    } else {
      return fail(op, "unsupported kernel argument type");
    }
    tk.inputs.push_back(ka);
    funcs[arg] = f;
  }
  return mlir::success();
}

Func Translator::rowSum(
    const std::string &name, int64_t C,
    const std::function<Expr(Expr, const std::vector<Expr> &)> &term,
    NormInfo &info) {
  std::vector<Var> tv = tokenVars();
  std::vector<Expr> t = tokenArgs();
  Func tot(name);
  if (!gpu && C % V == 0 && C >= 2 * V) {
    // U independent V-lane accumulators (U*V lanes), folded to V lanes, then
    // a tree over the V lanes.
    int U = 1;
    for (int u : {4, 2})
      if (C % (u * V) == 0 && C >= 2 * u * V) {
        U = u;
        break;
      }
    info.unroll = U;
    Var l("l");
    Func part(name + "_lanes"), fold(name + "_fold");
    RDom r(0, (int)(C / (U * V)), name + "_r");
    std::vector<Var> pv{l};
    pv.insert(pv.end(), tv.begin(), tv.end());
    std::vector<Expr> pe{l};
    pe.insert(pe.end(), t.begin(), t.end());
    part(pv) = 0.0f;
    part(pe) += term(r.x * (U * V) + l, t);
    Expr fsum;
    for (int u = 0; u < U; ++u) {
      std::vector<Expr> a{l + u * V};
      a.insert(a.end(), t.begin(), t.end());
      fsum = u ? fsum + part(a) : part(a);
    }
    fold(pv) = fsum;
    std::vector<Expr> lanes;
    for (int i = 0; i < V; ++i) {
      std::vector<Expr> a{i};
      a.insert(a.end(), t.begin(), t.end());
      lanes.push_back(fold(a));
    }
    while (lanes.size() > 1) {
      std::vector<Expr> nx;
      for (size_t i = 0; i + 1 < lanes.size(); i += 2)
        nx.push_back(lanes[i] + lanes[i + 1]);
      if (lanes.size() % 2)
        nx.push_back(lanes.back());
      lanes = nx;
    }
    tot(tv) = lanes[0];
    info.partials.push_back(part);
    info.folds.push_back(fold);
  } else {
    RDom r(0, (int)C, name + "_r");
    tot(tv) = 0.0f;
    tot(t) += term(r.x, t);
  }
  info.totals.push_back(tot);
  return tot;
}

mlir::LogicalResult Translator::translateOp(mlir::Operation &o) {
  auto F = [&](Value v) { return funcs.lookup(v); };
  std::string nm = "v" + std::to_string(funcs.size());

  if (auto e = mlir::dyn_cast<nn::EmbeddingOp>(o)) {
    Func table = F(e.getTable()), ids = F(e.getIds());
    int rows = (int)dimOf(e.getTable(), 0);
    funcs[e.getResult()] =
        def(nm + "_embed", [&](Expr cc, std::vector<Expr> t) {
          return table(cc, clamp(ids(t), 0, rows - 1));
        });
    tk.flopsPerToken += 0;
    return mlir::success();
  }
  if (auto e = mlir::dyn_cast<nn::AddPositionsOp>(o)) {
    if (tk.flat)
      return fail(&o, "add_positions in a flat kernel");
    Func x = F(e.getInput()), table = F(e.getTable());
    int rows = (int)dimOf(e.getTable(), 0);
    funcs[e.getResult()] = def(nm + "_pos", [&](Expr cc, std::vector<Expr> t) {
      return at(x, cc, t) + table(cc, min(t[0], rows - 1));
    });
    tk.flopsPerToken += dimOf(e.getResult(), 2);
    return mlir::success();
  }
  if (auto l = mlir::dyn_cast<nn::LinearOp>(o)) {
    Func x = F(l.getInput()), w = F(l.getWeight());
    int K = (int)dimOf(l.getWeight(), 0), N = (int)dimOf(l.getWeight(), 1);
    auto ba = mlir::dyn_cast<mlir::BlockArgument>(l.getWeight());
    if (!ba)
      return fail(&o, "nn.linear weight must be a kernel argument");
    GemmWeightLayout layout = tk.inputs[ba.getArgNumber()].layout;
    Internal in;
    in.kind = Internal::Gemm;
    in.value = l.getResult();
    GemmInfo &g = in.gemm;
    g.K = K;
    g.N = N;
    g.acc = Func(nm + "_acc");
    g.rk = RDom(0, K, nm + "_k");
    std::vector<Expr> t = tokenArgs();
    if (l.getBias()) {
      Func bias = F(l.getBias());
      g.acc(actVars()) = gemmBiasAt(bias, c, N);
    } else {
      g.acc(actVars()) = 0.0f;
    }
    std::vector<Expr> lhs{c};
    lhs.insert(lhs.end(), t.begin(), t.end());
    g.acc(lhs) += at(x, g.rk.x, t) * gemmWeightAt(w, c, g.rk.x, layout);
    Func acc = g.acc;
    funcs[l.getResult()] =
        def(nm + "_linear",
            [&](Expr cc, std::vector<Expr> tt) { return at(acc, cc, tt); });
    internals.push_back(in);
    tk.flopsPerToken += 2.0 * K * N;
    return mlir::success();
  }
  if (auto a = mlir::dyn_cast<nn::AddOp>(o)) {
    Func x = F(a.getLhs()), y = F(a.getRhs());
    funcs[a.getResult()] = def(nm + "_add", [&](Expr cc, std::vector<Expr> t) {
      return at(x, cc, t) + at(y, cc, t);
    });
    tk.flopsPerToken += dimOf(a.getResult(), 2);
    return mlir::success();
  }
  if (auto a = mlir::dyn_cast<nn::MulOp>(o)) {
    Func x = F(a.getLhs()), y = F(a.getRhs());
    funcs[a.getResult()] = def(nm + "_mul", [&](Expr cc, std::vector<Expr> t) {
      return at(x, cc, t) * at(y, cc, t);
    });
    tk.flopsPerToken += dimOf(a.getResult(), 2);
    return mlir::success();
  }
  if (auto a = mlir::dyn_cast<nn::ActivationOp>(o)) {
    Func x = F(a.getInput());
    nn::Activation kind = a.getKind();
    funcs[a.getResult()] = def(nm + "_" + nn::stringifyActivation(kind).str(),
                               [&](Expr cc, std::vector<Expr> t) {
                                 return activation(kind, at(x, cc, t));
                               });
    tk.flopsPerToken += 8.0 * dimOf(a.getResult(), 2);
    return mlir::success();
  }
  if (auto sl = mlir::dyn_cast<nn::SliceOp>(o)) {
    Func x = F(sl.getInput());
    int off = (int)sl.getOffset();
    funcs[sl.getResult()] =
        def(nm + "_slice",
            [&](Expr cc, std::vector<Expr> t) { return at(x, cc + off, t); });
    return mlir::success();
  }
  if (auto ln = mlir::dyn_cast<nn::LayerNormOp>(o)) {
    Func x = F(ln.getInput()), g = F(ln.getGamma()), be = F(ln.getBeta());
    int64_t C = dimOf(ln.getInput(), 2);
    float eps = ln.getEpsilon().convertToFloat();
    Internal in;
    in.kind = Internal::Norm;
    in.value = ln.getResult();
    Func sum = rowSum(
        nm + "_sum", C,
        [&](Expr cc, const std::vector<Expr> &t) { return at(x, cc, t); },
        in.norm);
    Func mean(nm + "_mean");
    mean(tokenVars()) = sum(tokenArgs()) * (1.0f / (float)C);
    Func sq = rowSum(
        nm + "_var", C,
        [&](Expr cc, const std::vector<Expr> &t) {
          Expr dlt = at(x, cc, t) - mean(t);
          return dlt * dlt;
        },
        in.norm);
    Func rstd(nm + "_rstd");
    rstd(tokenVars()) = 1.0f / sqrt(sq(tokenArgs()) * (1.0f / (float)C) + eps);
    in.norm.totals.push_back(mean);
    in.norm.totals.push_back(rstd);
    funcs[ln.getResult()] =
        def(nm + "_layernorm", [&](Expr cc, std::vector<Expr> t) {
          return (at(x, cc, t) - mean(t)) * rstd(t) * g(cc) + be(cc);
        });
    internals.push_back(in);
    tk.flopsPerToken += 8.0 * C;
    return mlir::success();
  }
  if (auto rn = mlir::dyn_cast<nn::RMSNormOp>(o)) {
    Func x = F(rn.getInput()), g = F(rn.getGamma());
    int64_t C = dimOf(rn.getInput(), 2);
    float eps = rn.getEpsilon().convertToFloat();
    Internal in;
    in.kind = Internal::Norm;
    in.value = rn.getResult();
    Func sq = rowSum(
        nm + "_sumsq", C,
        [&](Expr cc, const std::vector<Expr> &t) {
          Expr v = at(x, cc, t);
          return v * v;
        },
        in.norm);
    Func rstd(nm + "_rstd");
    rstd(tokenVars()) = 1.0f / sqrt(sq(tokenArgs()) * (1.0f / (float)C) + eps);
    in.norm.totals.push_back(rstd);
    funcs[rn.getResult()] =
        def(nm + "_rmsnorm", [&](Expr cc, std::vector<Expr> t) {
          return at(x, cc, t) * rstd(t) * g(cc);
        });
    internals.push_back(in);
    tk.flopsPerToken += 4.0 * C;
    return mlir::success();
  }
  if (auto r = mlir::dyn_cast<nn::RopeOp>(o)) {
    if (tk.flat)
      return fail(&o, "rope in a flat kernel");
    Func x = F(r.getInput());
    int64_t C = dimOf(r.getInput(), 2);
    int heads = (int)r.getHeads();
    int hd = (int)(C / heads), half = hd / 2;
    double theta = r.getTheta().convertToDouble();
    // inv_freq as the oracle computes it: in double, rounded to float.
    Buffer<float> inv(half, nm + "_inv_freq");
    for (int p = 0; p < half; ++p)
      inv(p) = (float)std::pow(theta, -2.0 * p / hd);
    Var p("p"), sv("sp");
    Func cosT(nm + "_cos"), sinT(nm + "_sin");
    Expr ang = cast<float>(sv) * inv(clamp(p, 0, half - 1));
    cosT(p, sv) = cos(ang);
    sinT(p, sv) = sin(ang);
    roots.push_back(cosT);
    roots.push_back(sinT);
    bool interleaved = r.getStyle() == nn::RopeStyle::interleaved;
    funcs[r.getResult()] = def(nm + "_rope", [&](Expr cc, std::vector<Expr> t) {
      // Channel cc = head*hd + i; partners are built from (head, pair) so
      // bounds inference keeps every access inside the head.
      Expr head = cc / hd, i = cc % hd, base = head * hd;
      Expr pos = t[0];
      if (interleaved) {
        Expr pi = i / 2;
        Expr even = (i % 2) == 0;
        Expr x0 = at(x, base + pi * 2, t), x1 = at(x, base + pi * 2 + 1, t);
        Expr cs = cosT(pi, pos), sn = sinT(pi, pos);
        return select(even, x0 * cs - x1 * sn, x0 * sn + x1 * cs);
      }
      Expr pi = i % half;
      Expr x0 = at(x, base + pi, t), x1 = at(x, base + pi + half, t);
      Expr cs = cosT(pi, pos), sn = sinT(pi, pos);
      return select(i < half, x0 * cs - x1 * sn, x0 * sn + x1 * cs);
    });
    tk.flopsPerToken += 3.0 * C;
    return mlir::success();
  }
  if (auto at_ = mlir::dyn_cast<nn::AttentionOp>(o)) {
    if (tk.flat)
      return fail(&o, "attention in a flat kernel");
    Func Q = F(at_.getQuery()), Kf = F(at_.getKey()), Vf = F(at_.getValue());
    int heads = (int)at_.getHeads(), kvHeads = (int)at_.getKvHeads();
    int d = (int)at_.getHeadDim();
    int group = heads / kvHeads;
    float scale = at_.getScale().convertToFloat();
    bool causal = at_.getCausal();
    Internal in;
    in.kind = Internal::Attention;
    in.value = at_.getResult();
    AttnInfo &A = in.attn;
    A.d = d;
    A.kj = Var("kj");
    A.qi = Var("qi");
    A.h = Var("h");
    A.bb = Var("bb");
    A.j = Var("j");
    Var kj = A.kj, qi = A.qi, h = A.h, bb = A.bb, j = A.j;
    Expr kvh = h / group;
    A.qh = Func(nm + "_q");
    A.kh = Func(nm + "_kT");
    Var r("r");
    A.qh(r, qi, h, bb) = Q(h * d + r, qi, bb) * scale;
    A.kh(kj, r, h, bb) = Kf(kvh * d + r, kj, bb);
    Expr S = seqLen;
    auto keys = [&](const std::string &n) {
      RDom kr(0, S, n);
      if (causal)
        kr.where(kr.x <= qi);
      return kr;
    };
    Func score(nm + "_score");
    if (!gpu) {
      A.sc = Func(nm + "_scores");
      A.rr = RDom(0, d, nm + "_d");
      A.sc(kj, qi, h, bb) = 0.0f;
      A.sc(kj, qi, h, bb) += A.qh(A.rr.x, qi, h, bb) * A.kh(kj, A.rr.x, h, bb);
      score = A.sc;
    } else {
      // GPU: the score is a pure expression (recomputed per use).
      Expr sum = 0.0f;
      for (int rr = 0; rr < d; ++rr)
        sum = sum + A.qh(rr, qi, h, bb) * Kf(kvh * d + rr, kj, bb);
      score(kj, qi, h, bb) = sum;
    }
    A.krMax = keys(nm + "_kmax");
    A.mx = Func(nm + "_max");
    A.mx(qi, h, bb) = Float(32).min();
    A.mx(qi, h, bb) = max(A.mx(qi, h, bb), score(A.krMax.x, qi, h, bb));
    A.e = Func(nm + "_exp");
    A.e(kj, qi, h, bb) = expf32(score(kj, qi, h, bb) - A.mx(qi, h, bb));
    A.krDen = keys(nm + "_ksum");
    A.den = Func(nm + "_sum");
    A.den(qi, h, bb) = 0.0f;
    A.den(qi, h, bb) += A.e(A.krDen.x, qi, h, bb);
    A.krO = keys(nm + "_kv");
    A.o = Func(nm + "_pv");
    A.o(j, qi, h, bb) = 0.0f;
    A.o(j, qi, h, bb) += A.e(A.krO.x, qi, h, bb) * Vf(kvh * d + j, A.krO.x, bb);
    Func ofn = A.o, dfn = A.den;
    funcs[at_.getResult()] =
        def(nm + "_attention", [&](Expr cc, std::vector<Expr> t) {
          Expr hh = cc / d;
          return ofn(cc % d, t[0], hh, t[1]) / dfn(t[0], hh, t[1]);
        });
    internals.push_back(in);
    tk.flopsPerTokenSeq += 4.0 * heads * d;
    return mlir::success();
  }
  return fail(&o, "op not supported by codegen: " +
                      o.getName().getStringRef().str());
}

void Translator::scheduleElementwise(Func host, int64_t C) {
  if (gpu) {
    Var cb("cb"), ct("ct"), rb("rb"), rt("rt");
    if (tk.flat) {
      host.gpu_tile(c, m, cb, rb, ct, rt, 64, 4, TailStrategy::GuardWithIf);
    } else {
      host.gpu_tile(c, s, cb, rb, ct, rt, 64, 4, TailStrategy::GuardWithIf)
          .gpu_blocks(b);
    }
    return;
  }
  if (C >= V)
    host.vectorize(c, V,
                   C % V ? TailStrategy::GuardWithIf : TailStrategy::Auto);
  if (tk.flat) {
    Var mo("mo"), mi("mi");
    host.split(m, mo, mi, 4, TailStrategy::GuardWithIf).parallel(mo);
  } else {
    host.parallel(s);
  }
}

void Translator::scheduleNormStages(Func host, const NormInfo &n, int64_t C) {
  (void)C;
  if (gpu) {
    Var cb("cb"), ct("ct"), rb("rb"), rt("rt");
    Var row = tk.flat ? m : s;
    host.gpu_tile(c, row, cb, rb, ct, rt, 64, 4, TailStrategy::GuardWithIf);
    if (!tk.flat)
      host.gpu_blocks(b);
    for (Func f : n.totals) {
      f.compute_at(host, cb).gpu_threads(tk.flat ? m : s);
      if (f.has_update_definition())
        f.update().gpu_threads(tk.flat ? m : s);
    }
    return;
  }
  Var row = tk.flat ? m : s;
  if (C >= V)
    host.vectorize(c, V,
                   C % V ? TailStrategy::GuardWithIf : TailStrategy::Auto);
  // Blocks of rows per parallel task: one row per task made the thread pool
  // (mutex + yield per task) dominate.
  Var ro("ro"), ri("ri");
  host.split(row, ro, ri, normRowsPerTask(), TailStrategy::GuardWithIf)
      .parallel(ro);
  for (Func f : n.partials) {
    Var l = f.args()[0], lo("lo"), li("li");
    f.compute_at(host, ri).vectorize(l, V).unroll(l);
    f.update().split(l, lo, li, V).vectorize(li).unroll(lo);
  }
  for (Func f : n.folds)
    f.compute_at(host, ri).vectorize(f.args()[0]);
  for (Func f : n.totals)
    f.compute_at(host, ri);
}

void Translator::scheduleAttention(Func host, AttnInfo &A, int64_t C) {
  (void)C;
  int d = A.d;
  Var hh("hd"), j("jd"), so("so"), si("si"), bh("bh");
  if (gpu) {
    const int T = 8;
    host.split(c, hh, j, d)
        .split(s, so, si, T, TailStrategy::GuardWithIf)
        .reorder(j, si, hh, so, b)
        .gpu_blocks(hh, so, b)
        .gpu_threads(j, si);
    A.mx.compute_at(host, hh).gpu_threads(A.qi);
    A.mx.update().gpu_threads(A.qi);
    A.den.compute_at(host, hh).gpu_threads(A.qi);
    A.den.update().gpu_threads(A.qi);
    A.o.compute_at(host, j);
    return;
  }
  const int T = 8;
  host.split(c, hh, j, d)
      .split(s, so, si, T, TailStrategy::GuardWithIf)
      .reorder(j, si, so, hh, b)
      .fuse(hh, b, bh)
      .parallel(bh);
  if (d % V == 0)
    host.vectorize(j, V);
  // K^T of the head: keys innermost (contiguous score vectors).
  A.kh.compute_at(host, bh).vectorize(A.kj, V, TailStrategy::GuardWithIf);
  // Per query tile: scores [T x keys], row max, exp, row sum, P V.
  A.sc.compute_at(host, so).vectorize(A.kj, V, TailStrategy::GuardWithIf);
  Var kjo("kjo"), kji("kji");
  // Register tile: the T queries of the tile unrolled inside the head_dim
  // loop (T independent accumulators sharing each K^T vector).
  A.sc.update()
      .split(A.kj, kjo, kji, V, TailStrategy::GuardWithIf)
      .reorder(kji, A.qi, A.rr.x, kjo)
      .vectorize(kji)
      .unroll(A.qi);
  // Pre-scaled queries of the tile.
  A.qh.compute_at(host, so);
  A.mx.compute_at(host, so);
  A.e.compute_at(host, so).vectorize(A.kj, V, TailStrategy::GuardWithIf);
  A.den.compute_at(host, so);
  A.o.compute_at(host, so);
  if (d % V == 0) {
    Var jo("jo"), ji("ji");
    A.o.vectorize(A.j, V);
    A.o.update()
        .split(A.j, jo, ji, V)
        .reorder(ji, jo, A.krO.x, A.qi)
        .vectorize(ji)
        .unroll(jo);
  }
}

void Translator::schedule(std::vector<Func> &outs) {
  mlir::Block &body = op.getBlock();
  auto yield = op.getYield();
  // host[v]: the Func whose loop nest computes v's internal stages.
  // Walk backwards: a value feeding exactly one host is computed in it.
  llvm::DenseMap<Value, std::set<int>> reach; // output / materialized ids
  std::vector<Func> hosts(outs.begin(), outs.end());
  std::vector<int64_t> hostC;
  for (Value v : yield->getOperands())
    hostC.push_back(dimOf(v, 2));
  for (unsigned i = 0; i < yield->getNumOperands(); ++i)
    reach[yield->getOperand(i)].insert(i);
  llvm::DenseMap<Value, int> hostOf;
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    mlir::Operation &o = *it;
    if (mlir::isa<nn::YieldOp>(o))
      continue;
    for (Value r : o.getResults()) {
      std::set<int> &hs = reach[r];
      bool heavy = llvm::any_of(
          internals, [&](const Internal &in) { return in.value == r; });
      if (hs.size() != 1 && heavy) {
        // Used by several outputs (or none): computed at root.
        Func f = funcs[r];
        int id = (int)hosts.size();
        hosts.push_back(f);
        hostC.push_back(dimOf(r, 2));
        hs = {id};
      }
      if (hs.size() == 1)
        hostOf[r] = *hs.begin();
      for (Value operand : o.getOperands())
        for (int h : hs)
          reach[operand].insert(h);
    }
  }
  for (size_t i = outs.size(); i < hosts.size(); ++i)
    hosts[i].compute_root();

  std::set<int> scheduled, normHosts;
  // Attention first, then GEMM, then norms; the rest elementwise.
  for (int pass = 0; pass < 3; ++pass)
    for (Internal &in : internals) {
      int want = pass == 0   ? Internal::Attention
                 : pass == 1 ? Internal::Gemm
                             : Internal::Norm;
      if (in.kind != want)
        continue;
      auto hit = hostOf.find(in.value);
      int hid = hit == hostOf.end() ? -1 : hit->second;
      bool fresh = hid >= 0 && !scheduled.count(hid);
      if (in.kind == Internal::Attention) {
        if (fresh) {
          scheduleAttention(hosts[hid], in.attn, hostC[hid]);
          scheduled.insert(hid);
        } else {
          in.attn.o.compute_root();
          in.attn.den.compute_root();
          in.attn.mx.compute_root();
          if (in.attn.sc.defined())
            in.attn.sc.compute_root();
        }
      } else if (in.kind == Internal::Gemm) {
        if (fresh && tk.flat && hostC[hid] == in.gemm.N) {
          if (gpu)
            scheduleGemmCuda(hosts[hid], in.gemm.acc, c, m, in.gemm.rk.x,
                             in.gemm.K, in.gemm.N, target);
          else
            scheduleGemm(hosts[hid], in.gemm.acc, c, m, in.gemm.rk.x, in.gemm.K,
                         in.gemm.N, target);
          scheduled.insert(hid);
        } else {
          in.gemm.acc.compute_root();
          if (!gpu) {
            in.gemm.acc.vectorize(c, V, TailStrategy::GuardWithIf);
            in.gemm.acc.update().vectorize(c, V, TailStrategy::GuardWithIf);
          } else {
            Var cb("cb"), ct("ct");
            in.gemm.acc.gpu_tile(c, cb, ct, 64, TailStrategy::GuardWithIf);
            in.gemm.acc.update().gpu_tile(c, cb, ct, 64,
                                          TailStrategy::GuardWithIf);
          }
        }
      } else {
        if (fresh) {
          scheduleNormStages(hosts[hid], in.norm, hostC[hid]);
          scheduled.insert(hid);
          normHosts.insert(hid);
        } else {
          for (Func f : in.norm.totals)
            f.compute_root();
          for (Func f : in.norm.partials)
            f.compute_root();
        }
      }
    }
  // A norm output host: other element-wise outputs of the kernel (the
  // residual sum next to the normalized value) share its row blocks and its
  // parallel loop (compute_with), instead of a second parallel launch.
  int normHost = -1;
  if (!gpu)
    for (int i : scheduled)
      if (i < (int)outs.size() && normHosts.count(i)) {
        normHost = i;
        break;
      }
  for (size_t i = 0; i < hosts.size(); ++i)
    if (!scheduled.count((int)i)) {
      if (normHost >= 0 && i < outs.size()) {
        Var row = tk.flat ? m : s;
        Var ro("ro"), ri("ri");
        if (hostC[i] >= V)
          hosts[i].vectorize(c, V,
                             hostC[i] % V ? TailStrategy::GuardWithIf
                                          : TailStrategy::Auto);
        hosts[i]
            .split(row, ro, ri, normRowsPerTask(), TailStrategy::GuardWithIf)
            .parallel(ro);
        hosts[i].compute_with(hosts[normHost], ro);
        continue;
      }
      scheduleElementwise(hosts[i], hostC[i]);
    }
  for (Func f : roots) {
    f.compute_root();
    if (gpu) {
      Var xb("xb"), xt("xt");
      f.gpu_tile(f.args()[0], xb, xt, 32, TailStrategy::GuardWithIf);
    }
  }
}

mlir::FailureOr<TranslatedKernel> Translator::run() {
  tk.name = op.getName().str();
  tk.kind = nn::stringifyKernelClass(op.getKind()).str();
  mlir::Block &body = op.getBlock();
  for (mlir::Operation &o : body)
    if (mlir::isa<nn::RopeOp, nn::AddPositionsOp, nn::AttentionOp>(o))
      tk.flat = false;
  if (mlir::failed(bindInputs()))
    return mlir::failure();
  if (!tk.flat && !seqLen.defined())
    return fail(op, "a positional kernel needs an activation or id input");
  for (mlir::Operation &o : body) {
    if (mlir::isa<nn::YieldOp>(o))
      continue;
    if (mlir::failed(translateOp(o)))
      return mlir::failure();
  }
  std::vector<Func> outs;
  auto yield = op.getYield();
  for (unsigned i = 0; i < yield->getNumOperands(); ++i) {
    Value v = yield->getOperand(i);
    if (rankOf(v) != 3)
      return fail(op, "kernel results must be [batch, seq, C] activations");
    int64_t C = dimOf(v, 2);
    Func src = funcs.lookup(v);
    Func out("out" + std::to_string(i));
    out(actVars()) = at(src, c, tokenArgs());
    OutputImageParam ob = out.output_buffer();
    ob.dim(0).set_bounds(0, (int)C);
    ob.dim(1).set_min(0).set_stride((int)C);
    if (!tk.flat)
      ob.dim(2).set_min(0).set_stride(ob.dim(1).extent() * (int)C);
    outs.push_back(out);
    tk.outputChannels.push_back(C);
  }
  schedule(outs);
  tk.pipeline = Pipeline(outs);
  for (ImageParam &p : params)
    tk.args.push_back(Argument(p));
  return tk;
}

} // namespace

mlir::FailureOr<TranslatedKernel> translateKernel(nn::KernelOp op,
                                                  const Target &target) {
  Translator t(op, target);
  return t.run();
}

} // namespace modelc::codegen
