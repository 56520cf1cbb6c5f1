//===- LinearAttention.cpp - Halide lowering of nn.linear_attention -------===//
//
// The algorithm of the linear_attention kernel class; the loop nest is in
// codegen/schedules/LinearAttention.cpp. Per head h and batch b, with chunks
// of C tokens (token = n*C + t):
//   kf(t, u) = phi(k_t)_u (0 past the sequence), qf(u, t) = scale phi(q_t)_u
//   causal:  kv(j, i, n)     = sum_{t<C} kf(nC+t, i) v(j, nC+t)
//            states(j, i, n) = states(j, i, n-1) + kv(j, i, n-1)  (a scan)
//            scores(tp, t, n) = sum_u qf(u, nC+t) kf(nC+tp, u), kept for tp <=
//            t acc(j, t, n)    = sum_i qf(i, nC+t) states(j, i, n)
//                              + sum_tp scores(tp, t, n) v(j, nC+tp)
//   bidirectional: acc(j, t, n) = sum_i qf(i, nC+t) kvAll(j, i)
//   and the denominator the same way with v replaced by 1.
//
//===----------------------------------------------------------------------===//
#include "codegen/schedules/LinearAttention.h"
#include "codegen/Math.h"
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "dialect/NNOps.h"

#include <functional>

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

/// The element-wise feature maps.
Expr pointMap(nn::FeatureMap map, Expr x) {
  switch (map) {
  case nn::FeatureMap::elu: // elu(x) + 1
    return select(x > 0.0f, x + 1.0f, expf32(min(x, 0.0f)));
  case nn::FeatureMap::relu:
    return max(x, 0.0f);
  default:
    return x;
  }
}

/// total(t, h, b) = combine over p < f of term(p, t, h, b), as L lanes of
/// partial results (vectors over contiguous p) folded at the end; its lane
/// Func is recorded for the schedule.
Func laneReduce(FeatureFuncs &F, const std::string &name, int L, Expr init,
                const std::function<Expr(Expr, Expr)> &combine,
                const std::function<Expr(Expr)> &term, Var t, Var h, Var b) {
  Var l("l");
  RDom r(0, F.f / L, name + "_r");
  Func lanes(name + "_lanes");
  lanes(l, t, h, b) = init;
  lanes(l, t, h, b) = combine(lanes(l, t, h, b), term(r * L + l));
  Expr total = lanes(0, t, h, b);
  for (int k = 1; k < L; ++k)
    total = combine(total, lanes(k, t, h, b));
  Func f(name);
  f(t, h, b) = total;
  F.lanes.push_back(lanes);
  F.totals.push_back(f);
  return f;
}

/// Hedgehog's features of head h at token t: [softmax(x W_h) | softmax(-x W_h)]
/// over the f projections, from the projection x (c, t, b) and W (p, d, h).
Expr hedgehogFeature(FeatureFuncs &F, const LoweringContext &ctx,
                     const std::string &nm, Func x, Func w, int dk, int f,
                     Var u, Var t, Var h, Var b) {
  Var p("p");
  F.f = f;
  F.rd = RDom(0, dk, nm + "_d");
  F.proj = Func(nm + "_proj");
  F.proj(p, t, h, b) = 0.0f;
  F.proj(p, t, h, b) += x(h * dk + F.rd, t, b) * w(p, F.rd, h);
  const int L = F.L = (!ctx.gpu && f % ctx.V == 0) ? ctx.V : 1;
  auto proj = [&](Expr q) { return F.proj(q, t, h, b); };
  auto maxOf = [](Expr a, Expr c) { return max(a, c); };
  auto minOf = [](Expr a, Expr c) { return min(a, c); };
  auto sumOf = [](Expr a, Expr c) { return a + c; };
  Func mx =
      laneReduce(F, nm + "_max", L, Float(32).min(), maxOf, proj, t, h, b);
  Func mn =
      laneReduce(F, nm + "_min", L, Float(32).max(), minOf, proj, t, h, b);
  // The exponentials once each: the sums and the features share them.
  F.expPos = Func(nm + "_exp");
  F.expPos(p, t, h, b) = expf32(F.proj(p, t, h, b) - mx(t, h, b));
  F.expNeg = Func(nm + "_expneg");
  F.expNeg(p, t, h, b) = expf32(mn(t, h, b) - F.proj(p, t, h, b));
  Func sum = laneReduce(
      F, nm + "_sum", L, 0.0f, sumOf,
      [&](Expr q) { return F.expPos(q, t, h, b); }, t, h, b);
  Func sumNeg = laneReduce(
      F, nm + "_sumneg", L, 0.0f, sumOf,
      [&](Expr q) { return F.expNeg(q, t, h, b); }, t, h, b);
  // Their reciprocals once per token.
  Func inv(nm + "_inv"), invNeg(nm + "_invneg");
  inv(t, h, b) = 1.0f / sum(t, h, b);
  invNeg(t, h, b) = 1.0f / sumNeg(t, h, b);
  F.totals.push_back(inv);
  F.totals.push_back(invNeg);
  Expr pos = F.expPos(clamp(u, 0, f - 1), t, h, b) * inv(t, h, b);
  Expr neg = F.expNeg(clamp(u - f, 0, f - 1), t, h, b) * invNeg(t, h, b);
  return select(u < f, pos, neg);
}

