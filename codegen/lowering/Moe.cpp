//===- Moe.cpp - Halide lowering of the top-k mixture of experts ----------===//
#include "codegen/Math.h"
#include "codegen/lowering/ExpertWeights.h"
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "codegen/lowering/RoutingLists.h"
#include "codegen/schedules/Routing.h"
#include "dialect/NNOps.h"

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

struct MoeLowering
    : HalideLoweringOpInterface::ExternalModel<MoeLowering, nn::MoeOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::MoeOp>(o);
    if (!ctx.flat || !ctx.rows.defined())
      return ctx.fail(o, "nn.moe needs a kernel over flat token rows");
    const int E = (int)op.getExperts(), K = (int)op.getTopK(),
              D = (int)dimOf(op.getInput(), 2), H = (int)op.getHidden(),
              T = kRoutingTile;
    Func x = ctx.in(op.getInput()), logits = ctx.in(op.getRouterLogits());
    std::vector<mlir::Value> weights{op.getUp(), op.getDown()};
    if (op.getGate())
      weights.push_back(op.getGate());
    for (mlir::Value w : weights) {
      const KernelArg *a = ctx.argOf(w);
      if (!a || !a->gemm || !a->layout.panelWidth || a->int8 != op.isInt8())
        return ctx.fail(o, "nn.moe weights must be packed kernel arguments");
    }
    std::string nm = ctx.name();
    auto &R = ctx.addStage(std::make_unique<RoutingStages>(op.getResult()));
    R.experts = E;
    R.dim = D;
    R.hidden = H;
    R.glu = op.getGate() != nullptr;
    R.panel = ctx.argOf(op.getUp())->layout.panelWidth;
    const Var &m = ctx.m, &e = R.e, &j = R.j, &t = R.t, &i = R.i, &h = R.h,
              &c = ctx.c;
    // 1.-2. The routing and the lists.
    defineRoutingLists(R, logits, /*groups=*/1, K, ctx, nm);
    auto expert = [&](Expr v) { return clampExpert(R, v); };

    // The routing weights are softmax's, over all experts or (renormalized)
    // over the chosen ones.
    RDom re(0, E, nm + "_re");
    Func peak(nm + "_peak"), ex(nm + "_exp");
    peak(m) = maximum(logits(re, m));
    ex(e, m) = expf32(logits(e, m) - peak(m));
    Expr total;
    if (op.getRenormalize()) {
      RDom rk(0, K, nm + "_rk");
      total = sum(ex(expert(R.choice(rk, m)), m));
    } else {
      total = sum(ex(re, m));
    }
    R.weight = Func(nm + "_weight");
    R.weight(j, m) = ex(expert(R.choice(j, m)), m) / total;

    // 3. The grouped GEMM, tile by tile with the tile's expert's weights.
    Expr ex_t = expert(R.tileExpert(t));
    Expr token = routedToken(R, ctx, t * T + i);
    R.rd = RDom(0, D, nm + "_d");
    R.rh = RDom(0, H, nm + "_h");
    // Tiles past the lists' end do no work.
    Expr used = t < R.tileStart(E);
    R.rd.where(used);
    R.rh.where(used);
    // f32 or weight-only int8 (codegen/lowering/ExpertWeights.h).
    auto weightOf = [&](mlir::Value w, mlir::Value scales, int rows,
                        int width) {
      return ExpertWeight(ctx, w, scales, scales ? op.getScaleGroup(scales) : 0,
                          rows, width);
    };
    ExpertWeight up = weightOf(op.getUp(), op.getUpScales(), D, H),
                 down = weightOf(op.getDown(), op.getDownScales(), H, D);
    auto upTerm = [&](const ExpertWeight &w) {
      return x(R.rd, token) * w.at(h, ex_t * D + R.rd);
    };
    R.upAcc = Func(nm + "_up");
    R.hiddenAct = Func(nm + "_hidden");
    nn::Activation kind = op.getActivation();
    if (R.glu) {
      // Gate and up in one accumulator: one pass over the inputs.
      ExpertWeight gate = weightOf(op.getGate(), op.getGateScales(), D, H);
      R.upAcc(h, i, t) = Tuple(0.0f, 0.0f);
      R.upAcc(h, i, t) = Tuple(R.upAcc(h, i, t)[0] + upTerm(gate),
                               R.upAcc(h, i, t)[1] + upTerm(up));
      R.hiddenAct(h, i, t) =
          activation(kind, gate.finish(R.upAcc(h, i, t)[0], h, ex_t)) *
          up.finish(R.upAcc(h, i, t)[1], h, ex_t);
    } else {
      R.upAcc(h, i, t) = 0.0f;
      R.upAcc(h, i, t) += upTerm(up);
      R.hiddenAct(h, i, t) =
          activation(kind, up.finish(R.upAcc(h, i, t), h, ex_t));
    }
    R.downAcc = Func(nm + "_down");
    R.downAcc(c, i, t) = 0.0f;
    R.downAcc(c, i, t) += R.hiddenAct(R.rh, i, t) * down.at(c, ex_t * H + R.rh);
    R.expertOut = Func(nm + "_expert");
    R.expertOut(c, i, t) = down.finish(R.downAcc(c, i, t), c, ex_t);

    // 4. The weighted combine of each token's k rows.
    Func expertOut = R.expertOut, weight = R.weight, choice = R.choice;
    ctx.define(op.getResult(),
               ctx.def(nm + "_moe", [&](Expr cc, const std::vector<Expr> &tt) {
                 Expr y = 0.0f;
                 for (int k = 0; k < K; ++k) {
                   Expr row = routedRow(R, expert(choice(k, tt[0])), tt[0]);
                   y += weight(k, tt[0]) * expertOut(cc, row % T, row / T);
                 }
                 return y;
               }));
    return mlir::success();
  }
};

} // namespace

void registerMoeCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::MoeOp::attachInterface<MoeLowering>(*ctx);
  });
  registerRoutingSchedule();
}

} // namespace modelc::codegen
