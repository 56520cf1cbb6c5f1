//===- DeltaRule.cpp - Halide lowering of short_conv and delta_rule -------===//
//
// nn.delta_rule in the chunkwise WY form (flash-linear-attention's
// fla/ops/delta_rule and gated_delta_rule), written so that the only serial
// dependence is one product per chunk. Per chunk of C tokens, with
// k, q L2-normalised, beta the per-token write strength and, gated, g the
// cumulative log decay inside the chunk (Gamma[t, s] = exp(g_t - g_s)):
//
//   L   = strictly lower (diag(beta) K K^T  .* Gamma)
//   [W | U] = (I + L)^-1 diag(beta) [K .* exp(g) | V]     (row substitution)
//   A_qk = lower incl. diagonal (Q K^T .* Gamma)
//   state:  S' = (exp(g_C) I - Kd^T W) S + Kd^T U,        Kd = K .* exp(g_C -
//   g) output: O  = (Q .* exp(g) - A_qk W) S + A_qk U
//
// Both are "matrix rows times the state S plus constant rows", so the loop
// step is a single (dk + C) x dk by dk x dv product; everything else is
// computed from the chunk's inputs alone.
//
//===----------------------------------------------------------------------===//
#include "codegen/schedules/DeltaRule.h"
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

using Tokens = std::vector<Expr>;

/// The L2 norm's epsilon of flash-linear-attention's l2norm.
constexpr float kL2Epsilon = 1e-6f;
/// Independent accumulation chains of the loop step's products.
constexpr int kChains = 8;

struct ShortConvLowering
    : HalideLoweringOpInterface::ExternalModel<ShortConvLowering,
                                               nn::ShortConvOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::ShortConvOp>(o);
    Func x = ctx.in(op.getInput()), w = ctx.in(op.getWeight());
    Func bias = op.getBias() ? ctx.in(op.getBias()) : Func();
    int taps = (int)op.getTaps();
    ctx.define(op.getResult(),
               ctx.def(ctx.name() + "_conv", [&](Expr c, const Tokens &t) {
                 Expr acc = bias.defined() ? bias(c) : Expr(0.0f);
                 for (int j = 0; j < taps; ++j) {
                   Expr s = t[0] - (taps - 1 - j);
                   acc += w(j, 0, c) *
                          select(s >= 0, LoweringContext::at(x, c, {s, t[1]}),
                                 0.0f);
                 }
                 return acc;
               }));
    return mlir::success();
  }
};

