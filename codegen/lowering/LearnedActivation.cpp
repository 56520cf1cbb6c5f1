//===- LearnedActivation.cpp - Halide lowering of rational, poly_* --------===//
//
// Inside a GEMM kernel these ops are either its epilogue (their result is
// the kernel's output: inlined into the output tile) or the prologue of the
// GEMM reading them (an internal value: computed once per call, at root,
// vectorized and in parallel, so the GEMM's inner loop reads it from a
// kernel-local buffer rather than recomputing it for every column panel).
//
//===----------------------------------------------------------------------===//
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "codegen/schedules/Rows.h"
#include "codegen/schedules/Schedule.h"
#include "dialect/NNOps.h"

#include <cstdlib>

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

using Tokens = std::vector<Expr>;

/// A prologue value computed at root with the element-wise schedule.
struct PrologueStages : OpStages {
  PrologueStages(mlir::Value value, Func f) : OpStages(value), f(f) {}
  Func f;
  void computeAtRoot(const LoweringContext &ctx) override {
    f.compute_root();
    scheduleElementwiseFunc(ctx, f, dimOf(value, 2));
  }
};

/// Defines `v` as `f`; a value the kernel does not return (the input of a
/// GEMM in the same kernel) is computed at root.
void defineActivation(LoweringContext &ctx, mlir::Value v, Func f) {
  ctx.define(v, f);
  bool returned = llvm::any_of(v.getUsers(), [](Operation *user) {
    return mlir::isa<nn::YieldOp>(user);
  });
  if (!returned)
    ctx.addStage(std::make_unique<PrologueStages>(v, f));
}

// P(x) / Q(|x|) per channel group, the coefficients read from the weights.
// When a group is whole vectors, the group of a vector is that of its first
// channel: the reads are scalar loads broadcast to the vector, not gathers.
// (A per-channel coefficient table computed at root would give dense loads,
// but Halide 14 then drops the guard of the GEMM's last, partial column
// panel: the output tile writes past the row.)
struct RationalLowering
    : HalideLoweringOpInterface::ExternalModel<RationalLowering,
                                               nn::RationalOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::RationalOp>(o);
    Func x = ctx.in(op.getInput()), a = ctx.in(op.getNumerator()),
         b = ctx.in(op.getDenominator());
    auto at = op.getNumerator().getType(), bt = op.getDenominator().getType();
    const int terms = (int)at.getDimSize(1), poles = (int)bt.getDimSize(1);
    const int groups = (int)bt.getDimSize(0);
    const int groupSize = (int)(dimOf(op.getInput(), 2) / groups);
    const bool shared = at.getDimSize(0) == 1;
    const int V = ctx.V;
    defineActivation(
        ctx, op.getResult(),
        ctx.def(ctx.name() + "_rational", [&](Expr cc, const Tokens &t) {
          Expr first = groupSize % V == 0 ? (cc / V) * V : cc;
          // Columns past the channels (a GEMM's padded panel) read the last
          // group.
          Expr g = min(first / groupSize, groups - 1), ga = shared ? 0 : g;
          Expr v = LoweringContext::at(x, cc, t), av = abs(v);
          Expr p = a(terms - 1, ga);
          for (int i = terms - 2; i >= 0; --i)
            p = p * v + a(i, ga);
          Expr q = abs(b(poles - 1, g));
          for (int i = poles - 2; i >= 0; --i)
            q = q * av + abs(b(i, g));
          Expr direct = p / (q * av + 1.0f);
          // |x| > 1: the same ratio in u = 1/x, P(x)/Q(|x|) =
          // x^n / |x|^m * P~(u) / Q~(|u|), so that x^5 never overflows (a
          // stream in the 1e8s gave inf / inf).
          Expr u = 1.0f / v, au = abs(u);
          Expr pr = a(0, ga);
          for (int i = 1; i < terms; ++i)
            pr = pr * u + a(i, ga);
          Expr qr = 1.0f;
          for (int i = 0; i < poles; ++i)
            qr = qr * au + abs(b(i, g));
          // x^n / |x|^m = sign^m x^(n-m) (n >= m), else sign^n |u|^(m-n).
          const int n = terms - 1, m = poles;
          Expr sign = select(v < 0.0f, -1.0f, 1.0f), scale = 1.0f;
          for (int k = 0; k < std::abs(n - m); ++k)
            scale = scale * (n >= m ? v : au);
          if ((n >= m ? m : n) % 2)
            scale = scale * sign;
          return select(av > 1.0f, scale * (pr / qr), direct);
        }));
    return mlir::success();
  }
};

