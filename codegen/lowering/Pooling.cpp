//===- Pooling.cpp - Halide lowering of PoolFormer's pooling mixer --------===//
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

struct PoolingLowering
    : HalideLoweringOpInterface::ExternalModel<PoolingLowering, nn::PoolingOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::PoolingOp>(o);
    Func x = ctx.in(op.getInput());
    int size = (int)op.getPoolSize(), half = size / 2;
    std::string nm = ctx.name();
    auto &w = ctx.addStage(std::make_unique<WindowStages>(op.getResult()));
    if (std::optional<llvm::ArrayRef<int64_t>> grid = op.getGrid()) {
      // PoolFormer's AvgPool2d: the grid neighbours inside the grid.
      int rows = (int)(*grid)[0], cols = (int)(*grid)[1];
      Func sum = gridWindowSum(ctx, nm + "_window", x, size, rows, cols,
                               nullptr, 0.0f, w);
      auto extent = [&](Expr i, int n) {
        return min(i + half, n - 1) - max(i - half, 0) + 1;
      };
      ctx.define(
          op.getResult(),
          ctx.def(nm + "_pooling", [&](Expr c, const std::vector<Expr> &t) {
            Expr count = extent(t[0] / cols, rows) * extent(t[0] % cols, cols);
            return sum(c, t[0], t[1]) / cast<float>(count) - x(c, t[0], t[1]);
          }));
      return mlir::success();
    }
    Func sum = windowSum(ctx, nm + "_window", x, size, half, nullptr, 0.0f, w);
    Expr S = ctx.seqLen;
    ctx.define(
        op.getResult(),
        ctx.def(nm + "_pooling", [&](Expr c, const std::vector<Expr> &t) {
          // count_include_pad = False: divide by the taps inside.
          Expr s = t[0];
          Expr count = min(s + half, S - 1) - max(s - half, 0) + 1;
          return sum(c, s, t[1]) / cast<float>(count) - x(c, s, t[1]);
        }));
    return mlir::success();
  }
};

} // namespace

void registerPoolingCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::PoolingOp::attachInterface<PoolingLowering>(*ctx);
  });
  registerWindowSchedule(nn::KernelClass::pooling);
}

} // namespace modelc::codegen
