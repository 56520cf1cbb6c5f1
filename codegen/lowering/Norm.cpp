//===- Norm.cpp - Halide lowering of the norms ----------------------------===//
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
    Func x = ctx.in(op.getInput());
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
    ctx.define(op.getResult(),
               ctx.def(nm + "_layernorm", [&](Expr c, const Tokens &t) {
                 Expr y = (LoweringContext::at(x, c, t) - mean(t)) * rstd(t);
                 if (!op.getGamma())
                   return y;
                 return y * ctx.in(op.getGamma())(c) + ctx.in(op.getBeta())(c);
               }));
    return mlir::success();
  }
};

struct RMSNormLowering
    : HalideLoweringOpInterface::ExternalModel<RMSNormLowering, nn::RMSNormOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::RMSNormOp>(o);
    Func x = ctx.in(op.getInput());
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
                 Expr y = LoweringContext::at(x, c, t) * rstd(t);
                 return op.getGamma() ? y * ctx.in(op.getGamma())(c) : y;
               }));
    return mlir::success();
  }
};

// A per-channel affine: x * k(c) + shift(c), both computed once per call.
struct BatchNormLowering
    : HalideLoweringOpInterface::ExternalModel<BatchNormLowering,
                                               nn::BatchNormOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::BatchNormOp>(o);
    Func x = ctx.in(op.getInput()), g = ctx.in(op.getGamma()),
         be = ctx.in(op.getBeta()), mu = ctx.in(op.getMean()),
         var = ctx.in(op.getVariance());
    float eps = op.getEpsilon().convertToFloat();
    std::string nm = ctx.name();
    Var c("bn_c");
    Func scale(nm + "_bn_scale"), shift(nm + "_bn_shift");
    Expr k = g(c) / sqrt(var(c) + eps);
    shift(c) = be(c) - mu(c) * k;
    // RepBN: BN(x) + alpha x.
    if (op.getAlpha())
      k += ctx.in(op.getAlpha())(0);
    scale(c) = k;
    ctx.addRoot(scale);
    ctx.addRoot(shift);
    ctx.define(op.getResult(),
               ctx.def(nm + "_batchnorm", [&](Expr cc, const Tokens &t) {
                 return LoweringContext::at(x, cc, t) * scale(cc) + shift(cc);
               }));
    return mlir::success();
  }
};

// Two passes over the sample (mean, then the variance about it) and the
// normalized output.
struct GroupNormLowering
    : HalideLoweringOpInterface::ExternalModel<GroupNormLowering,
                                               nn::GroupNormOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::GroupNormOp>(o);
    Func x = ctx.in(op.getInput()), g = ctx.in(op.getGamma()),
         be = ctx.in(op.getBeta());
    int64_t C = dimOf(op.getInput(), 2);
    int groupSize = (int)(C / (int64_t)op.getGroups());
    float eps = op.getEpsilon().convertToFloat();
    std::string nm = ctx.name();
    auto &st = ctx.addStage(std::make_unique<SequenceStages>(op.getResult()));
    Expr count = cast<float>(ctx.seqLen) * (float)groupSize;
    Func sum = sequenceSum(
        ctx, nm + "_sum", groupSize,
        [&](Expr c, const Tokens &t) { return LoweringContext::at(x, c, t); },
        st);
    Var gv("g"), bv("b");
    Func mean(nm + "_mean");
    mean(gv, bv) = sum(gv, bv) / count;
    Func sq = sequenceSum(
        ctx, nm + "_var", groupSize,
        [&](Expr c, const Tokens &t) {
          Expr d = LoweringContext::at(x, c, t) - mean(c / groupSize, t[1]);
          return d * d;
        },
        st);
    Func rstd(nm + "_rstd");
    rstd(gv, bv) = 1.0f / sqrt(sq(gv, bv) / count + eps);
    st.totals.push_back(mean);
    st.totals.push_back(rstd);
    ctx.define(op.getResult(),
               ctx.def(nm + "_groupnorm", [&](Expr cc, const Tokens &t) {
                 Expr grp = cc / groupSize;
                 return (LoweringContext::at(x, cc, t) - mean(grp, t[1])) *
                            rstd(grp, t[1]) * g(cc) +
                        be(cc);
               }));
    return mlir::success();
  }
};

} // namespace

void registerNormCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::LayerNormOp::attachInterface<LayerNormLowering>(*ctx);
    nn::RMSNormOp::attachInterface<RMSNormLowering>(*ctx);
    nn::BatchNormOp::attachInterface<BatchNormLowering>(*ctx);
    nn::GroupNormOp::attachInterface<GroupNormLowering>(*ctx);
  });
  registerClassSchedule(nn::KernelClass::norm, scheduleRowKernel);
}

} // namespace modelc::codegen
