//===- Window.cpp - the window kernel classes: pooling, conv --------------===//
#include "codegen/schedules/Window.h"
#include "codegen/schedules/Schedule.h"

using namespace Halide;

namespace modelc::codegen {

namespace {
// Tokens per parallel task: enough rows that a task's halo (the window's
// neighbours above and below the block) is a small share of its reads.
constexpr int kRowsPerTask = 32;
// Windows up to this many taps are unrolled.
constexpr int kMaxUnrolledTaps = 16;
} // namespace

Func windowSum(const LoweringContext &ctx, const std::string &name, Func x,
               int taps, int offset,
               const std::function<Expr(Expr, Expr)> &weight, Expr init,
               WindowStages &stage) {
  const Var &c = ctx.c, &s = ctx.s, &b = ctx.b;
  stage.tapCount = taps;
  stage.taps = RDom(0, taps, name + "_taps");
  Expr j = s - offset + stage.taps.x;
  // The kernel's inputs clamp reads to the sequence; taps outside it are 0.
  Expr xj = select(j >= 0 && j < ctx.seqLen, x(c, j, b), 0.0f);
  stage.sum = Func(name);
  stage.sum(c, s, b) = init;
  stage.sum(c, s, b) += weight ? weight(c, stage.taps.x) * xj : xj;
  return stage.sum;
}

Func gridWindowSum(const LoweringContext &ctx, const std::string &name, Func x,
                   int size, int rows, int cols,
                   const std::function<Expr(Expr, Expr, Expr)> &weight,
                   Expr init, WindowStages &stage) {
  const Var &c = ctx.c, &s = ctx.s, &b = ctx.b;
  int half = size / 2;
  stage.tapCount = size; // the inner (column) taps, unrolled when short
  stage.taps = RDom(0, size, 0, size, name + "_taps");
  Expr r = s / cols - half + stage.taps.y, q = s % cols - half + stage.taps.x;
  Expr inside = r >= 0 && r < rows && q >= 0 && q < cols;
  Expr xrq = select(inside, x(c, r * cols + q, b), 0.0f);
  stage.sum = Func(name);
  stage.sum(c, s, b) = init;
  stage.sum(c, s, b) +=
      weight ? weight(c, stage.taps.y, stage.taps.x) * xrq : xrq;
  return stage.sum;
}

void WindowStages::computeAtRoot(const LoweringContext &) {
  sum.compute_root();
}

namespace {

void scheduleWindowCuda(Func host, WindowStages &w, LoweringContext &x) {
  Var cb("cb"), ct("ct"), sb("sb"), st("st");
  host.gpu_tile(x.c, x.s, cb, sb, ct, st, 64, 4, TailStrategy::GuardWithIf)
      .gpu_blocks(x.b);
  // One thread's window sum, in registers.
  w.sum.compute_at(host, ct);
  if (w.tapCount <= kMaxUnrolledTaps)
    w.sum.update().unroll(w.taps.x);
}

void scheduleWindowCpu(Host &host, WindowStages &w, LoweringContext &x) {
  Func f = host.func;
  Var co("co"), ci("ci"), so("so"), si("si"), sb("sb");
  f.split(x.s, so, si, kRowsPerTask, TailStrategy::GuardWithIf)
      .fuse(so, x.b, sb)
      .parallel(sb);
  if (host.channels < x.V) {
    w.sum.compute_at(f, x.c);
  } else {
    // Shifted inwards, the last vector of channels overlaps the one before
    // it instead of reading past the row.
    f.split(x.c, co, ci, x.V, TailStrategy::ShiftInwards).vectorize(ci);
    w.sum.compute_at(f, co).vectorize(x.c, x.V);
    w.sum.update().vectorize(x.c, x.V);
  }
  if (w.tapCount <= kMaxUnrolledTaps)
    w.sum.update().unroll(w.taps.x);
}

void scheduleWindowKernel(ScheduleEnv &env) {
  for (WindowStages *w : env.stagesOf<WindowStages>()) {
    Host *host = env.hostFor(*w);
    if (!host || host->scheduled)
      continue;
    if (env.ctx.gpu)
      scheduleWindowCuda(host->func, *w, env.ctx);
    else
      scheduleWindowCpu(*host, *w, env.ctx);
    host->scheduled = w->placed = true;
  }
}

} // namespace

void registerWindowSchedule(nn::KernelClass kind) {
  registerClassSchedule(kind, scheduleWindowKernel);
}

} // namespace modelc::codegen
