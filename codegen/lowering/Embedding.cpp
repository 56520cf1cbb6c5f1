//===- Embedding.cpp - Halide lowering of embeddings and positions --------===//
#include "codegen/Math.h"
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "codegen/schedules/Rows.h"
#include "codegen/schedules/Schedule.h"
#include "dialect/NNOps.h"

#include <algorithm>
#include <cmath>

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
    std::optional<float> scale;
    if (auto s = op.getScale())
      scale = s->convertToFloat();
    // The runtime checks ids against the table (modelc_tensor_desc.limit);
    // the clamp keeps bounds inference inside the table.
    ctx.define(
        op.getResult(),
        ctx.def(ctx.name() + "_embed", [&](Expr c, const std::vector<Expr> &t) {
          Expr row = table(c, clamp(ids(t), 0, rows - 1));
          return scale ? row * *scale : row;
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

struct AddSinusoidalLowering
    : HalideLoweringOpInterface::ExternalModel<AddSinusoidalLowering,
                                               nn::AddSinusoidalOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::AddSinusoidalOp>(o);
    Func x = ctx.in(op.getInput());
    int C = (int)dimOf(op.getInput(), 2), half = C / 2;
    bool concat = op.getLayout() == nn::SinusoidalLayout::concat;
    std::string nm = ctx.name();
    // One sine and one cosine per frequency and position, per call.
    std::vector<double> freq;
    for (int i = 0; i < half; ++i)
      freq.push_back(
          concat ? std::exp(-i * std::log(10000.0) / std::max(half - 1, 1))
                 : std::pow(10000.0, -2.0 * i / C));
    AngleTables tables = angleTables(nm, freq);
    Func sinT = tables.sin, cosT = tables.cos;
    ctx.addRoot(sinT);
    ctx.addRoot(cosT);
    ctx.define(
        op.getResult(),
        ctx.def(nm + "_sinusoidal", [&](Expr c, const std::vector<Expr> &t) {
          Expr freq = concat ? c % half : c / 2;
          Expr isCos = concat ? c >= half : (c % 2) == 1;
          Expr pe = select(isCos, cosT(freq, t[0]), sinT(freq, t[0]));
          return LoweringContext::at(x, c, t) + pe;
        }));
    return mlir::success();
  }
};

} // namespace

void registerEmbeddingCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::EmbeddingOp::attachInterface<EmbeddingLowering>(*ctx);
    nn::AddPositionsOp::attachInterface<AddPositionsLowering>(*ctx);
    nn::AddSinusoidalOp::attachInterface<AddSinusoidalLowering>(*ctx);
  });
  // Its norm (BERT's embedding LayerNorm) makes it a row kernel.
  registerClassSchedule(nn::KernelClass::embedding, scheduleRowKernel);
}

} // namespace modelc::codegen