/// What the steps of one nn.linear_attention's lowering share.
struct Parts {
  nn::LinearAttentionOp op;
  LoweringContext &ctx;
  LinearAttentionStages &A;
  std::string nm; // the Func name prefix
  int dk, dv, F;  // head widths of q/k and v; features
  Expr S;         // the sequence length
  Func vf;        // v(j, t, h, b) of the head
  Func masked;    // causal: the chunk's scores, zero above the diagonal
  static constexpr int C = kLinearAttentionChunk;
};

/// qf(u, t, h, b) = scale phi(q), kf(t, u, h, b) = phi(k) (zero past the
/// sequence), vf.
void defineFeatures(Parts &P) {
  LinearAttentionStages &A = P.A;
  Func Q = P.ctx.in(P.op.getQuery()), K = P.ctx.in(P.op.getKey()),
       V = P.ctx.in(P.op.getValue());
  Var j = A.j, t = A.t, h = A.h, b = A.b, u = A.u;
  Expr qphi, kphi;
  if (P.op.getFeatureMap() == nn::FeatureMap::hedgehog) {
    int f = P.F / 2;
    qphi = hedgehogFeature(A.q, P.ctx, P.nm + "_q", Q, P.ctx.in(P.op.getMapQ()),
                           P.dk, f, u, t, h, b);
    kphi = hedgehogFeature(A.k, P.ctx, P.nm + "_k", K, P.ctx.in(P.op.getMapK()),
                           P.dk, f, u, t, h, b);
  } else {
    qphi = pointMap(P.op.getFeatureMap(), Q(h * P.dk + u, t, b));
    kphi = pointMap(P.op.getFeatureMap(), K(h * P.dk + u, t, b));
  }
  A.qf = Func(P.nm + "_qf");
  A.qf(u, t, h, b) = qphi * P.op.getScale().convertToFloat();
  A.kf = Func(P.nm + "_kf");
  A.kf(t, u, h, b) = select(t < P.S, kphi, 0.0f);
  P.vf = Func(P.nm + "_v");
  P.vf(j, t, h, b) = V(h * P.dv + j, t, b);
}

/// Causal: the masked scores of a chunk and the scan of the states over
/// chunks (each chunk's KV added to the state carried from the one before).
void defineScan(Parts &P) {
  LinearAttentionStages &A = P.A;
  const int C = Parts::C;
  Var j = A.j, i = A.i, t = A.t, tp = A.tp, n = A.n, h = A.h, b = A.b;
  Func qf = A.qf, kf = A.kf, vf = P.vf;
  A.rk = RDom(0, P.F, P.nm + "_rk");
  A.scores = Func(P.nm + "_scores");
  A.scores(tp, t, n, h, b) = 0.0f;
  A.scores(tp, t, n, h, b) +=
      qf(A.rk, n * C + t, h, b) * kf(n * C + tp, A.rk, h, b);
  P.masked = Func(P.nm + "_masked");
  P.masked(tp, t, n, h, b) = select(tp <= t, A.scores(tp, t, n, h, b), 0.0f);

  Expr N = (P.S + (C - 1)) / C;
  A.rt = RDom(0, C, P.nm + "_rt");
  A.kv = Func(P.nm + "_kv");
  A.kv(j, i, n, h, b) = 0.0f;
  A.kv(j, i, n, h, b) += kf(n * C + A.rt, i, h, b) * vf(j, n * C + A.rt, h, b);
  A.rn = RDom(1, N - 1, P.nm + "_rn");
  A.states = Func(P.nm + "_states");
  A.states(j, i, n, h, b) = 0.0f;
  A.states(j, i, A.rn, h, b) =
      A.states(j, i, A.rn - 1, h, b) + A.kv(j, i, A.rn - 1, h, b);
}

