//===- Linear.cpp - Halide lowering of the gemm class ---------------------===//
//
// nn.linear, nn.lora_linear (a low-rank term in the same accumulator),
// nn.gated_linear (a GLU's gate and up panels in one accumulator), and
// nn.int8_linear, nn.int8_gated_linear and nn.int8_lora_linear (int8
// weights widened to f32 in registers).
//
//===----------------------------------------------------------------------===//
#include "codegen/Math.h"
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "codegen/schedules/Gemm.h"
#include "dialect/NNOps.h"

#include <functional>

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

/// The low-rank term of nn.lora_linear: + scale * sum_j xa(j) B[j][n].
struct LowRank {
  mlir::Value input, weight;
  float scale;
};

/// W[k][n] in f32 from the stored element `q` (gemmWeightAt): an f32 weight
/// as it is; an int8 one widened, times its group's scale when each column
/// has several (one scale per column multiplies the sum instead).
using WeightWiden = std::function<Expr(Expr q, Expr n, Expr k)>;

/// The stage of a GEMM-class op with `N` accumulator columns: acc = init +
/// x W (+ the low-rank term, a second update of the same accumulator: added
/// inside the output tile, while it is in registers).
GemmStages &addGemm(Operation *o, LoweringContext &ctx, mlir::Value x,
                    mlir::Value weight, const KernelArg &w, int N, Expr init,
                    const KernelArg *lowRankArg = nullptr,
                    std::optional<LowRank> lowRank = std::nullopt,
                    const WeightWiden &widen = nullptr) {
  std::string nm = ctx.name();
  auto &g = ctx.addStage(std::make_unique<GemmStages>(o->getResult(0)));
  g.K = (int)dimOf(weight, 0);
  g.N = N;
  g.outN = N;
  g.acc = Func(nm + "_acc");
  g.rk = RDom(0, g.K, nm + "_k");
  g.acc(ctx.actVars()) = init;
  std::vector<Expr> t = ctx.tokenArgs();
  std::vector<Expr> lhs{ctx.c};
  lhs.insert(lhs.end(), t.begin(), t.end());
  Expr wk = gemmWeightAt(ctx.in(weight), ctx.c, g.rk.x, w.layout);
  if (widen)
    wk = widen(wk, ctx.c, g.rk.x);
  g.acc(lhs) += LoweringContext::at(ctx.in(x), g.rk.x, t) * wk;
  if (lowRank) {
    g.rank = (int)dimOf(lowRank->weight, 0);
    g.rl = RDom(0, g.rank, nm + "_r");
    Expr term = LoweringContext::at(ctx.in(lowRank->input), g.rl.x, t) *
                gemmWeightAt(ctx.in(lowRank->weight), ctx.c, g.rl.x,
                             lowRankArg->layout);
    // The frontend folds LoRA's scale into B: then one FMA per element.
    g.acc(lhs) += lowRank->scale == 1.0f ? term : lowRank->scale * term;
  }
  return g;
}

/// acc = bias + x W (+ the low-rank term) of nn.linear, nn.lora_linear or
/// (with `widen`: an int8 weight) nn.int8_lora_linear, its result defined as
/// acc.
LogicalResult lowerGemm(Operation *o, LoweringContext &ctx, mlir::Value x,
                        mlir::Value weight, mlir::Value bias,
                        std::optional<LowRank> lowRank = std::nullopt,
                        const WeightWiden &widen = nullptr) {
  const KernelArg *w = ctx.argOf(weight);
  const KernelArg *b = lowRank ? ctx.argOf(lowRank->weight) : nullptr;
  if (!w || !w->gemm || w->int8 != (bool)widen || (lowRank && (!b || !b->gemm)))
    return ctx.fail(o, o->getName().getStringRef() +
                           " weights must be kernel arguments of their "
                           "element type");
  int N = (int)dimOf(weight, 1);
  Expr init = bias ? gemmBiasAt(ctx.in(bias), ctx.c, N) : Expr(0.0f);
  Func acc = addGemm(o, ctx, x, weight, *w, N, init, b, lowRank, widen).acc;
  ctx.define(o->getResult(0), ctx.def(ctx.name() + "_linear",
                                      [&](Expr c, const std::vector<Expr> &tt) {
                                        return LoweringContext::at(acc, c, tt);
                                      }));
  return mlir::success();
}