/// w[0] y^r + ... + w[r-1] y + bias, by Horner.
Expr polynomial(const Func &w, const Func &bias, int r, Expr y) {
  Expr acc = w(0);
  for (int i = 1; i < r; ++i)
    acc = acc * y + w(i);
  return acc * y + bias(0);
}

struct PolyReluLowering
    : HalideLoweringOpInterface::ExternalModel<PolyReluLowering,
                                               nn::PolyReluOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::PolyReluOp>(o);
    Func x = ctx.in(op.getInput()), w = ctx.in(op.getWeight()),
         bias = ctx.in(op.getBias());
    int r = (int)dimOf(op.getWeight(), 0);
    defineActivation(
        ctx, op.getResult(),
        ctx.def(ctx.name() + "_poly_relu", [&](Expr cc, const Tokens &t) {
          return polynomial(w, bias, r,
                            max(LoweringContext::at(x, cc, t), 0.0f));
        }));
    return mlir::success();
  }
};

/// PolyNorm's row statistics and its result `f`, always computed at root
/// with the row schedule (the statistics inside each block of rows): as a
/// GEMM's prologue it is read by every column panel; as an output (-O0) it
/// is the kernel's only stage.
struct PolyNormStages : RowStages {
  using RowStages::RowStages;
  Func f;
  void computeAtRoot(const LoweringContext &ctx) override {
    f.compute_root();
    scheduleRowStageIn(ctx, f, dimOf(value, 2), *this);
  }
};

// One row statistic per power (the mean of x^(2k)), then the weighted sum
// of the normalized powers.
struct PolyNormLowering
    : HalideLoweringOpInterface::ExternalModel<PolyNormLowering,
                                               nn::PolyNormOp> {
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::PolyNormOp>(o);
    Func x = ctx.in(op.getInput()), w = ctx.in(op.getWeight()),
         bias = ctx.in(op.getBias());
    int r = (int)dimOf(op.getWeight(), 0);
    int64_t C = dimOf(op.getInput(), 2);
    float eps = op.getEpsilon().convertToFloat();
    std::string nm = ctx.name();
    auto power = [](Expr v, int k) {
      Expr p = v;
      for (int i = 1; i < k; ++i)
        p = p * v;
      return p;
    };
    auto &st = ctx.addStage(std::make_unique<PolyNormStages>(op.getResult()));
    std::vector<Func> rstd;
    for (int k = 1; k <= r; ++k) {
      Func sq = rowSum(
          ctx, nm + "_sumsq" + std::to_string(k), C,
          [&](Expr c, const Tokens &t) {
            Expr p = power(LoweringContext::at(x, c, t), k);
            return p * p;
          },
          st);
      Func s(nm + "_rstd" + std::to_string(k));
      s(ctx.tokenVars()) =
          1.0f / sqrt(sq(ctx.tokenArgs()) * (1.0f / (float)C) + eps);
      st.totals.push_back(s);
      rstd.push_back(s);
    }
    st.f = ctx.def(nm + "_poly_norm", [&](Expr cc, const Tokens &t) {
      Expr v = LoweringContext::at(x, cc, t), y = bias(0), p = v;
      for (int k = 1; k <= r; ++k) {
        y += w(r - k) * p * rstd[k - 1](t);
        p = p * v;
      }
      return y;
    });
    ctx.define(op.getResult(), st.f);
    return mlir::success();
  }
};

} // namespace

void registerLearnedActivationCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::RationalOp::attachInterface<RationalLowering>(*ctx);
    nn::PolyReluOp::attachInterface<PolyReluLowering>(*ctx);
    nn::PolyNormOp::attachInterface<PolyNormLowering>(*ctx);
  });
}

} // namespace modelc::codegen
