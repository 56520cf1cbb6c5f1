//===- PlanMemory.cpp - liveness and arena offsets for kernel results -----===//
//
// nn-plan-memory. An analysis followed by attribute updates, no rewrite:
//
//  1. Liveness over the linear kernel sequence of each function: a result
//     lives from the position of the kernel defining it to the position of
//     its last user, both inclusive. Inclusive ends are what keeps a kernel's
//     outputs from sharing memory with its inputs (kernels are not in-place).
//  2. Greedy by size with best fit (TFLite's ArenaPlanner "greedy by size",
//     Halide hannk's AllocationPlanner): buffers in decreasing size; each goes
//     into the smallest gap, among the buffers already placed whose lifetime
//     overlaps its own, that holds it, or after the last of them.
//
// Sizes are floats (32-bit elements) per token: the product of a result's
// dimensions after [batch, seq]. When the inputs fix the sequence length S
// (nn.fixed_seq: an image) a result with a static token count n (a
// downsampled stage, a pooled vector) needs n / S of that, rounded up: every
// buffer starts at arena + offset * batch * S.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"

namespace modelc {
#define GEN_PASS_DEF_PLANMEMORY
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

struct Buffer {
  KernelOp kernel;
  unsigned result;
  int64_t size;  // floats per token
  int64_t first; // position of the defining kernel
  int64_t last;  // position of the last user (inclusive)
  int64_t offset = -1;

  bool overlapsInTime(const Buffer &o) const {
    return first <= o.last && o.first <= last;
  }
};

/// Floats per token of a kernel result, or failure. `fixedSeq`: the
/// module's nn.fixed_seq, 0 without one.
FailureOr<int64_t> floatsPerToken(KernelOp kernel, Value result,
                                  int64_t fixedSeq) {
  auto type = cast<RankedTensorType>(result.getType());
  if (type.getRank() < 2 || type.getElementTypeBitWidth() != 32)
    return kernel.emitOpError("cannot place a result of type ")
           << type << " in the arena (want [batch, seq, ...] of 32-bit "
           << "elements)";
  int64_t size = 1;
  for (int64_t d : type.getShape().drop_front(2)) {
    if (ShapedType::isDynamic(d))
      return kernel.emitOpError("cannot place a result of type ")
             << type << " in the arena (dynamic dimension after [batch, seq])";
    size *= d;
  }
  int64_t tokens = type.getDimSize(1);
  if (fixedSeq > 0 && !ShapedType::isDynamic(tokens))
    return (tokens * size + fixedSeq - 1) / fixedSeq;
  return size;
}

struct Plan {
  int64_t arena = 0, naive = 0, peakLive = 0;
  unsigned buffers = 0;
};

/// Greedy by size, best fit. Fills in `offset` of every buffer; returns the
/// arena size.
int64_t place(MutableArrayRef<Buffer> buffers) {
  SmallVector<Buffer *> order;
  for (Buffer &b : buffers)
    order.push_back(&b);
  llvm::stable_sort(order, [](const Buffer *a, const Buffer *b) {
    if (a->size != b->size)
      return a->size > b->size;
    return a->first < b->first;
  });
  SmallVector<Buffer *> placed;
  int64_t arena = 0;
  for (Buffer *b : order) {
    SmallVector<Buffer *> live;
    for (Buffer *p : placed)
      if (p->overlapsInTime(*b))
        live.push_back(p);
    llvm::sort(live, [](const Buffer *x, const Buffer *y) {
      return x->offset < y->offset;
    });
    int64_t best = -1, bestGap = std::numeric_limits<int64_t>::max();
    int64_t end = 0; // end of the live buffers seen so far
    for (Buffer *p : live) {
      int64_t gap = p->offset - end;
      if (gap >= b->size && gap < bestGap) {
        best = end;
        bestGap = gap;
      }
      end = std::max(end, p->offset + p->size);
    }
    b->offset = best >= 0 ? best : end;
    arena = std::max(arena, b->offset + b->size);
    placed.push_back(b);
  }
  return arena;
}

FailureOr<Plan> planFunction(func::FuncOp func, int64_t fixedSeq) {
  Plan plan;
  if (func.isExternal())
    return plan;
  if (!func.getBody().hasOneBlock())
    return func.emitOpError("nn-plan-memory expects a single-block body");
  DenseMap<Operation *, int64_t> position;
  int64_t index = 0;
  for (Operation &op : func.getBody().front())
    position[&op] = index++;

  SmallVector<Buffer> buffers;
  SmallVector<KernelOp> kernels;
  for (auto kernel : func.getBody().front().getOps<KernelOp>()) {
    kernels.push_back(kernel);
    for (OpResult result : kernel->getResults()) {
      bool returned = llvm::any_of(result.getUsers(), [](Operation *user) {
        return isa<func::ReturnOp>(user);
      });
      if (returned)
        continue;
      FailureOr<int64_t> size = floatsPerToken(kernel, result, fixedSeq);
      if (failed(size))
        return failure();
      Buffer b{kernel, result.getResultNumber(), *size, position[kernel],
               position[kernel]};
      for (Operation *user : result.getUsers()) {
        Operation *top = func.getBody().front().findAncestorOpInBlock(*user);
        if (top)
          b.last = std::max(b.last, position[top]);
      }
      buffers.push_back(b);
    }
  }

  plan.buffers = buffers.size();
  for (const Buffer &b : buffers)
    plan.naive += b.size;
  for (KernelOp kernel : kernels) {
    int64_t live = 0, at = position[kernel];
    for (const Buffer &b : buffers)
      if (b.first <= at && at <= b.last)
        live += b.size;
    plan.peakLive = std::max(plan.peakLive, live);
  }
  plan.arena = place(buffers);

  DenseMap<Operation *, SmallVector<int64_t>> offsets;
  for (KernelOp kernel : kernels)
    offsets[kernel].assign(kernel->getNumResults(), -1);
  for (const Buffer &b : buffers)
    offsets[b.kernel][b.result] = b.offset;
  for (KernelOp kernel : kernels)
    kernel.setArenaOffsets(offsets[kernel]);
  return plan;
}

struct PlanMemoryPass : public modelc::impl::PlanMemoryBase<PlanMemoryPass> {
  using PlanMemoryBase::PlanMemoryBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t arena = 0;
    auto fixed = module->getAttrOfType<IntegerAttr>(
        NNDialect::FixedSeqAttrHelper::getNameStr());
    for (auto func : module.getOps<func::FuncOp>()) {
      FailureOr<Plan> plan = planFunction(func, fixed ? fixed.getInt() : 0);
      if (failed(plan))
        return signalPassFailure();
      arena = std::max(arena, plan->arena);
      numBuffers += plan->buffers;
      arenaFloats += plan->arena;
      naiveFloats += plan->naive;
      lowerBoundFloats += plan->peakLive;
      if (report && plan->buffers)
        mlir::emitRemark(func.getLoc())
            << "arena " << plan->arena << " floats/token for " << plan->buffers
            << " buffers (naive " << plan->naive << ", peak live "
            << plan->peakLive << ")";
    }
    module->setAttr(
        NNDialect::ArenaFloatsPerTokenAttrHelper::getNameStr(),
        IntegerAttr::get(IntegerType::get(&getContext(), 64), arena));
  }
};

} // namespace
