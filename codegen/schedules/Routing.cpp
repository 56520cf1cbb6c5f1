//===- Routing.cpp - the routing kernel class -----------------------------===//
#include "codegen/schedules/Routing.h"
#include "codegen/schedules/Schedule.h"

using namespace Halide;

namespace modelc::codegen {

namespace {

/// The per-token tables and the lists: small (experts values per token).
std::vector<Func> tables(RoutingStages &R) {
  return {R.rank,   R.hit,       R.choice,  R.weight,
          R.before, R.tileStart, R.tokenOf, R.tileExpert};
}

/// A grouped GEMM `out(n, i, t)` over the packed panels of its weights
/// (`width` columns, the last panel computed whole) whose accumulator `acc`
/// reduces over `k`. One task per panel; inside it every tile in order, its
/// rows x the panel's vectors in registers, so the panel of the tile's expert
/// is reused from L2 by the tiles after it (an expert's tiles are
/// consecutive).
void scheduleGroupedGemm(Func out, Func acc, Var n, RVar k, int width,
                         bool pair, RoutingStages &R, LoweringContext &x) {
  const int T = kRoutingTile, P = R.panel;
  int panels = (width + P - 1) / P;
  out.compute_root().bound(n, 0, panels * P).bound(R.i, 0, T);
  // A pair of accumulators (a GLU's gate and up) of 8 rows x 3 vectors would
  // take 48 registers: half the rows at a time.
  int rows = pair || P / x.V > 3 ? T / 2 : T;
  Var no("no"), ni("ni"), io("io"), ii("ii");
  out.split(n, no, ni, P)
      .split(R.i, io, ii, rows)
      .reorder(ni, ii, io, R.t, no)
      .vectorize(ni, x.V)
      .parallel(no);
  acc.compute_at(out, io).bound_extent(n, P).vectorize(n, x.V).unroll(n).unroll(
      R.i);
  acc.update().reorder(n, R.i, k).vectorize(n, x.V).unroll(n).unroll(R.i);
}

void scheduleRoutingCpu(RoutingStages &R, LoweringContext &x) {
  for (Func f : tables(R))
    f.compute_root();
  Var mo("mo"), mi("mi");
  for (Func f : {R.rank, R.hit, R.choice, R.weight})
    f.split(x.m, mo, mi, 64, TailStrategy::GuardWithIf).parallel(mo);
  // The scan: each step a row of experts.
  R.before.update().reorder(R.e, R.tokens.x);
  if (R.hiddenAct.defined())
    scheduleGroupedGemm(R.hiddenAct, R.upAcc, R.h, R.rd.x, R.hidden, R.glu, R,
                        x);
  scheduleGroupedGemm(R.expertOut, R.downAcc, x.c, R.rh.x, R.dim, false, R, x);
}

void scheduleRoutingCuda(RoutingStages &R, LoweringContext &x) {
  // Tables: a thread per entry; the scan a thread per expert; the scatter
  // one thread. The GEMMs: a thread per output, its accumulator in a
  // register.
  Var xb("xb"), xt("xt"), yb("yb"), yt("yt"), it("it");
  for (Func f : tables(R))
    f.compute_root();
  for (Func f : {R.rank, R.hit, R.choice, R.weight, R.before})
    f.gpu_tile(f.args()[0], f.args()[1], xb, yb, xt, yt, 8, 32,
               TailStrategy::GuardWithIf);
  R.before.update().gpu_tile(R.e, xb, xt, 8, TailStrategy::GuardWithIf);
  for (Func f : {R.tileStart, R.tokenOf, R.tileExpert})
    f.gpu_tile(f.args()[0], xb, xt, 32, TailStrategy::GuardWithIf);
  R.tokenOf.update().gpu_single_thread();
  auto gemm = [&](Func out, Func acc, Var n) {
    out.compute_root()
        .fuse(R.i, R.t, it)
        .gpu_tile(n, it, xb, yb, xt, yt, 32, 8, TailStrategy::GuardWithIf);
    acc.compute_at(out, xt);
  };
  if (R.hiddenAct.defined())
    gemm(R.hiddenAct, R.upAcc, R.h);
  gemm(R.expertOut, R.downAcc, x.c);
}

void scheduleRoutingKernel(ScheduleEnv &env) {
  for (RoutingStages *R : env.stagesOf<RoutingStages>()) {
    if (env.ctx.gpu)
      scheduleRoutingCuda(*R, env.ctx);
    else
      scheduleRoutingCpu(*R, env.ctx);
    R->placed = true; // its host (the combine) is element-wise
  }
}

} // namespace

void RoutingStages::computeAtRoot(const LoweringContext &) {
  for (Func f : tables(*this))
    f.compute_root();
  for (Func f : {upAcc, hiddenAct, downAcc, expertOut})
    if (f.defined())
      f.compute_root();
}

void registerRoutingSchedule() {
  registerClassSchedule(nn::KernelClass::routing, scheduleRoutingKernel);
}

} // namespace modelc::codegen
