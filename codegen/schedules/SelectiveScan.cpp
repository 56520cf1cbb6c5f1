//===- SelectiveScan.cpp - the selective_scan kernel class ----------------===//
#include "codegen/schedules/SelectiveScan.h"
#include "codegen/schedules/Schedule.h"

using namespace Halide;

namespace modelc::codegen {

void SelectiveScanStages::computeAtRoot(const LoweringContext &) {
  for (Func f : {convT, negA, u, dbc, dtAcc, delta, du, scan})
    f.compute_root();
}

namespace {

// Tokens per chunk: the conv output (kChunk x I floats) and dbc of a chunk
// stay in L2 while every channel block scans it.
constexpr int kChunk = 128;
// x_proj's register tile: kDbcTokens tokens x up to kDbcVectors vectors of
// projections.
constexpr int kDbcTokens = 4;
constexpr int kDbcVectors = 6;
// dt_proj: independent accumulators (tokens) per channel vector.
constexpr int kDtTokens = 8;

void scheduleScanCpu(Func host, SelectiveScanStages &S, LoweringContext &x) {
  const int V = x.V;
  TailStrategy guard = TailStrategy::GuardWithIf;
  Var so("so"), si("si"), io("io"), ii("ii"), to("to"), ti("ti"), po("po"),
      pi("pi");
  RVar rk("rk"), rj("rj");
  // The gated output: rows in parallel blocks after each batch row's scan.
  host.split(x.s, so, si, 16, guard)
      .vectorize(x.c, V, guard)
      .reorder(x.c, si, so, x.b)
      .parallel(so);
  S.convT.compute_root().vectorize(S.i, V, guard);
  S.negA.compute_root().vectorize(S.i, V, guard);
  S.scan.compute_at(host, x.b);
  S.scan.update(0).vectorize(S.i, V, guard);
  // Chunks in order; in a chunk, channel blocks in parallel, each walking
  // the chunk's tokens with its N states unrolled.
  S.scan.update(1)
      .split(S.rs.y, rk, rj, kChunk, guard)
      .split(S.i, io, ii, V, guard)
      .reorder(ii, S.rs.x, rj, io, rk)
      .vectorize(ii)
      .unroll(S.rs.x)
      .parallel(io);
  // Per chunk, for every channel: the conv (parallel over channel blocks),
  // then x_proj (parallel over token blocks).
  S.u.compute_at(S.scan, rk)
      .split(S.i, io, ii, V, guard)
      .reorder(ii, S.t, io)
      .vectorize(ii)
      .parallel(io);
  int pv = (S.P + V - 1) / V;
  S.dbc.compute_at(S.scan, rk).vectorize(S.p, V, guard);
  Stage dbcAcc = S.dbc.update();
  dbcAcc.split(S.p, po, pi, V, guard)
      .split(S.t, to, ti, kDbcTokens, guard)
      .reorder(pi, po, ti, S.rx.x, to)
      .vectorize(pi)
      .unroll(ti)
      .parallel(to);
  if (pv <= kDbcVectors)
    dbcAcc.unroll(po);
  // Per channel block and chunk: dt_proj, softplus, delta * u.
  S.dtAcc.compute_at(S.scan, io).vectorize(S.i, V, guard);
  S.dtAcc.update()
      .split(S.t, to, ti, kDtTokens, guard)
      .reorder(S.i, ti, S.rr.x, to)
      .vectorize(S.i, V, guard)
      .unroll(ti);
  S.delta.compute_at(S.scan, io).vectorize(S.i, V, guard);
  S.du.compute_at(S.scan, io).vectorize(S.i, V, guard);
}

// CUDA: the per-token stages as their own kernels over every token, then
// one thread per channel walks the whole sequence.
void scheduleScanCuda(Func host, SelectiveScanStages &S, LoweringContext &x) {
  TailStrategy guard = TailStrategy::GuardWithIf;
  Var io("io"), ii("ii"), to("to"), ti("ti"), po("po"), pi("pi");
  Var cb("cb"), ct("ct"), rb("rb"), rt("rt");
  host.gpu_tile(x.c, x.s, cb, rb, ct, rt, 64, 4, guard).gpu_blocks(x.b);
  S.convT.compute_root().gpu_tile(S.i, io, ii, 64, guard);
  S.negA.compute_root().gpu_tile(S.i, io, ii, 64, guard);
  for (Func f : {S.u, S.dtAcc, S.delta, S.du}) {
    f.compute_root().gpu_tile(S.i, S.t, io, to, ii, ti, 64, 4, guard);
    if (f.has_update_definition())
      f.update().gpu_tile(S.i, S.t, io, to, ii, ti, 64, 4, guard);
  }
  S.dbc.compute_root().gpu_tile(S.p, S.t, po, to, pi, ti, 16, 16, guard);
  S.dbc.update().gpu_tile(S.p, S.t, po, to, pi, ti, 16, 16, guard);
  S.scan.compute_root();
  S.scan.update(0).gpu_tile(S.i, io, ii, 64, guard).gpu_blocks(S.bb);
  S.scan.update(1)
      .reorder(S.rs.x, S.rs.y, S.i, S.bb)
      .gpu_tile(S.i, io, ii, 32, guard)
      .gpu_blocks(S.bb);
}

void scheduleSelectiveScanKernel(ScheduleEnv &env) {
  for (SelectiveScanStages *s : env.stagesOf<SelectiveScanStages>()) {
    Host *host = env.hostFor(*s);
    if (!host || host->scheduled)
      continue;
    if (env.ctx.gpu)
      scheduleScanCuda(host->func, *s, env.ctx);
    else
      scheduleScanCpu(host->func, *s, env.ctx);
    host->scheduled = s->placed = true;
  }
}

} // namespace

void registerSelectiveScanSchedule() {
  registerClassSchedule(nn::KernelClass::selective_scan,
                        scheduleSelectiveScanKernel);
}

} // namespace modelc::codegen
