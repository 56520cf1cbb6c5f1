//===- Aft.cpp - the aft kernel class -------------------------------------===//
#include "codegen/schedules/Aft.h"
#include "codegen/schedules/Schedule.h"

using namespace Halide;

namespace modelc::codegen {

void AftStages::computeAtRoot(const LoweringContext &) {
  for (Func f : {chunkMax, chunkExp, chunkSums, chunkState, carry})
    f.compute_root();
  if (causal)
    for (Func f : {runMax, runRescale, runSums})
      f.compute_root();
}

namespace {

/// `f`'s pure definition and its update over `steps` vectorized over
/// channels, the steps outside the channel loop (each step handles a whole
/// row of channels) and the update's other pure loops (`outer`) outside them.
void rowSteps(Func f, const RDom &steps, std::vector<VarOrRVar> outer,
              LoweringContext &x) {
  f.vectorize(x.c, x.V, TailStrategy::GuardWithIf);
  std::vector<VarOrRVar> order{x.c, steps.x};
  order.insert(order.end(), outer.begin(), outer.end());
  f.update().reorder(order).vectorize(x.c, x.V, TailStrategy::GuardWithIf);
}

void scheduleAftCpu(Host &host, AftStages &A, LoweringContext &x) {
  const int T = kAftChunk;
  // 1. The chunks in parallel, each one's exps once, in its task.
  Var jb("jb");
  A.chunkState.compute_root()
      .fuse(A.j, x.b, jb)
      .parallel(jb)
      .vectorize(x.c, x.V, TailStrategy::GuardWithIf);
  for (Func f : {A.chunkMax, A.chunkSums}) {
    f.compute_at(A.chunkState, jb);
    rowSteps(f, A.chunkTokens, {A.j, x.b}, x);
  }
  A.chunkExp.compute_at(A.chunkState, jb)
      .vectorize(x.c, x.V, TailStrategy::GuardWithIf);
  // 2. The scan over chunks, one sequence per task.
  A.carry.compute_root();
  rowSteps(A.carry, A.chunks, {x.b}, x);
  A.carry.update().parallel(x.b);
  // 3. The output by chunks in parallel; causal: each chunk's scan in its
  // task.
  Func f = host.func;
  Var so("so"), si("si"), sb("sb"), co("co"), ci("ci");
  f.split(x.s, so, si, T, TailStrategy::GuardWithIf)
      .fuse(so, x.b, sb)
      .parallel(sb);
  if (host.channels >= x.V)
    f.split(x.c, co, ci, x.V, TailStrategy::ShiftInwards).vectorize(ci);
  if (A.causal) {
    A.runMax.compute_at(f, sb);
    rowSteps(A.runMax, A.steps, {A.j, x.b}, x);
    A.runRescale.compute_at(f, sb).vectorize(x.c, x.V,
                                             TailStrategy::GuardWithIf);
    A.runSums.compute_at(f, sb);
    rowSteps(A.runSums, A.steps, {A.j, x.b}, x);
  }
}

void scheduleAftCuda(Func host, AftStages &A, LoweringContext &x) {
  // One thread per channel (and chunk or sequence) walks its tokens; the
  // output is element-wise.
  Var cb("cb"), ct("ct"), rb("rb"), rt("rt"), jb("jb");
  auto perChannel = [&](Stage f, Var rows, int rowsPerBlock) {
    f.gpu_tile(x.c, rows, cb, rb, ct, rt, 64, rowsPerBlock,
               TailStrategy::GuardWithIf);
  };
  host.gpu_tile(x.c, x.s, cb, rb, ct, rt, 64, 4, TailStrategy::GuardWithIf)
      .gpu_blocks(x.b);
  A.chunkState.compute_root().fuse(A.j, x.b, jb);
  perChannel(A.chunkState, jb, 1);
  for (Func f : {A.chunkMax, A.chunkSums, A.carry}) {
    f.compute_root();
    f.fuse(A.j, x.b, jb);
    perChannel(f, jb, 1);
  }
  A.chunkMax.update().fuse(A.j, x.b, jb);
  perChannel(A.chunkMax.update(), jb, 1);
  A.chunkSums.update().fuse(A.j, x.b, jb);
  perChannel(A.chunkSums.update(), jb, 1);
  A.carry.update().gpu_tile(x.c, cb, ct, 64, TailStrategy::GuardWithIf);
  if (!A.causal)
    return;
  Var tj("tj"), tjb("tjb");
  for (Func f : {A.runMax, A.runSums}) {
    f.compute_root();
    f.fuse(A.t, A.j, tj).fuse(tj, x.b, tjb);
    perChannel(f, tjb, 1);
    f.update().fuse(A.j, x.b, jb);
    perChannel(f.update(), jb, 1);
  }
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