struct LinearLowering
    : HalideLoweringOpInterface::ExternalModel<LinearLowering, nn::LinearOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::LinearOp>(o);
    return lowerGemm(o, ctx, op.getInput(), op.getWeight(), op.getBias());
  }
};

struct LoraLinearLowering
    : HalideLoweringOpInterface::ExternalModel<LoraLinearLowering,
                                               nn::LoraLinearOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::LoraLinearOp>(o);
    return lowerGemm(o, ctx, op.getInput(), op.getWeight(), op.getBias(),
                     LowRank{op.getLowRankInput(), op.getLowRankWeight(),
                             op.getScale().convertToFloat()});
  }
};

// Weight-only int8: the GEMM of nn.linear over the int8 weight widened to
// f32 in registers. With one scale per column, acc sums x float(q) and the
// result is acc s + b (one multiply per output, not per weight).
struct Int8LinearLowering
    : HalideLoweringOpInterface::ExternalModel<Int8LinearLowering,
                                               nn::Int8LinearOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::Int8LinearOp>(o);
    const KernelArg *w = ctx.argOf(op.getWeight());
    if (!w || !w->gemm || !w->int8)
      return ctx.fail(o, "nn.int8_linear weight must be an int8 kernel "
                         "argument");
    const int N = (int)dimOf(op.getWeight(), 1);
    const int group = (int)op.getGroup();
    const bool perColumn = group == (int)dimOf(op.getWeight(), 0);
    Func scales = ctx.in(op.getScales()); // scales(n, group index)
    Expr init = 0.0f;
    if (!perColumn && op.getBias())
      init = gemmBiasAt(ctx.in(op.getBias()), ctx.c, N);
    WeightWiden widen = [&](Expr q, Expr n, Expr k) {
      Expr f = cast<float>(q);
      return perColumn ? f : f * scales(min(n, N - 1), k / group);
    };
    Func acc = addGemm(o, ctx, op.getInput(), op.getWeight(), *w, N, init,
                       nullptr, std::nullopt, widen)
                   .acc;
    Func bias = op.getBias() ? ctx.in(op.getBias()) : Func();
    ctx.define(
        o->getResult(0),
        ctx.def(ctx.name() + "_int8", [&](Expr c, const std::vector<Expr> &tt) {
          Expr sum = LoweringContext::at(acc, c, tt);
          if (!perColumn)
            return sum;
          Expr y = sum * scales(c, 0);
          return bias.defined() ? y + bias(c) : y;
        }));
    return mlir::success();
  }
};

// nn.int8_lora_linear: the shared int8 weight widened and scaled inside
// the sum (the low-rank term shares the accumulator, so the sum cannot take
// one scale per column afterwards), the f32 low-rank term added in the tile.
struct Int8LoraLinearLowering
    : HalideLoweringOpInterface::ExternalModel<Int8LoraLinearLowering,
                                               nn::Int8LoraLinearOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::Int8LoraLinearOp>(o);
    const int N = (int)dimOf(op.getWeight(), 1), group = (int)op.getGroup();
    Func scales = ctx.in(op.getScales()); // scales(n, group index)
    WeightWiden widen = [&](Expr q, Expr n, Expr k) {
      return cast<float>(q) * scales(min(n, N - 1), k / group);
    };
    return lowerGemm(o, ctx, op.getInput(), op.getWeight(), op.getBias(),
                     LowRank{op.getLowRankInput(), op.getLowRankWeight(),
                             op.getScale().convertToFloat()},
                     widen);
  }
};

/// The [gate | up] column (gate j, or up j + H) of packed column q of a gated
/// layout with panel width P: panel q / P is gate (even) or up (odd) of pair
/// q / 2P, lane q % P (clamped into the half for the padding lanes).
Expr gatedColumn(Expr q, int P, int H) {
  Expr j = min((q / (2 * P)) * P + q % P, H - 1);
  return select(q % (2 * P) < P, j, j + H);
}

