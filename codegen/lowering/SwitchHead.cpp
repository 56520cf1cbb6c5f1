//===- SwitchHead.cpp - Halide lowering of SwitchHead's routed projections ===//
#include "codegen/Math.h"
#include "codegen/lowering/ExpertWeights.h"
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "codegen/lowering/RoutingLists.h"
#include "dialect/NNOps.h"

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

/// nn.switch_linear as a routing kernel: the (head, expert) pairs are the
/// experts of the lists, in one group per head; each listed row is one GEMM
/// row of its expert's [in, out] weight; the combine sums each token's
/// top_k rows of a head (and, for the output projection, the heads).
struct SwitchLinearLowering
    : HalideLoweringOpInterface::ExternalModel<SwitchLinearLowering,
                                               nn::SwitchLinearOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::SwitchLinearOp>(o);
    if (!ctx.flat || !ctx.rows.defined())
      return ctx.fail(o,
                      "nn.switch_linear needs a kernel over flat token rows");
    const KernelArg *arg = ctx.argOf(op.getExperts());
    if (!arg || !arg->gemm || !arg->layout.panelWidth ||
        arg->int8 != op.isInt8())
      return ctx.fail(o, "nn.switch_linear experts must be a packed kernel "
                         "argument of their element type");
    const int H = (int)op.getHeads(), E = (int)op.getExpertsPerHead(),
              K = (int)op.getTopK(), in = (int)op.getHeadIn(),
              out = (int)op.getHeadOut(), T = kRoutingTile;
    const bool perHeadInput = op.getPerHeadInput();
    Func x = ctx.in(op.getInput()), logits = ctx.in(op.getRouterLogits());
    std::string nm = ctx.name();
    auto &R = ctx.addStage(std::make_unique<RoutingStages>(op.getResult()));
    R.experts = H * E;
    R.dim = out;
    R.panel = arg->layout.panelWidth;
    const Var &m = ctx.m, &j = R.j, &t = R.t, &i = R.i, &c = ctx.c;

    // 1.-2. Each head chooses its top_k experts; the gates are sigmoids,
    // not renormalized.
    defineRoutingLists(R, logits, /*groups=*/H, K, ctx, nm);
    R.weight = Func(nm + "_weight");
    Expr chosen = clampExpert(R, R.choice(j, m));
    R.weight(j, m) = 1.0f / (1.0f + expf32(-logits(chosen, m)));

    // 3. One grouped GEMM: a tile's rows (its expert's tokens) times the
    // expert's weight, reading the whole input or the expert's head's part.
    Expr expert = clampExpert(R, R.tileExpert(t));
    Expr token = routedToken(R, ctx, t * T + i);
    R.rh = RDom(0, in, nm + "_in");
    R.rh.where(t < R.tileStart(H * E)); // tiles past the lists' end: no work
    Expr channel = perHeadInput ? (expert / E) * in + R.rh : Expr(R.rh);
    // f32 or weight-only int8 (codegen/lowering/ExpertWeights.h).
    ExpertWeight w(ctx, op.getExperts(), op.getScales(),
                   op.isInt8() ? op.getScaleGroup() : 0, in, out);
    R.downAcc = Func(nm + "_acc");
    R.downAcc(c, i, t) = 0.0f;
    R.downAcc(c, i, t) += x(channel, token) * w.at(c, expert * in + R.rh);
    R.expertOut = Func(nm + "_expert");
    R.expertOut(c, i, t) = w.finish(R.downAcc(c, i, t), c, expert);

    // 4. The combine: a head's k gated rows, into its channels or summed
    // over the heads.
    Func expertOut = R.expertOut, weight = R.weight;
    auto routed = [&](Expr cc, Expr slot, Expr mm) {
      Expr row = routedRow(R, clampExpert(R, R.choice(slot, mm)), mm);
      return weight(slot, mm) * expertOut(cc, row % T, row / T);
    };
    ctx.define(
        op.getResult(),
        ctx.def(nm + "_switch", [&](Expr cc, const std::vector<Expr> &tt) {
          Expr y = 0.0f;
          if (perHeadInput) {
            for (int h = 0; h < H * K; ++h)
              y += routed(cc, h, tt[0]);
          } else {
            Expr head = clamp(cc / out, 0, H - 1);
            for (int k = 0; k < K; ++k)
              y += routed(cc % out, head * K + k, tt[0]);
          }
          return y;
        }));
    return mlir::success();
  }
};

} // namespace

void registerSwitchHeadCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::SwitchLinearOp::attachInterface<SwitchLinearLowering>(*ctx);
  });
}

} // namespace modelc::codegen
