//===- Attention.cpp - Halide lowering of RoPE and softmax attention ------===//
#include "codegen/schedules/Attention.h"
#include "codegen/Math.h"
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "dialect/NNOps.h"

#include <cmath>

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

using Tokens = std::vector<Expr>;

struct RopeLowering
    : HalideLoweringOpInterface::ExternalModel<RopeLowering, nn::RopeOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::RopeOp>(o);
    Func x = ctx.in(op.getInput());
    int64_t C = dimOf(op.getInput(), 2);
    int heads = (int)op.getHeads();
    int hd = (int)(C / heads), rd = (int)op.getRotated(), half = rd / 2;
    double theta = op.getTheta().convertToDouble();
    std::string nm = ctx.name();
    // inv_freq as the oracle computes it: in double, rounded to float.
    Buffer<float> inv(half, nm + "_inv_freq");
    for (int p = 0; p < half; ++p)
      inv(p) = (float)std::pow(theta, -2.0 * p / rd);
    Var p("p"), sv("sp");
    Func cosT(nm + "_cos"), sinT(nm + "_sin");
    Expr ang = cast<float>(sv) * inv(clamp(p, 0, half - 1));
    cosT(p, sv) = cos(ang);
    sinT(p, sv) = sin(ang);
    ctx.addRoot(cosT);
    ctx.addRoot(sinT);
    bool interleaved = op.getStyle() == nn::RopeStyle::interleaved;
    auto at = LoweringContext::at;
    ctx.define(
        op.getResult(), ctx.def(nm + "_rope", [&](Expr cc, const Tokens &t) {
          // Channel cc = head*hd + i; partners are built from (head, pair) so
          // bounds inference keeps every access inside the head's rotated
          // channels (the rest, i >= rd, pass through).
          Expr head = cc / hd, i = cc % hd, base = head * hd;
          Expr pos = t[0];
          Expr rotated;
          if (interleaved) {
            Expr pi = min(i, rd - 1) / 2;
            Expr even = (i % 2) == 0;
            Expr x0 = at(x, base + pi * 2, t), x1 = at(x, base + pi * 2 + 1, t);
            Expr cs = cosT(pi, pos), sn = sinT(pi, pos);
            rotated = select(even, x0 * cs - x1 * sn, x0 * sn + x1 * cs);
          } else {
            Expr pi = min(i, rd - 1) % half;
            Expr x0 = at(x, base + pi, t), x1 = at(x, base + pi + half, t);
            Expr cs = cosT(pi, pos), sn = sinT(pi, pos);
            rotated = select(i < half, x0 * cs - x1 * sn, x0 * sn + x1 * cs);
          }
          return rd < hd ? select(i < rd, rotated, at(x, cc, t)) : rotated;
        }));
    return mlir::success();
  }
};

/// x^p for a positive integer p, by squaring.
Expr integerPower(Expr x, int64_t p) {
  Expr r;
  for (Expr sq = x; p > 0; p >>= 1, sq = sq * sq)
    if (p & 1)
      r = r.defined() ? r * sq : sq;
  return r;
}

/// Builds the Funcs of one nn.attention (AttentionStages documents them).
class AttentionBuilder {
public:
  AttentionBuilder(nn::AttentionOp op, LoweringContext &ctx, AttentionStages &A)
      : op(op), ctx(ctx), A(A), nm(ctx.name()) {
    heads = (int)op.getHeads();
    d = (int)op.getHeadDim();
    group = heads / (int)op.getKvHeads();
    slots = (int)op.getMemorySlots();
    power = op.getPower().value_or(0);
    clipped = op.getClip().has_value();
    A.d = d;
    A.heads = heads;
    A.talking = op.getTalkPre() != nullptr;
    kvh = A.h / group;
  }

  void build() {
    defineInputs();
    defineScores();
    defineSoftmax();
    defineOutput();
  }

private:
  nn::AttentionOp op;
  LoweringContext &ctx;
  AttentionStages &A;
  std::string nm;
  int heads = 0, d = 0, group = 1, slots = 0;
  int64_t power = 0;
  bool clipped = false;
  Expr kvh;
  Func V, memK, memV;
  /// The scores o's softmax reads (after the talking heads' mix).
  Func scores, scoresMem;

  bool perKeyProbabilities() const { return clipped || A.talking; }

