//===- Vision.cpp - the vision kernel classes: patch_embed, token_pool ----===//
#include "codegen/schedules/Vision.h"
#include "codegen/schedules/Schedule.h"

using namespace Halide;

namespace modelc::codegen {

void PatchEmbedStages::computeAtRoot(const LoweringContext &) {
  partial.compute_root();
  dot.compute_root();
}

void TokenPoolStages::computeAtRoot(const LoweringContext &) {
  sum.compute_root();
}

namespace {

/// Runs `schedule(host, stage)` for each stage of type S whose host no
/// schedule has placed yet, and marks both placed.
template <typename S, typename F>
void placeStages(ScheduleEnv &env, F schedule) {
  for (S *st : env.stagesOf<S>()) {
    Host *host = env.hostFor(*st);
    if (!host || host->scheduled)
      continue;
    schedule(*host, *st);
    host->scheduled = st->placed = true;
  }
}

void schedulePatchEmbed(ScheduleEnv &env) {
  LoweringContext &x = env.ctx;
  placeStages<PatchEmbedStages>(env, [&](Host &host, PatchEmbedStages &st) {
    Func f = host.func;
    if (x.gpu) {
      // One thread per (channel, token); its dot product in registers.
      Var cb("cb"), ct("ct"), sb("sb"), stv("st");
      f.gpu_tile(x.c, x.s, cb, sb, ct, stv, 64, 4, TailStrategy::GuardWithIf)
          .gpu_blocks(x.b);
      st.dot.compute_at(f, ct);
      st.partial.compute_at(f, ct);
      return;
    }
    // A register tile of kChannels weight rows x kTokens patches: each step
    // of the patch's rows and channels loads kChannels + kTokens vectors for
    // kChannels * kTokens FMAs. The lanes are the patch's columns, contiguous
    // in the image row and in the weight row. Per image, the tasks are
    // strips of channels: a strip's weight rows stay in L1 while it walks
    // every patch (the image stays in L2).
    constexpr int kChannels = 4, kTokens = 4;
    Var co("co"), ci("ci"), so("so"), si("si");
    f.split(x.c, co, ci, kChannels, TailStrategy::GuardWithIf)
        .split(x.s, so, si, kTokens, TailStrategy::GuardWithIf)
        .reorder(ci, si, so, co, x.b)
        .parallel(co);
    for (Func g : {st.partial, st.dot})
      g.compute_at(f, so)
          .bound_extent(x.c, kChannels)
          .bound_extent(x.s, kTokens);
    st.partial.vectorize(st.lane).unroll(x.c).unroll(x.s);
    st.partial.update()
        .reorder(st.lane, x.c, x.s, st.r.x, st.r.y)
        .vectorize(st.lane)
        .unroll(x.c)
        .unroll(x.s);
  });
}

void scheduleTokenPool(ScheduleEnv &env) {
  LoweringContext &x = env.ctx;
  placeStages<TokenPoolStages>(env, [&](Host &host, TokenPoolStages &st) {
    Func f = host.func;
    if (x.gpu) {
      Var cb("cb"), ct("ct"), sb("sb"), stv("st");
      f.gpu_tile(x.c, x.s, cb, sb, ct, stv, 64, 1, TailStrategy::GuardWithIf)
          .gpu_blocks(x.b);
      st.sum.compute_at(f, ct);
      return;
    }
    f.parallel(x.b);
    if (host.channels < x.V) {
      st.sum.compute_at(f, x.c);
      return;
    }
    Var co("co"), ci("ci");
    f.split(x.c, co, ci, x.V, TailStrategy::ShiftInwards).vectorize(ci);
    st.sum.compute_at(f, co).vectorize(x.c, x.V);
    st.sum.update().vectorize(x.c, x.V);
  });
}

} // namespace

void registerVisionSchedules() {
  registerClassSchedule(nn::KernelClass::patch_embed, schedulePatchEmbed);
  registerClassSchedule(nn::KernelClass::token_pool, scheduleTokenPool);
}

} // namespace modelc::codegen
