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

/// Hedgehog's features of head h at token t: [softmax(x W_h) | softmax(-x W_h)]
/// over the f projections, from the projection x (c, t, b) and W (p, d, h).
Expr hedgehogFeature(FeatureFuncs &F, const std::string &nm, Func x, Func w,
                     int dk, int f, Var u, Var t, Var h, Var b) {
  Var p("p");
  F.f = f;
  F.rd = RDom(0, dk, nm + "_d");
  F.rf = RDom(0, f, nm + "_f");
  F.proj = Func(nm + "_proj");
  F.proj(p, t, h, b) = 0.0f;
  F.proj(p, t, h, b) += x(h * dk + F.rd, t, b) * w(p, F.rd, h);
  F.max = Func(nm + "_max");
  F.max(t, h, b) = Float(32).min();
  F.max(t, h, b) = max(F.max(t, h, b), F.proj(F.rf, t, h, b));
  F.min = Func(nm + "_min");
  F.min(t, h, b) = Float(32).max();
  F.min(t, h, b) = min(F.min(t, h, b), F.proj(F.rf, t, h, b));
  // The exponentials once each: the sums and the features share them.
  F.expPos = Func(nm + "_exp");
  F.expPos(p, t, h, b) = expf32(F.proj(p, t, h, b) - F.max(t, h, b));
  F.expNeg = Func(nm + "_expneg");
  F.expNeg(p, t, h, b) = expf32(F.min(t, h, b) - F.proj(p, t, h, b));
  F.sum = Func(nm + "_sum");
  F.sum(t, h, b) = 0.0f;
  F.sum(t, h, b) += F.expPos(F.rf, t, h, b);
  F.sumNeg = Func(nm + "_sumneg");
  F.sumNeg(t, h, b) = 0.0f;
  F.sumNeg(t, h, b) += F.expNeg(F.rf, t, h, b);
  Expr pos = F.expPos(clamp(u, 0, f - 1), t, h, b) / F.sum(t, h, b);
  Expr neg = F.expNeg(clamp(u - f, 0, f - 1), t, h, b) / F.sumNeg(t, h, b);
  return select(u < f, pos, neg);
}