/// acc(j, t, n): the outputs of chunk n before normalization.
void defineOutputs(Parts &P) {
  LinearAttentionStages &A = P.A;
  const int C = Parts::C;
  Var j = A.j, t = A.t, n = A.n, h = A.h, b = A.b;
  Func qf = A.qf, vf = P.vf;
  A.ri = RDom(0, P.F, P.nm + "_ri");
  A.acc = Func(P.nm + "_acc");
  A.acc(j, t, n, h, b) = 0.0f;
  if (A.causal) {
    A.rp = RDom(0, C, P.nm + "_rp");
    A.acc(j, t, n, h, b) +=
        qf(A.ri, n * C + t, h, b) * A.states(j, A.ri, n, h, b);
    A.acc(j, t, n, h, b) +=
        P.masked(A.rp, t, n, h, b) * vf(j, n * C + A.rp, h, b);
    return;
  }
  A.rs = RDom(0, P.S, P.nm + "_rs");
  A.kvAll = Func(P.nm + "_kvall");
  A.kvAll(A.j, A.i, h, b) = 0.0f;
  A.kvAll(A.j, A.i, h, b) += A.kf(A.rs, A.i, h, b) * vf(A.j, A.rs, h, b);
  A.acc(j, t, n, h, b) += qf(A.ri, n * C + t, h, b) * A.kvAll(j, A.ri, h, b);
}

/// den(t, n): 1 / the denominator, the same sums with v = 1 (the key sums
/// carried like the states), as L lanes of partial sums (contiguous vectors
/// of qf and of the scores' rows), then their total.
void defineDenominator(Parts &P, float eps) {
  LinearAttentionStages &A = P.A;
  const int C = Parts::C;
  Var i = A.i, t = A.t, n = A.n, h = A.h, b = A.b, l = A.l;
  Func z(P.nm + "_z");
  if (A.causal) {
    Expr N = (P.S + (C - 1)) / C;
    A.rz = RDom(0, C, P.nm + "_rz");
    A.ksum = Func(P.nm + "_ksum");
    A.ksum(i, n, h, b) = 0.0f;
    A.ksum(i, n, h, b) += A.kf(n * C + A.rz, i, h, b);
    A.rsz = RDom(1, N - 1, P.nm + "_rsz");
    A.zstates = Func(P.nm + "_zstates");
    A.zstates(i, n, h, b) = 0.0f;
    A.zstates(i, A.rsz, h, b) =
        A.zstates(i, A.rsz - 1, h, b) + A.ksum(i, A.rsz - 1, h, b);
    z(i, n, h, b) = A.zstates(i, n, h, b);
  } else {
    A.rsz = RDom(0, P.S, P.nm + "_rsz");
    A.zAll = Func(P.nm + "_zall");
    A.zAll(i, h, b) = 0.0f;
    A.zAll(i, h, b) += A.kf(A.rsz, i, h, b);
    z(i, n, h, b) = A.zAll(i, h, b);
  }
  const int L = (!P.ctx.gpu && P.F % P.ctx.V == 0) ? P.ctx.V : 1;
  A.rdi = RDom(0, P.F / L, P.nm + "_rdi");
  A.denLanes = Func(P.nm + "_denlanes");
  A.denLanes(l, t, n, h, b) = 0.0f;
  Expr u = A.rdi * L + l;
  A.denLanes(l, t, n, h, b) += A.qf(u, n * C + t, h, b) * z(u, n, h, b);
  if (A.causal) {
    A.rdp = RDom(0, C / L, P.nm + "_rdp");
    A.denLanes(l, t, n, h, b) += P.masked(A.rdp * L + l, t, n, h, b);
  }
  Expr total = eps;
  for (int k = 0; k < L; ++k)
    total += A.denLanes(k, t, n, h, b);
  A.den = Func(P.nm + "_den");
  A.den(t, n, h, b) = 1.0f / total;
}

