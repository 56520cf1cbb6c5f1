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

/// Two states (m, n, d), each with its sums scaled to its own maximum m,
/// merged and scaled to the larger maximum.
Tuple merge(Expr m1, Expr n1, Expr d1, Expr m2, Expr n2, Expr d2) {
  Expr m = max(m1, m2);
  Expr a = expf32(m1 - m), b = expf32(m2 - m);
  return Tuple(m, n1 * a + n2 * b, d1 * a + d2 * b);
}

struct AftLowering
    : HalideLoweringOpInterface::ExternalModel<AftLowering, nn::AftOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::AftOp>(o);
    Func q = ctx.in(op.getQuery()), k = ctx.in(op.getKey()),
         v = ctx.in(op.getValue());
    const Var &c = ctx.c, &s = ctx.s, &b = ctx.b;
    const int T = kAftChunk;
    Expr S = ctx.seqLen, chunkCount = (S + T - 1) / T;
    std::string nm = ctx.name();
    auto &A = ctx.addStage(std::make_unique<AftStages>(op.getResult()));
    A.causal = op.getCausal();
    const Var &j = A.j, &t = A.t;
    // No key yet: the lowest float (its factor against any key underflows
    // to ~0 and multiplies empty sums).
    Expr lowest = -std::numeric_limits<float>::max();

    // 1. Each chunk alone. Reads past the sequence are clamped to its last
    // token (harmless in a maximum) and weigh nothing in the sums.
    A.chunkTokens = RDom(0, T, nm + "_ct");
    Expr ct = A.chunkTokens.x, at = j * T + ct;
    A.chunkMax = Func(nm + "_chunk_max");
    A.chunkMax(c, j, b) = lowest;
    A.chunkMax(c, j, b) = max(A.chunkMax(c, j, b), k(c, at, b));
    A.chunkExp = Func(nm + "_chunk_exp");
    A.chunkExp(c, s, b) = expf32(k(c, s, b) - A.chunkMax(c, s / T, b));
    A.chunkSums = Func(nm + "_chunk_sums");
    Expr w = select(at < S, A.chunkExp(c, at, b), 0.0f);
    A.chunkSums(c, j, b) = Tuple(0.0f, 0.0f);
    A.chunkSums(c, j, b) = Tuple(A.chunkSums(c, j, b)[0] + w * v(c, at, b),
                                 A.chunkSums(c, j, b)[1] + w);
    A.chunkState = Func(nm + "_chunk");
    A.chunkState(c, j, b) = Tuple(A.chunkMax(c, j, b), A.chunkSums(c, j, b)[0],
                                  A.chunkSums(c, j, b)[1]);

    // 2. The state before each chunk.
    A.chunks = RDom(1, chunkCount, nm + "_chunks");
    Expr jr = A.chunks.x;
    A.carry = Func(nm + "_carry");
    A.carry(c, j, b) = Tuple(lowest, 0.0f, 0.0f);
    Tuple before = A.carry(c, jr - 1, b), chunk = A.chunkState(c, jr - 1, b);
    A.carry(c, jr, b) =
        merge(before[0], before[1], before[2], chunk[0], chunk[1], chunk[2]);

    std::function<Tuple(Expr, Expr, Expr)> state; // (n, d) of (c, s, b)
    if (!A.causal) {
      Func carry = A.carry;
      state = [carry, chunkCount](Expr cc, Expr, Expr bb) {
        Tuple end = carry(cc, chunkCount, bb);
        return Tuple(end[1], end[2]);
      };
    } else {
      // 3. Each chunk's tokens from the state before it; t = -1 is that
      // state.
      A.steps = RDom(0, T, nm + "_steps");
      Expr st = A.steps.x, tok = j * T + st;
      A.runMax = Func(nm + "_run_max");
      A.runMax(c, t, j, b) = A.carry(c, j, b)[0];
      A.runMax(c, st, j, b) = max(A.runMax(c, st - 1, j, b), k(c, tok, b));
      // Token t raises the maximum (the sums so far shrink by exp(m - k),
      // it adds 1) or not (it adds exp(k - m)): one exp serves both.
      A.runRescale = Func(nm + "_run_rescale");
      A.runRescale(c, t, j, b) =
          expf32(-abs(k(c, j * T + t, b) - A.runMax(c, t - 1, j, b)));
      Expr raises = k(c, tok, b) > A.runMax(c, st - 1, j, b);
      Expr e = A.runRescale(c, st, j, b);
      Expr old = select(raises, e, 1.0f), add = select(raises, 1.0f, e);
      A.runSums = Func(nm + "_run_sums");
      A.runSums(c, t, j, b) = Tuple(A.carry(c, j, b)[1], A.carry(c, j, b)[2]);
      Tuple prev = A.runSums(c, st - 1, j, b);
      A.runSums(c, st, j, b) =
          Tuple(prev[0] * old + v(c, tok, b) * add, prev[1] * old + add);
      Func run = A.runSums;
      state = [run, T](Expr cc, Expr ss, Expr bb) {
        return run(cc, ss % T, ss / T, bb);
      };
    }
    ctx.define(op.getResult(),
               ctx.def(nm + "_aft", [&](Expr cc, const std::vector<Expr> &tk) {
                 Tuple nd = state(cc, tk[0], tk[1]);
                 return sigmoidf32(q(cc, tk[0], tk[1])) * (nd[0] / nd[1]);
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
