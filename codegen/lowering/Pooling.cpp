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

/// PoolFormer's AvgPool2d on a rows x cols grid of tokens (row by row): the
/// sum over the size x size neighbours inside the grid, recorded in `w`,
/// and their count.
std::pair<Func, Expr> gridWindowSum(const LoweringContext &ctx,
                                    const std::string &name, Func x, int size,
                                    int rows, int cols, WindowStages &w) {
  const Var &c = ctx.c, &s = ctx.s, &b = ctx.b;
  int half = size / 2;
  w.tapCount = size;
  w.taps = RDom(0, size, 0, size, name + "_taps");
  Expr row = s / cols, col = s % cols;
  Expr r = row - half + w.taps.y, q = col - half + w.taps.x;
  Expr inside = r >= 0 && r < rows && q >= 0 && q < cols;
  w.sum = Func(name);
  w.sum(c, s, b) = 0.0f;
  w.sum(c, s, b) += select(inside, x(c, r * cols + q, b), 0.0f);
  auto extent = [&](Expr i, int n) {
    return min(i + half, n - 1) - max(i - half, 0) + 1;
  };
  return {w.sum, extent(row, rows) * extent(col, cols)};
}

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
      auto [sum, count] = gridWindowSum(ctx, nm + "_window", x, size,
                                        (int)(*grid)[0], (int)(*grid)[1], w);
      ctx.define(
          op.getResult(),
          ctx.def(nm + "_pooling", [&, sum = sum, count = count](
                                       Expr c, const std::vector<Expr> &t) {
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
