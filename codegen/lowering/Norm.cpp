//===- Norm.cpp - Halide lowering of LayerNorm and RMSNorm ----------------===//
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "codegen/schedules/Rows.h"
#include "codegen/schedules/Schedule.h"
#include "dialect/NNOps.h"

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

using Tokens = std::vector<Expr>;

struct LayerNormLowering
    : HalideLoweringOpInterface::ExternalModel<LayerNormLowering,
                                               nn::LayerNormOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::LayerNormOp>(o);
    Func x = ctx.in(op.getInput()), g = ctx.in(op.getGamma()),
         be = ctx.in(op.getBeta());
    int64_t C = dimOf(op.getInput(), 2);
    float eps = op.getEpsilon().convertToFloat();
    std::string nm = ctx.name();
    auto &st = ctx.addStage(std::make_unique<RowStages>(op.getResult()));
    Func sum = rowSum(
        ctx, nm + "_sum", C,
        [&](Expr c, const Tokens &t) { return LoweringContext::at(x, c, t); },
        st);
    Func mean(nm + "_mean");
    mean(ctx.tokenVars()) = sum(ctx.tokenArgs()) * (1.0f / (float)C);
    Func sq = rowSum(
        ctx, nm + "_var", C,
        [&](Expr c, const Tokens &t) {
          Expr d = LoweringContext::at(x, c, t) - mean(t);
          return d * d;
        },
        st);
    Func rstd(nm + "_rstd");
    rstd(ctx.tokenVars()) =
        1.0f / sqrt(sq(ctx.tokenArgs()) * (1.0f / (float)C) + eps);
    st.totals.push_back(mean);
    st.totals.push_back(rstd);
    ctx.define(op.getResult(), ctx.def(nm + "_layernorm", [&](Expr c,
                                                              const Tokens &t) {
      return (LoweringContext::at(x, c, t) - mean(t)) * rstd(t) * g(c) + be(c);
    }));
    return mlir::success();
  }
};

struct RMSNormLowering
    : HalideLoweringOpInterface::ExternalModel<RMSNormLowering, nn::RMSNormOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::RMSNormOp>(o);
    Func x = ctx.in(op.getInput()), g = ctx.in(op.getGamma());
    int64_t C = dimOf(op.getInput(), 2);
    float eps = op.getEpsilon().convertToFloat();
    std::string nm = ctx.name();
    auto &st = ctx.addStage(std::make_unique<RowStages>(op.getResult()));
    Func sq = rowSum(
        ctx, nm + "_sumsq", C,
        [&](Expr c, const Tokens &t) {
          Expr v = LoweringContext::at(x, c, t);
          return v * v;
        },
        st);
    Func rstd(nm + "_rstd");
    rstd(ctx.tokenVars()) =
        1.0f / sqrt(sq(ctx.tokenArgs()) * (1.0f / (float)C) + eps);
    st.totals.push_back(rstd);
    ctx.define(op.getResult(),
               ctx.def(nm + "_rmsnorm", [&](Expr c, const Tokens &t) {
                 return LoweringContext::at(x, c, t) * rstd(t) * g(c);
               }));
    return mlir::success();
  }
};

} // namespace

void registerNormCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::LayerNormOp::attachInterface<LayerNormLowering>(*ctx);
    nn::RMSNormOp::attachInterface<RMSNormLowering>(*ctx);
  });
  registerClassSchedule(nn::KernelClass::norm, scheduleRowKernel);
}

} // namespace modelc::codegen
