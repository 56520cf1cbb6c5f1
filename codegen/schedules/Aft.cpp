//===- Aft.cpp - the aft kernel class -------------------------------------===//
#include "codegen/schedules/Aft.h"
#include "codegen/schedules/Schedule.h"

using namespace Halide;

namespace modelc::codegen {

void AftStages::computeAtRoot(const LoweringContext &) {
  maxKey.compute_root();
  sums.compute_root();
  // One token's factor, shared by both sums.
  rescale.compute_at(sums, tokens.x);
}

namespace {

// Vectors of channels per task: their scans interleave in each step, so the
// latency of one vector's chain hides behind the other's.
constexpr int kVectorsPerTask = 2;

// The pure definition of a scan Func over its tokens (causal) or one state
// per sequence, and its update over (c, b): one GPU thread per channel
// walks the tokens.
void gpuScan(Func f, bool causal, LoweringContext &x) {
  Var cb("cb"), ct("ct"), sb("sb"), st("st");
  if (causal)
    f.gpu_tile(x.c, x.s, cb, sb, ct, st, 64, 4, TailStrategy::GuardWithIf)
        .gpu_blocks(x.b);
  else
    f.gpu_tile(x.c, x.b, cb, sb, ct, st, 64, 1, TailStrategy::GuardWithIf);
  f.update().gpu_tile(x.c, x.b, cb, sb, ct, st, 64, 1,
                      TailStrategy::GuardWithIf);
}

void scheduleAftCuda(Func host, AftStages &A, LoweringContext &x) {
  Var cb("cb"), ct("ct"), sb("sb"), st("st");
  host.gpu_tile(x.c, x.s, cb, sb, ct, st, 64, 4, TailStrategy::GuardWithIf)
      .gpu_blocks(x.b);
  A.maxKey.compute_root();
  gpuScan(A.maxKey, A.causal, x);
  A.sums.compute_root();
  gpuScan(A.sums, A.causal, x);
  A.rescale.compute_at(A.sums, A.tokens.x);
}

void scheduleAftCpu(Host &host, AftStages &A, LoweringContext &x) {
  Func f = host.func;
  const int V = x.V;
  Var co("co"), ci("ci"), cb("cb");
  if (host.channels < V) {
    f.reorder(x.c, x.s, x.b).parallel(x.b);
    A.maxKey.compute_at(f, x.b);
    A.sums.compute_at(f, x.b);
    A.rescale.compute_at(A.sums, A.tokens.x);
    return;
  }
  // Shifted inwards, the last block of channels overlaps the one before it
  // instead of reading past the row.
  int block = host.channels >= kVectorsPerTask * V ? kVectorsPerTask * V : V;
  f.split(x.c, co, ci, block, TailStrategy::ShiftInwards)
      .reorder(ci, x.s, co, x.b)
      .fuse(co, x.b, cb)
      .parallel(cb)
      .vectorize(ci, V);
  // Each step of a scan handles the block's vectors side by side.
  Var vo("vo"), vi("vi");
  for (Func scan : {A.maxKey, A.sums}) {
    scan.compute_at(f, cb).vectorize(x.c, V);
    scan.update()
        .split(x.c, vo, vi, V)
        .reorder(vi, vo, A.tokens.x)
        .vectorize(vi)
        .unroll(vo);
  }
  A.rescale.compute_at(A.sums, A.tokens.x).vectorize(x.c, V);
}

void scheduleAftKernel(ScheduleEnv &env) {
  for (AftStages *a : env.stagesOf<AftStages>()) {
    Host *host = env.hostFor(*a);
    if (!host || host->scheduled)
      continue;
    if (env.ctx.gpu)
      scheduleAftCuda(host->func, *a, env.ctx);
    else
      scheduleAftCpu(*host, *a, env.ctx);
    host->scheduled = a->placed = true;
  }
}

} // namespace

void registerAftSchedule() {
  registerClassSchedule(nn::KernelClass::aft, scheduleAftKernel);
}

} // namespace modelc::codegen
