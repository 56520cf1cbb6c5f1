//===- Embedding.cpp - Halide lowering of embeddings and positions --------===//
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

struct EmbeddingLowering
    : HalideLoweringOpInterface::ExternalModel<EmbeddingLowering,
                                               nn::EmbeddingOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::EmbeddingOp>(o);
    Func table = ctx.in(op.getTable()), ids = ctx.in(op.getIds());
    int rows = (int)dimOf(op.getTable(), 0);
    // The runtime checks ids against the table (modelc_tensor_desc.limit);
    // the clamp keeps bounds inference inside the table.
    ctx.define(
        op.getResult(),
        ctx.def(ctx.name() + "_embed", [&](Expr c, const std::vector<Expr> &t) {
          return table(c, clamp(ids(t), 0, rows - 1));
        }));
    return mlir::success();
  }
};

struct AddPositionsLowering
    : HalideLoweringOpInterface::ExternalModel<AddPositionsLowering,
                                               nn::AddPositionsOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::AddPositionsOp>(o);
    Func x = ctx.in(op.getInput()), table = ctx.in(op.getTable());
    int rows = (int)dimOf(op.getTable(), 0);
    ctx.define(op.getResult(), ctx.def(ctx.name() + "_pos",
                                       [&](Expr c, const std::vector<Expr> &t) {
                                         return LoweringContext::at(x, c, t) +
                                                table(c, min(t[0], rows - 1));
                                       }));
    return mlir::success();
  }
};

} // namespace

void registerEmbeddingCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::EmbeddingOp::attachInterface<EmbeddingLowering>(*ctx);
    nn::AddPositionsOp::attachInterface<AddPositionsLowering>(*ctx);
  });
  // Its norm (BERT's embedding LayerNorm) makes it a row kernel.
  registerClassSchedule(nn::KernelClass::embedding, scheduleRowKernel);
}

} // namespace modelc::codegen
