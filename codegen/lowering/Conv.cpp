//===- Conv.cpp - Halide lowering of the depthwise convolution ------------===//
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "codegen/schedules/Window.h"
#include "dialect/NNOps.h"

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

struct DepthwiseConvLowering
    : HalideLoweringOpInterface::ExternalModel<DepthwiseConvLowering,
                                               nn::DepthwiseConvOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::DepthwiseConvOp>(o);
    Func x = ctx.in(op.getInput()), w = ctx.in(op.getWeight());
    int taps = (int)op.getKernelSize();
    std::string nm = ctx.name();
    // The taps transposed to [K][C] once per call, so a vector of channels
    // loads one tap contiguously (the weight is stored [C, 1, K]).
    Func tapsByChannel(nm + "_taps_t");
    Var c("tc"), j("tj");
    tapsByChannel(c, j) = w(j, 0, c);
    ctx.addRoot(tapsByChannel);
    Expr init = 0.0f;
    if (op.getBias())
      init = ctx.in(op.getBias())(ctx.c);
    auto &st = ctx.addStage(std::make_unique<WindowStages>(op.getResult()));
    Func sum = windowSum(
        ctx, nm + "_conv", x, taps, (int)op.getFirstTapOffset(),
        [&](Expr cc, Expr tap) { return tapsByChannel(cc, tap); }, init, st);
    ctx.define(
        op.getResult(),
        ctx.def(nm + "_dwconv", [&](Expr cc, const std::vector<Expr> &t) {
          return sum(cc, t[0], t[1]);
        }));
    return mlir::success();
  }
};

} // namespace

void registerConvCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::DepthwiseConvOp::attachInterface<DepthwiseConvLowering>(*ctx);
  });
  registerWindowSchedule(nn::KernelClass::conv);
}

} // namespace modelc::codegen
