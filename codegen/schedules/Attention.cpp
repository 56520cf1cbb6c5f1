//===- Attention.cpp - the attention kernel class -------------------------===//
#include "codegen/schedules/Attention.h"
#include "codegen/schedules/Schedule.h"

#include <algorithm>

using namespace Halide;

namespace modelc::codegen {

namespace {

/// The defined Funcs among `fs`.
std::vector<Func> defined(std::initializer_list<Func> fs) {
  std::vector<Func> r;
  for (const Func &f : fs)
    if (f.defined())
      r.push_back(f);
  return r;
}

std::vector<Func> blockFuncs(const AttentionBlockStages &P) {
  return defined(
      {P.raw, P.mixed, P.max, P.exp, P.sum, P.prob, P.mixedProb, P.pv});
}

std::vector<Func> memoryFuncs(const AttentionStages &A) {
  return defined({A.memRaw, A.memMixed, A.memMax, A.memExp, A.memSum, A.memProb,
                  A.memMixedProb, A.memPv});
}

} // namespace

void AttentionStages::computeAtRoot(const LoweringContext &) {
  std::vector<Func> all = blockFuncs(pass1), more = blockFuncs(pass2),
                    mem = memoryFuncs(*this);
  all.insert(all.end(), more.begin(), more.end());
  all.insert(all.end(), mem.begin(), mem.end());
  for (Func f : defined({qs, kh, vh, stats, acc}))
    all.push_back(f);
  for (Func f : all)
    f.compute_root();
}

namespace {

//===----------------------------------------------------------------------===//
// CUDA: one thread per (head channel, query); each thread walks the visible
// blocks itself (valid, not fast: scores are recomputed per channel).
//===----------------------------------------------------------------------===//

void scheduleAttentionCuda(Func host, AttentionStages &A, LoweringContext &x) {
  Var hh("hd"), j("jd"), so("so"), si("si");
  host.split(x.c, hh, j, A.d)
      .split(x.s, so, si, A.tile, TailStrategy::GuardWithIf)
      .reorder(j, si, hh, so, x.b)
      .gpu_blocks(hh, so, x.b)
      .gpu_threads(j, si);
  std::vector<Func> perThread = memoryFuncs(A);
  for (Func f : defined({A.stats, A.acc}))
    perThread.push_back(f);
  for (Func f : perThread)
    f.compute_at(host, j);
  if (A.stats.defined())
    for (Func f : blockFuncs(A.pass1))
      f.compute_at(A.stats, A.blocks1.x);
  RVar block = A.online ? A.blocks2.x : A.blocks2.y;
  for (Func f : blockFuncs(A.pass2))
    f.compute_at(A.acc, block);
}

//===----------------------------------------------------------------------===//
// CPU
//===----------------------------------------------------------------------===//

/// Accumulators of a register tile (zmm: 32 registers, ymm: 16).
int accumulators(int V) { return V >= 16 ? 16 : 8; }

/// A block's scores: QV query vectors x KU keys of accumulators per
/// head-dim step, the keys broadcast from K's rows.
void tileScores(AttentionBlockStages &P, AttentionStages &A, int V) {
  int qv = std::max(1, std::min(A.tile / V, 2));
  int ku = accumulators(V) / qv;
  Var qo("qo"), qm("qm"), qi("qi"), ko("ko"), ki("ki");
  // Whole tiles and blocks: constant strides keep the accumulators in
  // registers (queries past the sequence read clamped rows).
  P.raw.bound_extent(A.q, A.tile).bound_extent(A.kk, A.block).vectorize(A.q, V);
  P.raw.update()
      .split(A.q, qo, qi, V * qv)
      .split(qi, qm, qi, V)
      .split(A.kk, ko, ki, ku)
      .reorder(qi, qm, ki, P.rd.x, ko, qo)
      .vectorize(qi)
      .unroll(qm)
      .unroll(ki);
  for (Func f : defined({P.mixed, P.exp, P.prob, P.mixedProb}))
    f.bound_extent(A.q, A.tile).bound_extent(A.kk, A.block).vectorize(A.q, V);
}

/// Row statistics over a block's keys, a vector of queries at a time.
void tileStatistics(AttentionBlockStages &P, AttentionStages &A, int V) {
  if (!P.max.defined())
    return;
  P.max.bound_extent(A.q, A.tile).vectorize(A.q, V);
  P.max.update().reorder(A.q, P.rkMax.x).vectorize(A.q, V);
  P.sum.bound_extent(A.q, A.tile).vectorize(A.q, V);
  P.sum.update().reorder(A.q, P.rkSum.x).vectorize(A.q, V);
}

/// P V of `stage`: channel vectors x queries of accumulators per key;
/// `outer`: the stage's loops outside the key loop.
void tilePv(Func f, int stage, AttentionStages &A, int V, RVar keyLoop,
            std::vector<VarOrRVar> outer) {
  if (A.d % V != 0)
    return;
  int jv = A.d / V;
  int qu = std::max(1, std::min(accumulators(V) / jv, 4));
  Var jo("jo"), ji("ji"), qo("qo"), qi("qi");
  f.bound_extent(A.q, A.tile).vectorize(A.j, V);
  std::vector<VarOrRVar> order{ji, jo, qi, keyLoop, qo};
  order.insert(order.end(), outer.begin(), outer.end());
  f.update(stage)
      .split(A.j, jo, ji, V)
      .split(A.q, qo, qi, qu)
      .reorder(order)
      .vectorize(ji)
      .unroll(jo)
      .unroll(qi);
}

/// The memory slots' stages of a tile.
void tileMemory(AttentionStages &A, Func host, Var at, int V) {
  for (Func f : memoryFuncs(A)) {
    f.compute_at(host, at);
    if (f.name() != A.memPv.name())
      f.vectorize(A.q, V);
  }
  if (A.memMax.defined()) {
    A.memMax.update().reorder(A.q, A.memMaxSlots.x).vectorize(A.q, V);
    A.memSum.update().reorder(A.q, A.memSumSlots.x).vectorize(A.q, V);
  }
  if (A.memPv.defined() && A.d % V == 0) {
    A.memPv.vectorize(A.j, V);
    A.memPv.update().vectorize(A.j, V);
  }
}

/// The tile's statistics (two-pass) and P V at `at`, their blocks inside
/// their block loops; with talking heads every head at once.
void tileAttention(AttentionStages &A, Func host, Var at, int V) {
  A.qs.compute_at(host, at).vectorize(A.q, V);
  if (A.stats.defined()) {
    A.stats.compute_at(host, at).vectorize(A.q, V);
    std::vector<VarOrRVar> order{A.q, A.h, A.blocks1.x, A.qt};
    A.stats.update().reorder(order).vectorize(A.q, V);
    for (Func f : blockFuncs(A.pass1))
      f.compute_at(A.stats, A.blocks1.x);
    tileScores(A.pass1, A, V);
    tileStatistics(A.pass1, A, V);
  }
  A.acc.compute_at(host, at);
  if (A.d % V == 0)
    A.acc.vectorize(A.j, V);
  int last = A.acc.num_update_definitions() - 1;
  RVar block = A.online ? A.blocks2.x : A.blocks2.y;
  for (Func f : blockFuncs(A.pass2))
    f.compute_at(A.acc, block);
  tileScores(A.pass2, A, V);
  tileStatistics(A.pass2, A, V);
  if (A.online) {
    // The state merges block by block, a vector of channels at a time;
    // the block's own P V is the register-tiled loop.
    A.acc.update(last).reorder(A.j, A.q, A.blocks2.x, A.qt);
    if (A.d % V == 0)
      A.acc.update(last).vectorize(A.j, V);
    tilePv(A.pass2.pv, 0, A, V, A.pass2.rkPv.x, {});
  } else {
    tilePv(A.acc, last, A, V, A.blocks2.x, {A.h, A.blocks2.y, A.qt});
  }
  tileMemory(A, host, at, V);
}

/// Per (head, batch) in parallel, then per query tile.
void scheduleAttentionCpu(Func host, AttentionStages &A, LoweringContext &x) {
  const int V = x.V;
  Var hh("hd"), j("jd"), so("so"), si("si"), bh("bh");
  host.split(x.c, hh, j, A.d)
      .split(x.s, so, si, A.tile, TailStrategy::GuardWithIf)
      .reorder(j, si, so, hh, x.b)
      .fuse(hh, x.b, bh)
      .parallel(bh);
  if (A.d % V == 0)
    host.vectorize(j, V);
  if (A.kh.defined())
    A.kh.compute_at(host, bh).vectorize(A.r, V, TailStrategy::GuardWithIf);
  if (A.vh.defined())
    A.vh.compute_at(host, bh).vectorize(A.j, V, TailStrategy::GuardWithIf);
  tileAttention(A, host, so, V);
}

/// Talking heads: per query tile in parallel (every head's scores and
/// statistics in the tile, as the mixes read them all), batch rows outside.
void scheduleTalkingHeadsCpu(Func host, AttentionStages &A,
                             LoweringContext &x) {
  const int V = x.V;
  Var hh("hd"), j("jd"), so("so"), si("si");
  host.split(x.c, hh, j, A.d)
      .split(x.s, so, si, A.tile, TailStrategy::GuardWithIf)
      .reorder(j, si, hh, so, x.b)
      .parallel(so);
  if (A.d % V == 0)
    host.vectorize(j, V);
  if (A.kh.defined())
    A.kh.compute_at(host, x.b)
        .vectorize(A.r, V, TailStrategy::GuardWithIf)
        .parallel(A.h);
  if (A.vh.defined())
    A.vh.compute_at(host, x.b)
        .vectorize(A.j, V, TailStrategy::GuardWithIf)
        .parallel(A.h);
  tileAttention(A, host, so, V);
}

void scheduleAttentionKernel(ScheduleEnv &env) {
  for (AttentionStages *a : env.stagesOf<AttentionStages>()) {
    Host *host = env.hostFor(*a);
    if (!host || host->scheduled)
      continue;
    if (env.ctx.gpu)
      scheduleAttentionCuda(host->func, *a, env.ctx);
    else if (a->talking)
      scheduleTalkingHeadsCpu(host->func, *a, env.ctx);
    else
      scheduleAttentionCpu(host->func, *a, env.ctx);
    host->scheduled = a->placed = true;
  }
}

} // namespace

void registerAttentionSchedule() {
  registerClassSchedule(nn::KernelClass::attention, scheduleAttentionKernel);
}

} // namespace modelc::codegen
