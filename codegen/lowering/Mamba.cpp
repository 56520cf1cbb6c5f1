//===- Mamba.cpp - Halide lowering of nn.selective_scan -------------------===//
#include "codegen/Math.h"
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "codegen/schedules/SelectiveScan.h"
#include "dialect/NNOps.h"

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

struct SelectiveScanLowering
    : HalideLoweringOpInterface::ExternalModel<SelectiveScanLowering,
                                               nn::SelectiveScanOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::SelectiveScanOp>(o);
    std::string nm = ctx.name();
    auto &S =
        ctx.addStage(std::make_unique<SelectiveScanStages>(op.getResult()));
    S.I = (int)op.getInner();
    S.N = (int)op.getStateSize();
    S.R = (int)op.getDtRank();
    S.P = S.R + 2 * S.N;
    const int K = (int)op.getConvTaps(), N = S.N, R = S.R;
    // Weights are indexed innermost first: conv_weight [I, 1, K] as
    // cw(k, 0, i), x_proj [I, P] as xp(p, i), dt_proj [R, I] as dw(i, r),
    // a_log [I, N] as al(n, i).
    Func x = ctx.in(op.getInput()), cw = ctx.in(op.getConvWeight()),
         xp = ctx.in(op.getXProj()), dw = ctx.in(op.getDtProj()),
         db = ctx.in(op.getDtBias()), al = ctx.in(op.getALog()),
         dv = ctx.in(op.getD());
    Var i = S.i, t = S.t, p = S.p, q = S.q, n = S.n, k = S.k, bb = S.bb;

    S.convT = Func(nm + "_conv_taps");
    S.convT(i, k) = cw(k, 0, i);
    // exp(delta A) = 2^(delta * A log2(e)).
    S.negA = Func(nm + "_neg_a");
    S.negA(i, n) = -expf32(al(n, i)) * 1.44269504088896341f;

    Expr conv = op.getConvBias() ? ctx.in(op.getConvBias())(i) : Expr(0.0f);
    for (int j = 0; j < K; ++j) {
      Expr ts = t - (K - 1 - j); // causal: zero before the first token
      conv += S.convT(i, j) * select(ts >= 0, x(i, ts, bb), 0.0f);
    }
    S.u = Func(nm + "_u");
    S.u(i, t, bb) = activation(nn::Activation::silu, conv);

    S.rx = RDom(0, S.I, nm + "_xi");
    S.dbc = Func(nm + "_dbc");
    S.dbc(p, t, bb) = 0.0f;
    S.dbc(p, t, bb) += xp(p, S.rx.x) * S.u(S.rx.x, t, bb);

    S.rr = RDom(0, R, nm + "_dtr");
    S.dtAcc = Func(nm + "_dt");
    S.dtAcc(i, t, bb) = db(i);
    S.dtAcc(i, t, bb) += dw(i, S.rr.x) * S.dbc(S.rr.x, t, bb);
    S.delta = Func(nm + "_delta");
    S.delta(i, t, bb) = softplusf32(S.dtAcc(i, t, bb));
    S.du = Func(nm + "_du");
    S.du(i, t, bb) = S.delta(i, t, bb) * S.u(i, t, bb);

    // One update walks the tokens; per token, slots 0..N-1 step the state
    // and slot N writes y into scan(i, N + token).
    S.scan = Func(nm + "_scan");
    S.scan(i, q, bb) = undef<float>();
    S.r0 = RDom(0, N, nm + "_h0");
    S.scan(i, S.r0.x, bb) = 0.0f;
    S.rs = RDom(0, N + 1, 0, ctx.seqLen, nm + "_steps");
    Expr slot = S.rs.x, tok = S.rs.y, st = min(slot, N - 1);
    Expr h = exp2f32(S.delta(i, tok, bb) * S.negA(i, st)) * S.scan(i, st, bb) +
             S.du(i, tok, bb) * S.dbc(R + st, tok, bb);
    Expr y = dv(i) * S.u(i, tok, bb);
    for (int m = 0; m < N; ++m)
      y += S.dbc(R + N + m, tok, bb) * S.scan(i, m, bb);
    S.scan(i, select(slot < N, slot, N + tok), bb) = select(slot < N, h, y);

    Func scan = S.scan;
    ctx.define(op.getResult(),
               ctx.def(nm + "_selective_scan",
                       [&](Expr c, const std::vector<Expr> &tk) {
                         return scan(c, N + tk[0], tk[1]);
                       }));
    return mlir::success();
  }
};

} // namespace

void registerMambaCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::SelectiveScanOp::attachInterface<SelectiveScanLowering>(*ctx);
  });
  registerSelectiveScanSchedule();
}

} // namespace modelc::codegen