struct LinearAttentionLowering
    : HalideLoweringOpInterface::ExternalModel<LinearAttentionLowering,
                                               nn::LinearAttentionOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *operation,
                              LoweringContext &ctx) const {
    auto op = mlir::cast<nn::LinearAttentionOp>(operation);
    Func Q = ctx.in(op.getQuery()), K = ctx.in(op.getKey()),
         Vin = ctx.in(op.getValue());
    std::string nm = ctx.name();
    auto &A =
        ctx.addStage(std::make_unique<LinearAttentionStages>(op.getResult()));
    const int C = kLinearAttentionChunk;
    const int dk = (int)op.getKeyDim(), dv = (int)op.getValueDim();
    const int F = (int)op.getFeatureDim();
    A.dk = dk;
    A.dv = dv;
    A.features = F;
    A.causal = op.getCausal();
    nn::LinearNormalize norm = op.getNormalize();
    A.denominator = norm == nn::LinearNormalize::denominator;
    A.headNorm = norm == nn::LinearNormalize::head_layer_norm ||
                 norm == nn::LinearNormalize::head_rms_norm;
    A.direct = llvm::any_of(op.getResult().getUsers(), [](Operation *user) {
      return mlir::isa<nn::YieldOp>(user);
    });
    float scale = op.getScale().convertToFloat();
    float eps = op.getEps().convertToFloat();
    Var j = A.j, i = A.i, t = A.t, tp = A.tp, n = A.n, h = A.h, b = A.b,
        u = A.u;
    Expr S = ctx.seqLen;

    // Features: qf(u, t, h, b) scaled, kf(t, u, h, b) zero past the sequence.
    Expr qphi, kphi;
    if (op.getFeatureMap() == nn::FeatureMap::hedgehog) {
      int f = F / 2;
      qphi = hedgehogFeature(A.q, nm + "_q", Q, ctx.in(op.getMapQ()), dk, f, u,
                             t, h, b);
      kphi = hedgehogFeature(A.k, nm + "_k", K, ctx.in(op.getMapK()), dk, f, u,
                             t, h, b);
    } else {
      qphi = pointMap(op.getFeatureMap(), Q(h * dk + u, t, b));
      kphi = pointMap(op.getFeatureMap(), K(h * dk + u, t, b));
    }
    A.qf = Func(nm + "_qf");
    A.qf(u, t, h, b) = qphi * scale;
    A.kf = Func(nm + "_kf");
    A.kf(t, u, h, b) = select(t < S, kphi, 0.0f);
    Func vf(nm + "_v");
    vf(j, t, h, b) = Vin(h * dv + j, t, b);
    Func qf = A.qf, kf = A.kf;

    // Scores of a chunk (causal: the diagonal block of the masked scores).
    Func masked(nm + "_masked");
    if (A.causal) {
      A.rk = RDom(0, F, nm + "_rk");
      A.scores = Func(nm + "_scores");
      A.scores(tp, t, n, h, b) = 0.0f;
      A.scores(tp, t, n, h, b) +=
          qf(A.rk, n * C + t, h, b) * kf(n * C + tp, A.rk, h, b);
      masked(tp, t, n, h, b) = select(tp <= t, A.scores(tp, t, n, h, b), 0.0f);

      Expr N = (S + (C - 1)) / C;
      A.rt = RDom(0, C, nm + "_rt");
      A.kv = Func(nm + "_kv");
      A.kv(j, i, n, h, b) = 0.0f;
      A.kv(j, i, n, h, b) +=
          kf(n * C + A.rt, i, h, b) * vf(j, n * C + A.rt, h, b);
      A.rn = RDom(1, N - 1, nm + "_rn");
      A.states = Func(nm + "_states");
      A.states(j, i, n, h, b) = 0.0f;
      A.states(j, i, A.rn, h, b) =
          A.states(j, i, A.rn - 1, h, b) + A.kv(j, i, A.rn - 1, h, b);
    } else {
      A.rs = RDom(0, S, nm + "_rs");
      A.kvAll = Func(nm + "_kvall");
      A.kvAll(j, i, h, b) = 0.0f;
      A.kvAll(j, i, h, b) += kf(A.rs, i, h, b) * vf(j, A.rs, h, b);
    }

    // Outputs of a chunk.
    A.ri = RDom(0, F, nm + "_ri");
    A.acc = Func(nm + "_acc");
    A.acc(j, t, n, h, b) = 0.0f;
    if (A.causal) {
      A.rp = RDom(0, C, nm + "_rp");
      A.acc(j, t, n, h, b) +=
          qf(A.ri, n * C + t, h, b) * A.states(j, A.ri, n, h, b);
      A.acc(j, t, n, h, b) +=
          masked(A.rp, t, n, h, b) * vf(j, n * C + A.rp, h, b);
    } else {
      A.acc(j, t, n, h, b) +=
          qf(A.ri, n * C + t, h, b) * A.kvAll(j, A.ri, h, b);
    }

    // The denominator: the same sums with v = 1, as L lanes of partial sums
    // (contiguous vectors of qf and of the scores' rows), then their total.
    if (A.denominator) {
      const int L = (!ctx.gpu && F % ctx.V == 0) ? ctx.V : 1;
      A.lanes = L;
      Var l = A.l;
      Func z(nm + "_z");
      if (A.causal) {
        Expr N = (S + (C - 1)) / C;
        A.rz = RDom(0, C, nm + "_rz");
        A.ksum = Func(nm + "_ksum");
        A.ksum(i, n, h, b) = 0.0f;
        A.ksum(i, n, h, b) += kf(n * C + A.rz, i, h, b);
        A.rsz = RDom(1, N - 1, nm + "_rsz");
        A.zstates = Func(nm + "_zstates");
        A.zstates(i, n, h, b) = 0.0f;
        A.zstates(i, A.rsz, h, b) =
            A.zstates(i, A.rsz - 1, h, b) + A.ksum(i, A.rsz - 1, h, b);
        z(i, n, h, b) = A.zstates(i, n, h, b);
      } else {
        A.rsz = RDom(0, S, nm + "_rsz");
        A.zAll = Func(nm + "_zall");
        A.zAll(i, h, b) = 0.0f;
        A.zAll(i, h, b) += kf(A.rsz, i, h, b);
        z(i, n, h, b) = A.zAll(i, h, b);
      }
      A.rdi = RDom(0, F / L, nm + "_rdi");
      A.denLanes = Func(nm + "_denlanes");
      A.denLanes(l, t, n, h, b) = 0.0f;
      Expr u1 = A.rdi * L + l;
      A.denLanes(l, t, n, h, b) += qf(u1, n * C + t, h, b) * z(u1, n, h, b);
      if (A.causal) {
        A.rdp = RDom(0, C / L, nm + "_rdp");
        A.denLanes(l, t, n, h, b) += masked(A.rdp * L + l, t, n, h, b);
      }
      Expr total = eps;
      for (int k = 0; k < L; ++k)
        total += A.denLanes(k, t, n, h, b);
      A.den = Func(nm + "_den"); // its reciprocal: one division per token
      A.den(t, n, h, b) = 1.0f / total;
    }

    // One head's output at token t: normalized, plus SLAB's conv of v.
    Func head(nm + "_head");
    Expr tc = t % C, tn = t / C;
    Expr o = A.acc(j, tc, tn, h, b);
    if (A.denominator)
      o = o * A.den(tc, tn, h, b);
    head(j, t, h, b) = o;
    if (A.headNorm) {
      Func g = ctx.in(op.getNormWeight());
      A.rnorm = RDom(0, dv, nm + "_rnorm");
      A.mean = Func(nm + "_mean");
      A.meanSquare = Func(nm + "_meansq");
      Expr x = head(A.rnorm, t, h, b);
      if (op.getNormBias()) {
        A.mean(t, h, b) = 0.0f;
        A.mean(t, h, b) += x * (1.0f / dv);
        Expr d = x - A.mean(t, h, b);
        A.meanSquare(t, h, b) = 0.0f;
        A.meanSquare(t, h, b) += d * d * (1.0f / dv);
        o = (o - A.mean(t, h, b)) / sqrt(A.meanSquare(t, h, b) + eps) * g(j) +
            ctx.in(op.getNormBias())(j);
      } else {
        A.meanSquare(t, h, b) = 0.0f;
        A.meanSquare(t, h, b) += x * x * (1.0f / dv);
        o = o / sqrt(A.meanSquare(t, h, b) + eps) * g(j);
      }
    }
    if (int taps = (int)op.getConvTaps()) {
      Func w = ctx.in(op.getConvWeight());
      int off = A.causal ? taps - 1 : taps / 2;
      Expr conv = ctx.in(op.getConvBias())(j);
      for (int k = 0; k < taps; ++k) {
        Expr at = t + (k - off);
        conv += w(k, 0, j) * select(at >= 0 && at < S,
                                    vf(j, clamp(at, 0, S - 1), h, b), 0.0f);
      }
      o = o + conv;
    }
    Func final(nm + "_final");
    final(j, t, h, b) = o;
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