/// One head's output at token t: normalized (the denominator or a per-head
/// norm), plus SLAB's depthwise conv of v.
Expr headOutput(Parts &P, float eps) {
  LinearAttentionStages &A = P.A;
  const int C = Parts::C, dv = P.dv;
  Var j = A.j, t = A.t, h = A.h, b = A.b;
  Expr tc = t % C, tn = t / C;
  Expr o = A.acc(j, tc, tn, h, b);
  if (A.denominator)
    o = o * A.den(tc, tn, h, b);
  if (A.headNorm) {
    Func head(P.nm + "_head");
    head(j, t, h, b) = o;
    Func g = P.ctx.in(P.op.getNormWeight());
    A.rnorm = RDom(0, dv, P.nm + "_rnorm");
    A.mean = Func(P.nm + "_mean");
    A.meanSquare = Func(P.nm + "_meansq");
    Expr x = head(A.rnorm, t, h, b);
    if (P.op.getNormBias()) {
      A.mean(t, h, b) = 0.0f;
      A.mean(t, h, b) += x * (1.0f / dv);
      Expr d = x - A.mean(t, h, b);
      A.meanSquare(t, h, b) = 0.0f;
      A.meanSquare(t, h, b) += d * d * (1.0f / dv);
      o = (o - A.mean(t, h, b)) / sqrt(A.meanSquare(t, h, b) + eps) * g(j) +
          P.ctx.in(P.op.getNormBias())(j);
    } else {
      A.meanSquare(t, h, b) = 0.0f;
      A.meanSquare(t, h, b) += x * x * (1.0f / dv);
      o = o / sqrt(A.meanSquare(t, h, b) + eps) * g(j);
    }
  }
  if (int taps = (int)P.op.getConvTaps()) {
    Func w = P.ctx.in(P.op.getConvWeight());
    int off = A.causal ? taps - 1 : taps / 2;
    Expr conv = P.ctx.in(P.op.getConvBias())(j);
    for (int k = 0; k < taps; ++k) {
      Expr at = t + (k - off);
      conv += w(k, 0, j) * select(at >= 0 && at < P.S,
                                  P.vf(j, clamp(at, 0, P.S - 1), h, b), 0.0f);
    }
    o = o + conv;
  }
  return o;
}

struct LinearAttentionLowering
    : HalideLoweringOpInterface::ExternalModel<LinearAttentionLowering,
                                               nn::LinearAttentionOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *operation,
                              LoweringContext &ctx) const {
    auto op = mlir::cast<nn::LinearAttentionOp>(operation);
    std::string nm = ctx.name();
    auto &A =
        ctx.addStage(std::make_unique<LinearAttentionStages>(op.getResult()));
    A.dv = (int)op.getValueDim();
    A.causal = op.getCausal();
    nn::LinearNormalize norm = op.getNormalize();
    A.denominator = norm == nn::LinearNormalize::denominator;
    A.headNorm = norm == nn::LinearNormalize::head_layer_norm ||
                 norm == nn::LinearNormalize::head_rms_norm;
    A.direct = llvm::any_of(op.getResult().getUsers(), [](Operation *user) {
      return mlir::isa<nn::YieldOp>(user);
    });
    Parts P{op,
            ctx,
            A,
            nm,
            (int)op.getKeyDim(),
            A.dv,
            (int)op.getFeatureDim(),
            ctx.seqLen,
            Func(),
            Func()};
    float eps = op.getEps().convertToFloat();
    defineFeatures(P);
    if (A.causal)
      defineScan(P);
    defineOutputs(P);
    if (A.denominator)
      defineDenominator(P, eps);
    Func final(nm + "_final");
    final(A.j, A.t, A.h, A.b) = headOutput(P, eps);
    int dv = A.dv;
    A.result = ctx.def(nm + "_linear_attention",
                       [&](Expr cc, const std::vector<Expr> &tok) {
                         return final(cc % dv, tok[0], cc / dv, tok[1]);
                       });
    ctx.define(op.getResult(), A.result);
    return mlir::success();
  }
};

} // namespace

void registerLinearAttentionCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::LinearAttentionOp::attachInterface<LinearAttentionLowering>(*ctx);
  });
  registerLinearAttentionSchedule();
}

} // namespace modelc::codegen
