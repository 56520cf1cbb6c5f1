//===- Attention.cpp - the attention kernel class -------------------------===//
#include "codegen/schedules/Attention.h"
#include "codegen/schedules/Schedule.h"

using namespace Halide;

namespace modelc::codegen {

void AttentionStages::computeAtRoot(const LoweringContext &) {
  o.compute_root();
  den.compute_root();
  mx.compute_root();
  if (sc.defined())
    sc.compute_root();
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
  A.mx.compute_at(host, hh).gpu_threads(A.qi);
  A.mx.update().gpu_threads(A.qi);
  A.den.compute_at(host, hh).gpu_threads(A.qi);
  A.den.update().gpu_threads(A.qi);
  A.o.compute_at(host, j);
}

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
  // Per query tile: scores [T x keys], row max, exp, row sum, P V.
  A.sc.compute_at(host, so).vectorize(A.kj, V, TailStrategy::GuardWithIf);
  Var kjo("kjo"), kji("kji");
  // Register tile: the T queries of the tile unrolled inside the head_dim
  // loop (T independent accumulators sharing each K^T vector).
  A.sc.update()
      .split(A.kj, kjo, kji, V, TailStrategy::GuardWithIf)
      .reorder(kji, A.qi, A.rr.x, kjo)
      .vectorize(kji)
      .unroll(A.qi);
  // Pre-scaled queries of the tile.
  A.qh.compute_at(host, so);
  A.mx.compute_at(host, so);
  A.e.compute_at(host, so).vectorize(A.kj, V, TailStrategy::GuardWithIf);
  A.den.compute_at(host, so);
  A.o.compute_at(host, so);
  if (d % V == 0) {
    Var jo("jo"), ji("ji");
    A.o.vectorize(A.j, V);
    A.o.update()
        .split(A.j, jo, ji, V)
        .reorder(ji, jo, A.krO.x, A.qi)
        .vectorize(ji)
        .unroll(jo);
  }
}

void scheduleAttentionKernel(ScheduleEnv &env) {
  for (AttentionStages *a : env.stagesOf<AttentionStages>()) {
    Host *host = env.hostFor(*a);
    if (!host || host->scheduled)
      continue;
    if (env.ctx.gpu)
      scheduleAttentionCuda(host->func, *a, env.ctx);
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