struct DeltaRuleLowering
    : HalideLoweringOpInterface::ExternalModel<DeltaRuleLowering,
                                               nn::DeltaRuleOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::DeltaRuleOp>(o);
    std::string nm = ctx.name();
    auto &D = ctx.addStage(std::make_unique<DeltaRuleStages>(op.getResult()));
    const int d = (int)op.getKeyHeadDim(), e = (int)op.getValueHeadDim();
    const int C = (int)op.getChunk();
    D.dk = d;
    D.dv = e;
    D.chunk = C;
    D.gated = (bool)op.getDecay();
    const float scale = op.getScale().convertToFloat();
    const float betaScale = op.getBetaScale().convertToFloat();
    const float normEps = op.getNormEpsilon().convertToFloat();
    Func Q = ctx.in(op.getQuery()), K = ctx.in(op.getKey()),
         Vf = ctx.in(op.getValue()), norm = ctx.in(op.getNormWeight());
    Var i = D.i, j = D.j, x = D.x, t = D.t, tk = D.tk, n = D.n, h = D.h,
        bb = D.bb, row = D.row;
    Expr S = ctx.seqLen;
    auto pos = [&](Expr tt) { return n * C + tt; };
    auto valid = [&](Expr tt) { return pos(tt) < S; };
    auto F = [&](const char *what) { return Func(nm + "_" + what); };

    // The chunk's inputs; tokens past the end have k = 0 and beta = 0, so
    // they leave the state as it is.
    D.qIn = F("q");
    D.kIn = F("k");
    D.qIn(i, t, n, h, bb) = Q(h * d + i, pos(t), bb);
    D.kIn(i, t, n, h, bb) = K(h * d + i, pos(t), bb);
    D.rk = RDom(0, d, nm + "_rk");
    D.qSq = F("qsq");
    D.kSq = F("ksq");
    for (auto [sq, in] : {std::pair{D.qSq, D.qIn}, {D.kSq, D.kIn}}) {
      sq(t, n, h, bb) = 0.0f;
      Expr v = in(D.rk, t, n, h, bb);
      sq(t, n, h, bb) += v * v;
    }
    D.qn = F("qn");
    Func qn = D.qn;
    qn(i, t, n, h, bb) =
        D.qIn(i, t, n, h, bb) * (scale / sqrt(D.qSq(t, n, h, bb) + kL2Epsilon));
    D.kn = F("kn");
    D.kn(i, t, n, h, bb) = select(
        valid(t), D.kIn(i, t, n, h, bb) / sqrt(D.kSq(t, n, h, bb) + kL2Epsilon),
        0.0f);
    D.knT = F("knT");
    D.knT(t, i, n, h, bb) = D.kn(i, t, n, h, bb);
    Func beta = F("beta");
    Expr b = betaScale;
    if (op.getBeta())
      b = betaScale * sigmoidf32(ctx.in(op.getBeta())(h, pos(t), bb));
    beta(t, n, h, bb) = select(valid(t), b, 0.0f);
    D.beta = beta;

    // Gated: the cumulative log decay g_t of the chunk (g <= 0).
    D.decay = F("decay");
    if (D.gated) {
      Func aLog = ctx.in(op.getALog()), dtBias = ctx.in(op.getDtBias());
      Expr a = ctx.in(op.getDecay())(h, pos(t), bb);
      D.decay(t, n, h, bb) =
          select(valid(t), -expf32(aLog(h)) * softplusf32(a + dtBias(h)), 0.0f);
      if (C > 1) {
        D.rc = RDom(1, C - 1, nm + "_rc");
        D.decay(D.rc, n, h, bb) =
            D.decay(D.rc - 1, n, h, bb) + D.decay(D.rc, n, h, bb);
      }
    }
    auto g = [&](Expr tt) { return D.decay(tt, n, h, bb); };
    // The decay from token b to token a of the chunk, exp(g_a - g_b), and
    // from its start, exp(g_a): 1 without decay.
    auto decayBetween = [&](Expr a, Expr bq) {
      return D.gated ? expf32(g(a) - g(bq)) : Expr(1.0f);
    };
    auto decayTo = [&](Expr a) { return D.gated ? expf32(g(a)) : Expr(1.0f); };

    // [W | U] = (I + L)^-1 diag(beta) [K .* exp(g) | V], row by row.
    D.gram = F("gram");
    D.gram(tk, t, n, h, bb) = 0.0f;
    D.gram(tk, t, n, h, bb) +=
        D.knT(tk, D.rk, n, h, bb) * D.knT(t, D.rk, n, h, bb);
    D.lower = F("lower");
    D.lower(tk, t, n, h, bb) = select(
        tk < t,
        D.gram(tk, t, n, h, bb) * beta(t, n, h, bb) * decayBetween(t, tk),
        0.0f);
    Func vIn = F("v");
    vIn(j, t, n, h, bb) = Vf(h * e + j, pos(t), bb);
    D.wu = F("wu");
    D.wu(x, t, n, h, bb) =
        beta(t, n, h, bb) *
        select(x < d, D.kn(min(x, d - 1), t, n, h, bb) * decayTo(t),
               vIn(clamp(x - d, 0, e - 1), t, n, h, bb));
    if (C > 1) {
      D.rs = RDom(0, C, 0, C, nm + "_rs");
      D.rs.where(D.rs.x < D.rs.y);
      D.wu(x, D.rs.y, n, h, bb) -=
          D.lower(D.rs.x, D.rs.y, n, h, bb) * D.wu(x, D.rs.x, n, h, bb);
    }

    // [Kd^T W | Kd^T U] (ab(x, i)) and A_qk [W | U] (pr(x, t)).
    D.rt = RDom(0, C, nm + "_rt");
    D.kd = F("kd");
    D.kd(i, t, n, h, bb) = D.kn(i, t, n, h, bb) * decayBetween(C - 1, t);
    D.ab = F("ab");
    D.ab(x, i, n, h, bb) = 0.0f;
    D.ab(x, i, n, h, bb) += D.kd(i, D.rt, n, h, bb) * D.wu(x, D.rt, n, h, bb);
    D.qk = F("qk");
    D.qk(tk, t, n, h, bb) = 0.0f;
    D.qk(tk, t, n, h, bb) += D.knT(tk, D.rk, n, h, bb) * qn(D.rk, t, n, h, bb);
    D.aqk = F("aqk");
    D.aqk(tk, t, n, h, bb) =
        select(tk <= t, D.qk(tk, t, n, h, bb) * decayBetween(t, tk), 0.0f);
    D.pr = F("pr");
    D.pr(x, t, n, h, bb) = 0.0f;
    D.pr(x, t, n, h, bb) += D.aqk(D.rt, t, n, h, bb) * D.wu(x, D.rt, n, h, bb);

    // The loop step's rows: X(., row) = bias(., row) + coef(., row) S.
    Expr r = min(row, d - 1), rq = clamp(row - d, 0, C - 1);
    Var a = i;
    D.coef = F("coef");
    D.coef(a, row, n, h, bb) = select(
        row < d, select(a == row, decayTo(C - 1), 0.0f) - D.ab(a, r, n, h, bb),
        qn(a, rq, n, h, bb) * decayTo(rq) - D.pr(a, rq, n, h, bb));
    D.bias = F("bias");
    D.bias(j, row, n, h, bb) =
        select(row < d, D.ab(d + j, r, n, h, bb), D.pr(d + j, rq, n, h, bb));
    // Every row is written before it is read except the first chunk's
    // state: no pure values, the initial state zeroed by the first update.
    D.X = F("X");
    D.X(j, row, n, h, bb) = undef<float>();
    D.rz = RDom(0, d, nm + "_rz");
    D.X(j, D.rz, 0, h, bb) = 0.0f;
    Expr chunks = (S + (C - 1)) / C;
    D.rx = RDom(0, d + C, 0, chunks, nm + "_rx");
    Expr rr = D.rx.x, rn = D.rx.y;
    // The dk-term product as kChains interleaved chains summed at the end:
    // one chain of dk dependent multiply-adds is latency bound.
    std::vector<Expr> chains(std::min(d, kChains));
    for (int k = 0; k < d; ++k) {
      Expr term = D.coef(k, rr, rn, h, bb) * D.X(j, k, rn, h, bb);
      Expr &acc = chains[k % chains.size()];
      acc = acc.defined() ? acc + term : term;
    }
    chains[0] += D.bias(j, rr, rn, h, bb);
    for (size_t width = 1; width < chains.size(); width *= 2)
      for (size_t k = 0; k + width < chains.size(); k += 2 * width)
        chains[k] += chains[k + width];
    D.X(j, rr, select(rr < d, rn + 1, rn), h, bb) = chains[0];

    // The output rows, RMS-normalised per head.
    D.rv = RDom(0, e, nm + "_rv");
    D.outSq = F("osq");
    D.outSq(t, n, h, bb) = 0.0f;
    Expr ov = D.X(D.rv, d + t, n, h, bb);
    D.outSq(t, n, h, bb) += ov * ov;
    Func X = D.X, outSq = D.outSq;
    ctx.define(
        op.getResult(), ctx.def(nm + "_delta", [&](Expr c, const Tokens &tok) {
          Expr hh = c / e, jj = c % e, tt = tok[0] % C, nn = tok[0] / C;
          Expr rms = sqrt(outSq(tt, nn, hh, tok[1]) * (1.0f / e) + normEps);
          return X(jj, d + tt, nn, hh, tok[1]) / rms * norm(jj);
        }));
    return mlir::success();
  }
};

} // namespace

void registerDeltaRuleCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::ShortConvOp::attachInterface<ShortConvLowering>(*ctx);
    nn::DeltaRuleOp::attachInterface<DeltaRuleLowering>(*ctx);
  });
  registerDeltaRuleSchedule();
}

} // namespace modelc::codegen
