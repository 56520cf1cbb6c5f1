//===- Elementwise.cpp - Halide lowering of add, mul, activation, slice ---===//
#include "codegen/Math.h"
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "dialect/NNOps.h"

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

template <typename Op, typename Combine>
LogicalResult lowerBinary(Op op, LoweringContext &ctx, const char *what,
                          Combine combine) {
  Func x = ctx.in(op.getLhs()), y = ctx.in(op.getRhs());
  ctx.define(
      op.getResult(),
      ctx.def(ctx.name() + what, [&](Expr c, const std::vector<Expr> &t) {
        return combine(LoweringContext::at(x, c, t),
                       LoweringContext::at(y, c, t));
      }));
  return mlir::success();
}

struct AddLowering
    : HalideLoweringOpInterface::ExternalModel<AddLowering, nn::AddOp> {
  LogicalResult lowerToHalide(Operation *op, LoweringContext &ctx) const {
    return lowerBinary(mlir::cast<nn::AddOp>(op), ctx, "_add",
                       [](Expr a, Expr b) { return a + b; });
  }
};

struct MulLowering
    : HalideLoweringOpInterface::ExternalModel<MulLowering, nn::MulOp> {
  LogicalResult lowerToHalide(Operation *op, LoweringContext &ctx) const {
    return lowerBinary(mlir::cast<nn::MulOp>(op), ctx, "_mul",
                       [](Expr a, Expr b) { return a * b; });
  }
};

struct ActivationLowering
    : HalideLoweringOpInterface::ExternalModel<ActivationLowering,
                                               nn::ActivationOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::ActivationOp>(o);
    Func x = ctx.in(op.getInput());
    nn::Activation kind = op.getKind();
    ctx.define(op.getResult(),
               ctx.def(ctx.name() + "_" + nn::stringifyActivation(kind).str(),
                       [&](Expr c, const std::vector<Expr> &t) {
                         return activation(kind, LoweringContext::at(x, c, t));
                       }));
    return mlir::success();
  }
};

struct SliceLowering
    : HalideLoweringOpInterface::ExternalModel<SliceLowering, nn::SliceOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::SliceOp>(o);
    Func x = ctx.in(op.getInput());
    int offset = (int)op.getOffset();
    ctx.defineView(op.getResult(),
                   ctx.def(ctx.name() + "_slice",
                           [&](Expr c, const std::vector<Expr> &t) {
                             return LoweringContext::at(x, c + offset, t);
                           }),
                   op.getInput());
    return mlir::success();
  }
};

} // namespace

void registerElementwiseCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::AddOp::attachInterface<AddLowering>(*ctx);
    nn::MulOp::attachInterface<MulLowering>(*ctx);
    nn::ActivationOp::attachInterface<ActivationLowering>(*ctx);
    nn::SliceOp::attachInterface<SliceLowering>(*ctx);
  });
}

} // namespace modelc::codegen
