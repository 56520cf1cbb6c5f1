//===- Schedule.cpp - the class-schedule registry and the fallbacks -------===//
#include "codegen/schedules/Schedule.h"

#include <map>

using namespace Halide;

namespace modelc::codegen {

namespace {
std::map<nn::KernelClass, ClassSchedule> &registry() {
  static std::map<nn::KernelClass, ClassSchedule> schedules;
  return schedules;
}
} // namespace

Host *ScheduleEnv::hostFor(const OpStages &stage) {
  auto it = hostOf.find(stage.value);
  return it == hostOf.end() ? nullptr : &hosts[it->second];
}

void registerClassSchedule(nn::KernelClass kind, ClassSchedule schedule) {
  registry()[kind] = schedule;
}

void scheduleElementwise(ScheduleEnv &env, Host &host) {
  host.scheduled = true;
  scheduleElementwiseFunc(env.ctx, host.func, host.channels);
}

void scheduleElementwiseFunc(const LoweringContext &x, Func f,
                             int64_t channels) {
  if (x.gpu) {
    Var cb("cb"), ct("ct"), rb("rb"), rt("rt");
    if (x.flat) {
      f.gpu_tile(x.c, x.m, cb, rb, ct, rt, 64, 4, TailStrategy::GuardWithIf);
    } else {
      f.gpu_tile(x.c, x.s, cb, rb, ct, rt, 64, 4, TailStrategy::GuardWithIf)
          .gpu_blocks(x.b);
    }
    return;
  }
  if (channels >= x.V)
    f.vectorize(x.c, x.V,
                channels % x.V ? TailStrategy::GuardWithIf
                               : TailStrategy::Auto);
  if (x.flat) {
    Var mo("mo"), mi("mi");
    f.split(x.m, mo, mi, 4, TailStrategy::GuardWithIf).parallel(mo);
  } else {
    f.parallel(x.s);
  }
}

void scheduleKernel(nn::KernelClass kind, ScheduleEnv &env) {
  for (Host &h : env.hosts)
    if (!h.isOutput)
      h.func.compute_root();
  auto it = registry().find(kind);
  if (it != registry().end())
    it->second(env);
  for (const auto &stage : env.ctx.allStages())
    if (!stage->placed)
      stage->computeAtRoot(env.ctx);
  for (Host &h : env.hosts)
    if (!h.scheduled)
      scheduleElementwise(env, h);
  for (Func f : env.ctx.allRoots()) {
    f.compute_root();
    if (env.ctx.gpu) {
      Var xb("xb"), xt("xt");
      f.gpu_tile(f.args()[0], xb, xt, 32, TailStrategy::GuardWithIf);
    }
  }
}

} // namespace modelc::codegen
