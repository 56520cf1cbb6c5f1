//===- Schedule.h - one schedule per kernel class ---------------*- C++ -*-===//
//
// The nn.kernel `kind` (its class) selects the schedule, and nothing else
// does (DESIGN.md decision 10). A class schedule places the stages its seed
// op registered inside the loop nest of the output they flow into (their
// host), CPU and CUDA side by side; what it leaves is scheduled generically:
// stages at root, hosts element-wise. A family with a new kernel class adds
// a schedules/<Class>.cpp and registers it (registerClassSchedule).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_SCHEDULES_SCHEDULE_H
#define MODELC_CODEGEN_SCHEDULES_SCHEDULE_H

#include "codegen/lowering/LoweringContext.h"
#include "dialect/NNOps.h"

#include <vector>

namespace modelc::codegen {

/// A Func whose loop nest computes stages: a kernel output, or a value that
/// feeds several outputs (then computed at root).
struct Host {
  Halide::Func func;
  int64_t channels = 0;
  bool isOutput = false;
  bool scheduled = false;
};

class ScheduleEnv {
public:
  ScheduleEnv(LoweringContext &ctx, std::vector<Host> hosts,
              llvm::DenseMap<mlir::Value, int> hostOf)
      : ctx(ctx), hosts(std::move(hosts)), hostOf(std::move(hostOf)) {}

  LoweringContext &ctx;
  std::vector<Host> hosts; // the kernel outputs first

  /// The host of a stage's value, or null when it has none.
  Host *hostFor(const OpStages &stage);
  /// The stages of type S, in the order their ops were lowered.
  template <typename S> std::vector<S *> stagesOf() {
    std::vector<S *> r;
    for (const auto &st : ctx.allStages())
      if (auto *s = dynamic_cast<S *>(st.get()))
        r.push_back(s);
    return r;
  }

private:
  llvm::DenseMap<mlir::Value, int> hostOf;
};

using ClassSchedule = void (*)(ScheduleEnv &env);

/// Makes `schedule` the schedule of kernels of class `kind`.
void registerClassSchedule(nn::KernelClass kind, ClassSchedule schedule);

/// Runs the schedule of `kind` (if one is registered), then the generic
/// fallbacks for whatever it left: stages at root, hosts element-wise, the
/// root tables.
void scheduleKernel(nn::KernelClass kind, ScheduleEnv &env);

/// The element-wise schedule of a host: vectorized over c, parallel over
/// rows (CPU); 64x4 thread blocks (CUDA).
void scheduleElementwise(ScheduleEnv &env, Host &host);
/// The same schedule for any Func `channels` wide (a value computed at root
/// inside a kernel: a GEMM's prologue).
void scheduleElementwiseFunc(const LoweringContext &ctx, Halide::Func f,
                             int64_t channels);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_SCHEDULE_H