  /// The keys of the sequence query qi may see: an RDom over [0, seq)
  /// whose predicates bound its loops (and the score buffers it reads).
  RDom visibleKeys(const std::string &name) {
    RDom kr(0, ctx.seqLen, nm + name);
    Expr k = kr.x, q = A.qi;
    if (op.getCausal())
      kr.where(k <= q);
    if (std::optional<int64_t> w = op.getWindow()) {
      kr.where(k > q - (int)*w);
      if (!op.getCausal())
        kr.where(k < q + (int)*w);
    }
    if (std::optional<int64_t> bs = op.getBlockSize()) {
      Expr start = (q / (int)*bs) * (int)*bs;
      kr.where(k >= start);
      kr.where(k < start + (int)*bs);
    }
    return kr;
  }

  void defineInputs() {
    Func Q = ctx.in(op.getQuery()), K = ctx.in(op.getKey());
    V = ctx.in(op.getValue());
    float scale = op.getScale().convertToFloat();
    Var r("r");
    const Var &kj = A.kj, &qi = A.qi, &h = A.h, &bb = A.bb, &j = A.j;
    A.qh = Func(nm + "_q");
    A.qh(r, qi, h, bb) = Q(h * d + r, qi, bb) * scale;
    A.kh = Func(nm + "_kT");
    A.kh(kj, r, h, bb) = K(kvh * d + r, kj, bb);
    if (mlir::Value first = op.getValueFirst()) {
      Func V1 = ctx.in(first);
      llvm::ArrayRef<float> lambda = *op.getValueLambda();
      A.vh = Func(nm + "_v");
      A.vh(j, kj, h, bb) = lambda[0] * V1(kvh * d + j, kj, bb) +
                           lambda[1] * V(kvh * d + j, kj, bb);
    }
    if (slots > 0) {
      memK = ctx.in(op.getMemoryKey());
      memV = ctx.in(op.getMemoryValue());
    }
  }

  /// The value of key `key`, channel jj of the current kv head.
  Expr value(Expr jj, Expr key) {
    if (A.vh.defined())
      return A.vh(jj, key, A.h, A.bb);
    return V(kvh * d + jj, key, A.bb);
  }

  void defineScores() {
    const Var &kj = A.kj, &qi = A.qi, &h = A.h, &bb = A.bb;
    Expr bias = 0.0f;
    if (auto slopes = op.getAlibiSlopes()) {
      Buffer<float> sl(heads, nm + "_alibi");
      for (int i = 0; i < heads; ++i)
        sl(i) = (*slopes)[i];
      bias = -sl(clamp(h, 0, heads - 1)) * cast<float>(abs(qi - kj));
    }
    A.sc = Func(nm + "_scores");
    if (!ctx.gpu) {
      A.rr = RDom(0, d, nm + "_d");
      A.sc(kj, qi, h, bb) = bias;
      A.sc(kj, qi, h, bb) += A.qh(A.rr.x, qi, h, bb) * A.kh(kj, A.rr.x, h, bb);
    } else {
      // GPU: the score is a pure expression (recomputed per use).
      Expr sum = bias;
      for (int r = 0; r < d; ++r)
        sum = sum + A.qh(r, qi, h, bb) * A.kh(kj, r, h, bb);
      A.sc(kj, qi, h, bb) = sum;
    }
    scores = A.sc;
    if (slots > 0) {
      // Memory slot kj (clamped: schedules may over-compute a vector).
      A.scMem = Func(nm + "_mem_scores");
      Expr sum = 0.0f, n = clamp(kj, 0, slots - 1);
      for (int r = 0; r < d; ++r)
        sum = sum + A.qh(r, qi, h, bb) * memK(kvh * d + r, n);
      A.scMem(kj, qi, h, bb) = sum;
      scoresMem = A.scMem;
    }
    if (!A.talking)
      return;
    Func pre = ctx.in(op.getTalkPre());
    auto mix = [&](Func f, const std::string &name) {
      Func m(nm + name);
      Expr sum = 0.0f;
      for (int g = 0; g < heads; ++g)
        sum = sum + pre(g, h) * f(kj, qi, g, bb);
      m(kj, qi, h, bb) = sum;
      return m;
    };
    A.mixed = scores = mix(A.sc, "_mixed");
    if (slots > 0)
      A.mixedMem = scoresMem = mix(A.scMem, "_mixed_mem");
  }

  /// e = exp(s - max), or (s / max|s|)^power.
  Expr exponential(Expr s) {
    Expr m = A.mx(A.qi, A.h, A.bb);
    return power ? integerPower(s / m, power) : expf32(s - m);
  }

