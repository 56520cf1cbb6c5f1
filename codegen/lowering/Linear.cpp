//===- Linear.cpp - Halide lowering of the gemm class: linear, lora ------===//
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

/// The low-rank term of nn.lora_linear: + scale * sum_j xa(j) B[j][n].
struct LowRank {
  mlir::Value input, weight;
  float scale;
};

/// acc = bias + x W (+ the low-rank term, a second update of the same
/// accumulator: added inside the output tile, while it is in registers) of
/// a GEMM-class op, its stage registered and its result defined as acc.
LogicalResult lowerGemm(Operation *o, LoweringContext &ctx, mlir::Value x,
                        mlir::Value weight, mlir::Value bias,
                        std::optional<LowRank> lowRank = std::nullopt) {
  const KernelArg *w = ctx.argOf(weight);
  const KernelArg *b = lowRank ? ctx.argOf(lowRank->weight) : nullptr;
  if (!w || !w->gemm || (lowRank && (!b || !b->gemm)))
    return ctx.fail(o, o->getName().getStringRef() +
                           " weights must be kernel arguments");
  std::string nm = ctx.name();
  auto &g = ctx.addStage(std::make_unique<GemmStages>(o->getResult(0)));
  g.K = (int)dimOf(weight, 0);
  g.N = (int)dimOf(weight, 1);
  g.acc = Func(nm + "_acc");
  g.rk = RDom(0, g.K, nm + "_k");
  if (bias)
    g.acc(ctx.actVars()) = gemmBiasAt(ctx.in(bias), ctx.c, g.N);
  else
    g.acc(ctx.actVars()) = 0.0f;
  std::vector<Expr> t = ctx.tokenArgs();
  std::vector<Expr> lhs{ctx.c};
  lhs.insert(lhs.end(), t.begin(), t.end());
  g.acc(lhs) += LoweringContext::at(ctx.in(x), g.rk.x, t) *
                gemmWeightAt(ctx.in(weight), ctx.c, g.rk.x, w->layout);
  if (lowRank) {
    g.rank = (int)dimOf(lowRank->weight, 0);
    g.rl = RDom(0, g.rank, nm + "_r");
    Expr term = LoweringContext::at(ctx.in(lowRank->input), g.rl.x, t) *
                gemmWeightAt(ctx.in(lowRank->weight), ctx.c, g.rl.x, b->layout);
    // The frontend folds LoRA's scale into B: then one FMA per element.
    g.acc(lhs) += lowRank->scale == 1.0f ? term : lowRank->scale * term;
  }
  Func acc = g.acc;
  ctx.define(o->getResult(0),
             ctx.def(nm + "_linear", [&](Expr c, const std::vector<Expr> &tt) {
               return LoweringContext::at(acc, c, tt);
             }));
  return mlir::success();
}

struct LinearLowering
    : HalideLoweringOpInterface::ExternalModel<LinearLowering, nn::LinearOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::LinearOp>(o);
    return lowerGemm(o, ctx, op.getInput(), op.getWeight(), op.getBias());
  }
};

struct LoraLinearLowering
    : HalideLoweringOpInterface::ExternalModel<LoraLinearLowering,
                                               nn::LoraLinearOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::LoraLinearOp>(o);
    return lowerGemm(o, ctx, op.getInput(), op.getWeight(), op.getBias(),
                     LowRank{op.getLowRankInput(), op.getLowRankWeight(),
                             op.getScale().convertToFloat()});
  }
};

} // namespace

void registerLinearCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::LinearOp::attachInterface<LinearLowering>(*ctx);
    nn::LoraLinearOp::attachInterface<LoraLinearLowering>(*ctx);
  });
  registerGemmSchedule();
}

} // namespace modelc::codegen
