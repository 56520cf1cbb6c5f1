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
    Expr init = 0.0f;
    if (op.getBias())
      init = ctx.in(op.getBias())(ctx.c);
    auto &st = ctx.addStage(std::make_unique<WindowStages>(op.getResult()));
    // The taps transposed to channels innermost once per call, so a vector
    // of channels loads one tap contiguously (the weight is stored
    // [C, 1, K] or [C, 1, K, K]).
    Func tapsByChannel(nm + "_taps_t");
    Var c("tc"), i("ti"), j("tj");
    Func sum;
    if (std::optional<llvm::ArrayRef<int64_t>> grid = op.getGrid()) {
      tapsByChannel(c, i, j) = w(j, i, 0, c);
      sum = gridWindowSum(
          ctx, nm + "_conv", x, taps, (int)(*grid)[0], (int)(*grid)[1],
          [&](Expr cc, Expr ti, Expr tj) { return tapsByChannel(cc, ti, tj); },
          init, st);
    } else {
      tapsByChannel(c, j) = w(j, 0, c);
      sum = windowSum(
          ctx, nm + "_conv", x, taps, (int)op.getFirstTapOffset(),
          [&](Expr cc, Expr tap) { return tapsByChannel(cc, tap); }, init, st);
    }
    ctx.addRoot(tapsByChannel);
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
