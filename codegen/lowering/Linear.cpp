//===- Linear.cpp - Halide lowering of nn.linear (the gemm class) ---------===//
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "codegen/schedules/Gemm.h"
#include "dialect/NNOps.h"

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

struct LinearLowering
    : HalideLoweringOpInterface::ExternalModel<LinearLowering, nn::LinearOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::LinearOp>(o);
    const KernelArg *w = ctx.argOf(op.getWeight());
    if (!w || !w->gemm)
      return ctx.fail(o, "nn.linear weight must be a kernel argument");
    std::string nm = ctx.name();
    auto &g = ctx.addStage(std::make_unique<GemmStages>(op.getResult()));
    g.K = (int)dimOf(op.getWeight(), 0);
    g.N = (int)dimOf(op.getWeight(), 1);
    g.acc = Func(nm + "_acc");
    g.rk = RDom(0, g.K, nm + "_k");
    if (op.getBias())
      g.acc(ctx.actVars()) = gemmBiasAt(ctx.in(op.getBias()), ctx.c, g.N);
    else
      g.acc(ctx.actVars()) = 0.0f;
    std::vector<Expr> t = ctx.tokenArgs();
    std::vector<Expr> lhs{ctx.c};
    lhs.insert(lhs.end(), t.begin(), t.end());
    Func x = ctx.in(op.getInput()), wf = ctx.in(op.getWeight());
    g.acc(lhs) += LoweringContext::at(x, g.rk.x, t) *
                  gemmWeightAt(wf, ctx.c, g.rk.x, w->layout);
    Func acc = g.acc;
    ctx.define(
        op.getResult(),
        ctx.def(nm + "_linear", [&](Expr c, const std::vector<Expr> &tt) {
          return LoweringContext::at(acc, c, tt);
        }));
    return mlir::success();
  }
};

} // namespace

void registerLinearCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::LinearOp::attachInterface<LinearLowering>(*ctx);
  });
  registerGemmSchedule();
}

} // namespace modelc::codegen
