//===- Attention.cpp - the attention kernel class -------------------------===//
#include "codegen/schedules/Attention.h"
#include "codegen/schedules/Schedule.h"

using namespace Halide;

namespace modelc::codegen {

namespace {

/// The Funcs of `A` that are defined, in definition order.
std::vector<Func> defined(std::initializer_list<Func> fs) {
  std::vector<Func> r;
  for (const Func &f : fs)
    if (f.defined())
      r.push_back(f);
  return r;
}

} // namespace

void AttentionStages::computeAtRoot(const LoweringContext &) {
  for (Func f : defined({vh, sc, mixed, scMem, mixedMem, mx, e, eMem, den, prob,
                         probMem, mixedProb, mixedProbMem, o}))
    f.compute_root();
}

namespace {

// Queries per tile.
constexpr int kTile = 8;

void scheduleAttentionCuda(Func host, AttentionStages &A, LoweringContext &x) {
  Var hh("hd"), j("jd"), so("so"), si("si");
  host.split(x.c, hh, j, A.d)
      .split(x.s, so, si, kTile, TailStrategy::GuardWithIf)
      .reorder(j, si, hh, so, x.b)
      .gpu_blocks(hh, so, x.b)
      .gpu_threads(j, si);
  // Row statistics per query thread; with talking heads they cover every
  // head the mix reads.
  for (Func f : {A.mx, A.den}) {
    f.compute_at(host, hh).gpu_threads(A.qi);
    for (int u = 0; u < f.num_update_definitions(); ++u)
      f.update(u).gpu_threads(A.qi);
  }
  A.o.compute_at(host, j);
}

/// The scores of a query tile against a vector of keys per head-dim step:
/// the tile's queries unrolled, so they share each K^T vector.
void tileScores(Func sc, AttentionStages &A, int V) {
  Var kjo("kjo"), kji("kji");
  // A whole tile, also at the end of the sequence (queries past it read
  // clamped rows), so the tile's queries unroll.
  sc.bound_extent(A.qi, kTile).vectorize(A.kj, V, TailStrategy::GuardWithIf);
  sc.update()
      .split(A.kj, kjo, kji, V, TailStrategy::GuardWithIf)
      .reorder(kji, A.qi, A.rr.x, kjo)
      .vectorize(kji)
      .unroll(A.qi);
}

/// P V of one head: head channels vectorized and unrolled per key.
void tilePv(AttentionStages &A, int V) {
  if (A.d % V != 0)
    return;
  Var jo("jo"), ji("ji");
  A.o.vectorize(A.j, V);
  int last = A.o.num_update_definitions() - 1;
  A.o.update(last)
      .split(A.j, jo, ji, V)
      .reorder(ji, jo, A.krO.x, A.qi)
      .vectorize(ji)
      .unroll(jo);
}

/// Per (head, batch) in parallel; K^T (and the value residual's value) per
/// head; everything else per query tile.
void scheduleAttentionCpu(Func host, AttentionStages &A, LoweringContext &x) {
  const int d = A.d, V = x.V;
  Var hh("hd"), j("jd"), so("so"), si("si"), bh("bh");
  host.split(x.c, hh, j, d)
      .split(x.s, so, si, kTile, TailStrategy::GuardWithIf)
      .reorder(j, si, so, hh, x.b)
      .fuse(hh, x.b, bh)
      .parallel(bh);
  if (d % V == 0)
    host.vectorize(j, V);
  // K^T of the head: keys innermost (contiguous score vectors).
  A.kh.compute_at(host, bh).vectorize(A.kj, V, TailStrategy::GuardWithIf);
  if (A.vh.defined())
    A.vh.compute_at(host, bh).vectorize(A.j, V, TailStrategy::GuardWithIf);
  A.qh.compute_at(host, so);
  A.sc.compute_at(host, so);
  tileScores(A.sc, A, V);
  for (Func f : defined({A.scMem, A.mx, A.eMem, A.den, A.probMem, A.o}))
    f.compute_at(host, so);
  for (Func f : defined({A.e, A.prob}))
    f.compute_at(host, so).vectorize(A.kj, V, TailStrategy::GuardWithIf);
  tilePv(A, V);
}

/// Talking heads: per query tile in parallel, every head's scores and
/// statistics in the tile (the mixes read them all); P V per head.
void scheduleTalkingHeadsCpu(Func host, AttentionStages &A,
                             LoweringContext &x) {
  const int d = A.d, V = x.V;
  Var hh("hd"), j("jd"), so("so"), si("si");
  host.split(x.c, hh, j, d)
      .split(x.s, so, si, kTile, TailStrategy::GuardWithIf)
      .reorder(j, si, hh, so, x.b)
      .parallel(so);
  if (d % V == 0)
    host.vectorize(j, V);
  // K^T (and the mixed value) of every head, once per batch row.
  A.kh.compute_at(host, x.b)
      .vectorize(A.kj, V, TailStrategy::GuardWithIf)
      .parallel(A.h);
  if (A.vh.defined())
    A.vh.compute_at(host, x.b)
        .vectorize(A.j, V, TailStrategy::GuardWithIf)
        .parallel(A.h);
  A.qh.compute_at(host, so);
  A.sc.compute_at(host, so);
  tileScores(A.sc, A, V);
  for (Func f : defined({A.scMem, A.mixedMem, A.mx, A.eMem, A.den, A.probMem,
                         A.mixedProbMem}))
    f.compute_at(host, so);
  for (Func f : defined({A.mixed, A.e, A.prob, A.mixedProb}))
    f.compute_at(host, so).vectorize(A.kj, V, TailStrategy::GuardWithIf);
  A.o.compute_at(host, hh);
  tilePv(A, V);
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