// act(gate) * up from one accumulator over the packed columns: output
// column c of tile c / P reads gate column q = (c / P) 2P + c % P and up
// column q + P, both in the tile's registers.
struct GatedLinearLowering
    : HalideLoweringOpInterface::ExternalModel<GatedLinearLowering,
                                               nn::GatedLinearOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::GatedLinearOp>(o);
    const KernelArg *w = ctx.argOf(op.getWeight());
    if (!w || !w->gemm || !w->layout.gatedHalf || !w->layout.panelWidth)
      return ctx.fail(o, "nn.gated_linear weight must be a kernel argument");
    const int P = w->layout.panelWidth, H = (int)op.getHidden();
    Expr init = 0.0f;
    if (op.getBias())
      init = ctx.in(op.getBias())(gatedColumn(ctx.c, P, H));
    auto &g = addGemm(o, ctx, op.getInput(), op.getWeight(), *w,
                      gemmPanels(w->layout, 2 * H) * P, init);
    g.outN = H;
    g.gatedPanel = P;
    Func acc = g.acc;
    nn::Activation kind = op.getActivation();
    ctx.define(op.getResult(),
               ctx.def(ctx.name() + "_gated", [&](Expr c,
                                                  const std::vector<Expr> &tt) {
                 Expr gate = (c / P) * (2 * P) + c % P;
                 return activation(kind, LoweringContext::at(acc, gate, tt)) *
                        LoweringContext::at(acc, gate + P, tt);
               }));
    return mlir::success();
  }
};

// nn.int8_gated_linear: the gated GEMM over the int8 [gate | up] panels
// (gatedColumn maps a packed column back); with one scale per column, gate
// and up are scaled (and biased) after the sum, in the epilogue.
struct Int8GatedLinearLowering
    : HalideLoweringOpInterface::ExternalModel<Int8GatedLinearLowering,
                                               nn::Int8GatedLinearOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::Int8GatedLinearOp>(o);
    const KernelArg *w = ctx.argOf(op.getWeight());
    if (!w || !w->gemm || !w->int8 || !w->layout.gatedHalf ||
        !w->layout.panelWidth)
      return ctx.fail(o, "nn.int8_gated_linear weight must be an int8 kernel "
                         "argument");
    const int P = w->layout.panelWidth, H = (int)op.getHidden();
    const int group = (int)op.getGroup();
    const bool perColumn = group == (int)dimOf(op.getWeight(), 0);
    Func scales = ctx.in(op.getScales()); // scales(column, group index)
    Func bias = op.getBias() ? ctx.in(op.getBias()) : Func();
    Expr init = 0.0f;
    if (!perColumn && bias.defined())
      init = bias(gatedColumn(ctx.c, P, H));
    WeightWiden widen = [&](Expr q, Expr n, Expr k) {
      Expr f = cast<float>(q);
      return perColumn ? f : f * scales(gatedColumn(n, P, H), k / group);
    };
    auto &g = addGemm(o, ctx, op.getInput(), op.getWeight(), *w,
                      gemmPanels(w->layout, 2 * H) * P, init, nullptr,
                      std::nullopt, widen);
    g.outN = H;
    g.gatedPanel = P;
    Func acc = g.acc;
    nn::Activation kind = op.getActivation();
    ctx.define(op.getResult(),
               ctx.def(ctx.name() + "_int8_gated",
                       [&](Expr c, const std::vector<Expr> &tt) {
                         Expr q = (c / P) * (2 * P) + c % P;
                         Expr gate = LoweringContext::at(acc, q, tt);
                         Expr up = LoweringContext::at(acc, q + P, tt);
                         if (perColumn) {
                           gate = gate * scales(c, 0);
                           up = up * scales(c + H, 0);
                           if (bias.defined()) {
                             gate = gate + bias(c);
                             up = up + bias(c + H);
                           }
                         }
                         return activation(kind, gate) * up;
                       }));
    return mlir::success();
  }
};

} // namespace

void registerLinearCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::LinearOp::attachInterface<LinearLowering>(*ctx);
    nn::LoraLinearOp::attachInterface<LoraLinearLowering>(*ctx);
    nn::GatedLinearOp::attachInterface<GatedLinearLowering>(*ctx);
    nn::Int8LinearOp::attachInterface<Int8LinearLowering>(*ctx);
    nn::Int8LoraLinearOp::attachInterface<Int8LoraLinearLowering>(*ctx);
    nn::Int8GatedLinearOp::attachInterface<Int8GatedLinearLowering>(*ctx);
  });
  registerGemmSchedule();
}

} // namespace modelc::codegen