  void defineSoftmax() {
    const Var &kj = A.kj, &qi = A.qi, &h = A.h, &bb = A.bb;
    auto statistic = [&](Expr s) { return power ? abs(s) : s; };
    A.mx = Func(nm + "_max");
    A.mx(qi, h, bb) = power ? 0.0f : Float(32).min();
    if (slots > 0) {
      RDom m(0, slots, nm + "_mmax");
      A.mx(qi, h, bb) =
          max(A.mx(qi, h, bb), statistic(scoresMem(m.x, qi, h, bb)));
    }
    A.krMax = visibleKeys("_kmax");
    A.mx(qi, h, bb) =
        max(A.mx(qi, h, bb), statistic(scores(A.krMax.x, qi, h, bb)));
    A.e = Func(nm + "_exp");
    A.e(kj, qi, h, bb) = exponential(scores(kj, qi, h, bb));
    A.den = Func(nm + "_sum");
    A.den(qi, h, bb) = 0.0f;
    if (slots > 0) {
      A.eMem = Func(nm + "_mem_exp");
      A.eMem(kj, qi, h, bb) = exponential(scoresMem(kj, qi, h, bb));
      RDom m(0, slots, nm + "_msum");
      A.den(qi, h, bb) += A.eMem(m.x, qi, h, bb);
    }
    A.krDen = visibleKeys("_ksum");
    A.den(qi, h, bb) += A.e(A.krDen.x, qi, h, bb);
    if (!perKeyProbabilities())
      return;
    auto probability = [&](Func e, const std::string &name) {
      Func p(nm + name);
      Expr v = e(kj, qi, h, bb) / A.den(qi, h, bb);
      if (clipped) {
        llvm::ArrayRef<float> c = *op.getClip();
        v = clamp((c[1] - c[0]) * v + c[0], 0.0f, 1.0f);
      }
      p(kj, qi, h, bb) = v;
      return p;
    };
    A.prob = probability(A.e, "_prob");
    if (slots > 0)
      A.probMem = probability(A.eMem, "_mem_prob");
    if (!A.talking)
      return;
    Func post = ctx.in(op.getTalkPost());
    auto mix = [&](Func f, const std::string &name) {
      Func m(nm + name);
      Expr sum = 0.0f;
      for (int g = 0; g < heads; ++g)
        sum = sum + post(g, h) * f(kj, qi, g, bb);
      m(kj, qi, h, bb) = sum;
      return m;
    };
    A.mixedProb = mix(A.prob, "_mixed_prob");
    if (slots > 0)
      A.mixedProbMem = mix(A.probMem, "_mixed_mem_prob");
  }

  void defineOutput() {
    const Var &qi = A.qi, &h = A.h, &bb = A.bb, &j = A.j;
    // o sums the exponentials (divided once at the end) unless the
    // probabilities are per key.
    Func weight = A.talking ? A.mixedProb : clipped ? A.prob : A.e;
    Func weightMem = A.talking ? A.mixedProbMem : clipped ? A.probMem : A.eMem;
    A.o = Func(nm + "_pv");
    A.o(j, qi, h, bb) = 0.0f;
    if (slots > 0) {
      RDom m(0, slots, nm + "_mv");
      A.o(j, qi, h, bb) +=
          weightMem(m.x, qi, h, bb) * memV(kvh * d + j, m.x);
    }
    A.krO = visibleKeys("_kv");
    A.o(j, qi, h, bb) += weight(A.krO.x, qi, h, bb) * value(j, A.krO.x);
    Func ofn = A.o, dfn = A.den;
    bool divide = !perKeyProbabilities();
    int dd = d;
    ctx.define(op.getResult(),
               ctx.def(nm + "_attention", [&](Expr cc, const Tokens &t) {
                 Expr hh = cc / dd, out = ofn(cc % dd, t[0], hh, t[1]);
                 return divide ? out / dfn(t[0], hh, t[1]) : out;
               }));
  }
};

struct AttentionLowering
    : HalideLoweringOpInterface::ExternalModel<AttentionLowering,
                                               nn::AttentionOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::AttentionOp>(o);
    auto &A = ctx.addStage(std::make_unique<AttentionStages>(op.getResult()));
    AttentionBuilder(op, ctx, A).build();
    return mlir::success();
  }
};

} // namespace

void registerAttentionCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::RopeOp::attachInterface<RopeLowering>(*ctx);
    nn::AttentionOp::attachInterface<AttentionLowering>(*ctx);
  });
  registerAttentionSchedule();
}

} // namespace modelc::codegen
