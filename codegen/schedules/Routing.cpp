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

/// The widest register tile (in vectors of V) that divides `n`, or 0.
int tileVectors(int n, int V) {
  for (int v : {3, 2, 1})
    if (n % (v * V) == 0)
      return v;
  return 0;
}

/// A grouped GEMM `out(n, i, t)` (n < `width`) whose accumulators `accs`
/// reduce over `k`: one task per panel of columns, every tile's rows in
/// registers, the panel of the tile's expert reused from cache by the
/// tiles after it (an expert's tiles are consecutive).
void scheduleGroupedGemm(Func out, std::vector<Func> accs, Var n, RVar k,
                         int width, RoutingStages &R, LoweringContext &x) {
  const int T = kRoutingTile;
  out.compute_root().bound(n, 0, width).bound(R.i, 0, T);
  int v = tileVectors(width, x.V);
  // Two accumulators (a GLU) at 3 vectors x 8 rows would take 48
  // registers: half the rows at a time.
  int rows = accs.size() > 1 && v == 3 ? T / 2 : T;
  if (!v) {
    out.vectorize(n, x.V, TailStrategy::GuardWithIf).parallel(R.t);
    for (Func acc : accs) {
      acc.compute_at(out, R.t).vectorize(n, x.V, TailStrategy::GuardWithIf);
      acc.update().reorder(n, R.i, k).vectorize(n, x.V,
                                                TailStrategy::GuardWithIf);
    }
    return;
  }
  Var no("no"), ni("ni"), io("io"), ii("ii");
  out.split(n, no, ni, v * x.V)
      .split(R.i, io, ii, rows)
      .reorder(ni, ii, io, R.t, no)
      .vectorize(ni, x.V)
      .parallel(no);
  for (Func acc : accs) {
    acc.compute_at(out, io)
        .bound_extent(n, v * x.V)
        .vectorize(n, x.V)
        .unroll(n)
        .unroll(R.i);
    acc.update().reorder(n, R.i, k).vectorize(n, x.V).unroll(n).unroll(R.i);
  }
}

void scheduleRoutingCpu(RoutingStages &R, LoweringContext &x) {
  for (Func f : tables(R))
    f.compute_root();
  Var mo("mo"), mi("mi");
  for (Func f : {R.rank, R.hit, R.choice, R.weight})
    f.split(x.m, mo, mi, 64, TailStrategy::GuardWithIf).parallel(mo);
  // The scan: each step a row of experts.
  R.before.update().reorder(R.e, R.tokens.x);
  std::vector<Func> accs{R.upAcc};
  if (R.glu)
    accs.push_back(R.gateAcc);
  scheduleGroupedGemm(R.hiddenAct, accs, R.h, R.rd.x, R.hidden, R, x);
  scheduleGroupedGemm(R.expertOut, {R.downAcc}, x.c, R.rh.x, R.dim, R, x);
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
  auto gemm = [&](Func out, std::vector<Func> accs, Var n) {
    out.compute_root()
        .fuse(R.i, R.t, it)
        .gpu_tile(n, it, xb, yb, xt, yt, 32, 8, TailStrategy::GuardWithIf);
    for (Func acc : accs)
      acc.compute_at(out, xt);
  };
  std::vector<Func> accs{R.upAcc};
  if (R.glu)
    accs.push_back(R.gateAcc);
  gemm(R.hiddenAct, accs, R.h);
  gemm(R.expertOut, {R.downAcc}, x.c);
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
    f.compute_root();
  if (glu)
    gateAcc.compute_root();
}

void registerRoutingSchedule() {
  registerClassSchedule(nn::KernelClass::routing, scheduleRoutingKernel);
}

} // namespace modelc::codegen
