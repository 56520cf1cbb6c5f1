//===- Structure.cpp - Halide lowering of LayerScale, DeepNorm, DWA -------===//
//
// Point-wise ops: they join the kernel of the GEMM or norm beside them (its
// epilogue or prologue) and have no schedule of their own.
//
//===----------------------------------------------------------------------===//
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "dialect/NNOps.h"

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

using Tokens = std::vector<Expr>;

struct ChannelScaleLowering
    : HalideLoweringOpInterface::ExternalModel<ChannelScaleLowering,
                                               nn::ChannelScaleOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::ChannelScaleOp>(o);
    Func x = ctx.in(op.getInput()), k = ctx.in(op.getScale());
    ctx.define(op.getResult(),
               ctx.def(ctx.name() + "_scale", [&](Expr c, const Tokens &t) {
                 return LoweringContext::at(x, c, t) * k(c);
               }));
    return mlir::success();
  }
};

struct ScaledAddLowering
    : HalideLoweringOpInterface::ExternalModel<ScaledAddLowering,
                                               nn::ScaledAddOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::ScaledAddOp>(o);
    Func x = ctx.in(op.getLhs()), y = ctx.in(op.getRhs());
    float alpha = op.getLhsScale().convertToFloat();
    ctx.define(
        op.getResult(),
        ctx.def(ctx.name() + "_scaled_add", [&](Expr c, const Tokens &t) {
          return alpha * LoweringContext::at(x, c, t) +
                 LoweringContext::at(y, c, t);
        }));
    return mlir::success();
  }
};

struct WeightedSumLowering
    : HalideLoweringOpInterface::ExternalModel<WeightedSumLowering,
                                               nn::WeightedSumOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::WeightedSumOp>(o);
    Func w = ctx.in(op.getWeights());
    auto shape = mlir::cast<mlir::RankedTensorType>(op.getWeights().getType())
                     .getShape();
    // Weight j of the row-major tensor, as w(innermost index, ...).
    auto weightAt = [&](int64_t j) {
      std::vector<Expr> idx;
      for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
        idx.push_back((int)(j % shape[d]));
        j /= shape[d];
      }
      return w(idx);
    };
    std::vector<Func> xs;
    for (mlir::Value in : op.getInputs())
      xs.push_back(ctx.in(in));
    ctx.define(op.getResult(),
               ctx.def(ctx.name() + "_dwa", [&](Expr c, const Tokens &t) {
                 Expr sum;
                 for (auto [j, x] : llvm::enumerate(xs)) {
                   Expr term =
                       weightAt((int64_t)j) * LoweringContext::at(x, c, t);
                   sum = j ? sum + term : term;
                 }
                 return sum;
               }));
    return mlir::success();
  }
};

} // namespace

void registerStructureCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::ChannelScaleOp::attachInterface<ChannelScaleLowering>(*ctx);
    nn::ScaledAddOp::attachInterface<ScaledAddLowering>(*ctx);
    nn::WeightedSumOp::attachInterface<WeightedSumLowering>(*ctx);
  });
}

} // namespace modelc::codegen
