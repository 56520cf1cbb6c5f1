//===- Vision.cpp - Halide lowering of the vision ops ---------------------===//
#include "codegen/schedules/Vision.h"
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "dialect/NNOps.h"

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

struct PatchEmbedLowering
    : HalideLoweringOpInterface::ExternalModel<PatchEmbedLowering,
                                               nn::PatchEmbedOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::PatchEmbedOp>(o);
    // image(x, y, channel, b); weight(column, row, channel, d) as stored
    // ([D, C, P, P], innermost first).
    Func image = ctx.in(op.getImage()), w = ctx.in(op.getWeight());
    int P = (int)op.getPatch(), C = (int)dimOf(op.getImage(), 1);
    int step = (int)op.getStep(), border = (int)op.getBorder();
    int H = (int)dimOf(op.getImage(), 2), W = (int)dimOf(op.getImage(), 3);
    int gridW = (int)op.getGridWidth();
    int patches = gridW * (int)op.getGridHeight();
    int T = (int)op.getTokens(), prefix = (int)op.getPrefixTokens();
    const Var &c = ctx.c, &s = ctx.s, &b = ctx.b;
    std::string nm = ctx.name();
    auto &st = ctx.addStage(std::make_unique<PatchEmbedStages>(op.getResult()));
    // The patch of token s (a prefix token reads patch 0 and drops it).
    Expr p = clamp(s - prefix, 0, patches - 1);
    Expr px = p % gridW, py = p / gridW;
    st.r = RDom(0, P, 0, C, nm + "_r");
    const RDom &r = st.r;
    int D = (int)dimOf(op.getResult(), 2);
    st.partial = Func(nm + "_partial");
    st.partial(st.lane, c, s, b) = 0.0f;
    // c is clamped: the schedule computes whole tiles of channels.
    // The pixel of patch column `lane`, row r.x; zero in the padding.
    Expr ix = px * step - border + st.lane, iy = py * step - border + r.x;
    Expr pixel = image(ix, iy, r.y, b);
    if (border > 0)
      pixel =
          select(ix >= 0 && ix < W && iy >= 0 && iy < H,
                 image(clamp(ix, 0, W - 1), clamp(iy, 0, H - 1), r.y, b), 0.0f);
    st.partial(st.lane, c, s, b) += w(st.lane, r.x, r.y, min(c, D - 1)) * pixel;
    RDom lanes(0, P, nm + "_lanes");
    st.dot = Func(nm + "_dot");
    st.dot(c, s, b) = op.getBias() ? ctx.in(op.getBias())(c) : Expr(0.0f);
    st.dot(c, s, b) += st.partial(lanes.x, c, s, b);
    Func cls = op.getCls() ? ctx.in(op.getCls()) : Func();
    Func pos = op.getPositions() ? ctx.in(op.getPositions()) : Func();
    ctx.define(op.getResult(),
               ctx.def(nm + "_patch", [&](Expr cc, const std::vector<Expr> &t) {
                 Expr v = st.dot(cc, t[0], t[1]);
                 if (cls.defined())
                   v = select(t[0] < prefix,
                              cls(cc, clamp(t[0], 0, prefix - 1), 0), v);
                 if (pos.defined())
                   v += pos(cc, clamp(t[0], 0, T - 1), 0);
                 return v;
               }));
    return mlir::success();
  }
};

struct GridPatchesLowering
    : HalideLoweringOpInterface::ExternalModel<GridPatchesLowering,
                                               nn::GridPatchesOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::GridPatchesOp>(o);
    Func x = ctx.in(op.getInput());
    int rows = (int)op.getGrid()[0], cols = (int)op.getGrid()[1];
    int k = (int)op.getKernel(), step = (int)op.getStride();
    int border = (int)op.getPadding(), outCols = (int)op.getOutCols();
    ctx.define(
        op.getResult(),
        ctx.def(ctx.name() + "_patches", [&](Expr f,
                                             const std::vector<Expr> &t) {
          // Feature f = (ci * k + i) * k + j of output token t[0].
          Expr ci = f / (k * k), i = f / k % k, j = f % k;
          Expr y = t[0] / outCols * step - border + i;
          Expr xx = t[0] % outCols * step - border + j;
          Expr token = clamp(y, 0, rows - 1) * cols + clamp(xx, 0, cols - 1);
          return select(y >= 0 && y < rows && xx >= 0 && xx < cols,
                        x(ci, token, t[1]), 0.0f);
        }));
    return mlir::success();
  }
};

struct TokenPoolLowering
    : HalideLoweringOpInterface::ExternalModel<TokenPoolLowering,
                                               nn::TokenPoolOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::TokenPoolOp>(o);
    Func x = ctx.in(op.getInput());
    std::string nm = ctx.name();
    if (op.getMode() == nn::TokenPoolMode::first) {
      int start = (int)op.getStart();
      ctx.define(
          op.getResult(),
          ctx.def(nm + "_first", [&](Expr c, const std::vector<Expr> &t) {
            return x(c, start, t[1]);
          }));
      return mlir::success();
    }
    const Var &c = ctx.c, &s = ctx.s, &b = ctx.b;
    Expr start = (int)op.getStart(), count = ctx.seqLen - start;
    auto &st = ctx.addStage(std::make_unique<TokenPoolStages>(op.getResult()));
    RDom r(start, count, nm + "_tokens");
    st.sum = Func(nm + "_sum");
    st.sum(c, s, b) = 0.0f;
    st.sum(c, s, b) += x(c, r.x, b);
    ctx.define(op.getResult(),
               ctx.def(nm + "_mean", [&](Expr cc, const std::vector<Expr> &t) {
                 return st.sum(cc, t[0], t[1]) / cast<float>(count);
               }));
    return mlir::success();
  }
};

} // namespace

void registerVisionCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::PatchEmbedOp::attachInterface<PatchEmbedLowering>(*ctx);
    nn::TokenPoolOp::attachInterface<TokenPoolLowering>(*ctx);
    nn::GridPatchesOp::attachInterface<GridPatchesLowering>(*ctx);
  });
  registerVisionSchedules();
}

} // namespace modelc::codegen
