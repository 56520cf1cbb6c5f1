//===- Moe.cpp - Halide lowering of the top-k mixture of experts ----------===//
#include "codegen/Math.h"
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "codegen/lowering/RoutingLists.h"
#include "codegen/schedules/Gemm.h"
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
    Expr token = R.tokenOf(t * T + i);
    R.rd = RDom(0, D, nm + "_d");
    R.rh = RDom(0, H, nm + "_h");
    // Tiles past the lists' end do no work.
    Expr used = t < R.tileStart(E);
    R.rd.where(used);
    R.rh.where(used);
    // Weight-only int8: a weight widened to f32 in registers, times its
    // group's scale inside the sum when an expert's rows have several
    // groups; with one scale per expert and column (`perExpert`), the sum is
    // scaled once instead (sumScale).
    auto perExpert = [&](mlir::Value scales, int rows) {
      return op.getScaleGroup(scales) == rows;
    };
    auto weightAt = [&](mlir::Value w, mlir::Value scales, Expr n, Expr row,
                        int rows, int width) {
      Expr q = gemmWeightAt(ctx.in(w), n, row, ctx.argOf(w)->layout);
      if (!scales)
        return q;
      Expr f = cast<float>(q);
      if (perExpert(scales, rows))
        return f;
      return f * ctx.in(scales)(min(n, width - 1),
                                row / (int)op.getScaleGroup(scales));
    };
    auto sumScale = [&](mlir::Value scales, Expr sum, Expr n, int rows,
                        int width) {
      if (!scales || !perExpert(scales, rows))
        return sum;
      return sum * ctx.in(scales)(min(n, width - 1), ex_t);
    };
    auto upTerm = [&](mlir::Value w, mlir::Value scales) {
      return x(R.rd, token) * weightAt(w, scales, h, ex_t * D + R.rd, D, H);
    };
    R.upAcc = Func(nm + "_up");
    R.hiddenAct = Func(nm + "_hidden");
    nn::Activation kind = op.getActivation();
    if (R.glu) {
      // Gate and up in one accumulator: one pass over the inputs.
      R.upAcc(h, i, t) = Tuple(0.0f, 0.0f);
      R.upAcc(h, i, t) =
          Tuple(R.upAcc(h, i, t)[0] + upTerm(op.getGate(), op.getGateScales()),
                R.upAcc(h, i, t)[1] + upTerm(op.getUp(), op.getUpScales()));
      R.hiddenAct(h, i, t) =
          activation(kind, sumScale(op.getGateScales(), R.upAcc(h, i, t)[0], h,
                                    D, H)) *
          sumScale(op.getUpScales(), R.upAcc(h, i, t)[1], h, D, H);
    } else {
      R.upAcc(h, i, t) = 0.0f;
      R.upAcc(h, i, t) += upTerm(op.getUp(), op.getUpScales());
      R.hiddenAct(h, i, t) = activation(
          kind, sumScale(op.getUpScales(), R.upAcc(h, i, t), h, D, H));
    }
    R.downAcc = Func(nm + "_down");
    R.downAcc(c, i, t) = 0.0f;
    R.downAcc(c, i, t) +=
        R.hiddenAct(R.rh, i, t) *
        weightAt(op.getDown(), op.getDownScales(), c, ex_t * H + R.rh, H, D);
    R.expertOut = Func(nm + "_expert");
    R.expertOut(c, i, t) =
        sumScale(op.getDownScales(), R.downAcc(c, i, t), c, H, D);

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
