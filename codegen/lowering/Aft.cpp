//===- Aft.cpp - Halide lowering of AFT-simple ----------------------------===//
#include "codegen/schedules/Aft.h"
#include "codegen/Math.h"
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "dialect/NNOps.h"

#include <limits>

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

struct AftLowering
    : HalideLoweringOpInterface::ExternalModel<AftLowering, nn::AftOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::AftOp>(o);
    Func q = ctx.in(op.getQuery()), k = ctx.in(op.getKey()),
         v = ctx.in(op.getValue());
    const Var &c = ctx.c, &s = ctx.s, &b = ctx.b;
    std::string nm = ctx.name();
    auto &A = ctx.addStage(std::make_unique<AftStages>(op.getResult()));
    bool causal = A.causal = op.getCausal();
    A.tokens = RDom(0, ctx.seqLen, nm + "_t");
    Expr t = A.tokens.x;
    // No key yet: the lowest float, whose rescale factor against any key
    // underflows to ~0 (and multiplies empty sums).
    Expr lowest = -std::numeric_limits<float>::max();
    Func m(nm + "_max"), e(nm + "_rescale"), sums(nm + "_sums");
    // mPrev(s): the maximum the sums are scaled to before token s is added.
    std::function<Expr(Expr)> mPrev;
    if (causal) {
      m(c, s, b) = lowest;
      m(c, t, b) = max(m(c, t - 1, b), k(c, t, b));
      mPrev = [&](Expr at) { return m(c, at - 1, b); };
    } else {
      m(c, b) = lowest;
      m(c, b) = max(m(c, b), k(c, t, b));
      mPrev = [&](Expr) { return m(c, b); };
    }
    // Causal: token s either raises the maximum (the sums so far shrink by
    // exp(m - k), it adds 1) or not (it adds exp(k - m)): one exp serves
    // both cases. Otherwise every token adds exp(k - max) <= 1.
    e(c, s, b) = expf32(-abs(k(c, s, b) - mPrev(s)));
    if (causal) {
      Expr raises = k(c, t, b) > mPrev(t);
      Expr old = select(raises, e(c, t, b), 1.0f);
      Expr add = select(raises, 1.0f, e(c, t, b));
      sums(c, s, b) = Tuple(0.0f, 0.0f);
      sums(c, t, b) = Tuple(sums(c, t - 1, b)[0] * old + v(c, t, b) * add,
                            sums(c, t - 1, b)[1] * old + add);
    } else {
      sums(c, b) = Tuple(0.0f, 0.0f);
      sums(c, b) = Tuple(sums(c, b)[0] + v(c, t, b) * e(c, t, b),
                         sums(c, b)[1] + e(c, t, b));
    }
    A.maxKey = m;
    A.rescale = e;
    A.sums = sums;
    ctx.define(op.getResult(),
               ctx.def(nm + "_aft", [&](Expr cc, const std::vector<Expr> &tk) {
                 Tuple at = causal ? sums(cc, tk[0], tk[1]) : sums(cc, tk[1]);
                 return sigmoidf32(q(cc, tk[0], tk[1])) * (at[0] / at[1]);
               }));
    return mlir::success();
  }
};

} // namespace

void registerAftCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::AftOp::attachInterface<AftLowering>(*ctx);
  });
  registerAftSchedule();
}

} // namespace modelc::codegen
