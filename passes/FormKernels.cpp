//===- FormKernels.cpp - partition nn ops into nn.kernel regions ----------===//
//
// nn-form-kernels. Two steps:
//
//  1. Partition (an analysis, plain code): every compute op of the function
//     body is assigned to exactly one group. With fuse=true, seed ops (those
//     whose FusionOpInterface names a kernel class) grow groups in order of
//     their seed priority, then of position: each seed takes in the
//     producers and consumers it accepts (FusionOpInterface's
//     absorbsProducer / absorbsConsumer). Whatever is left becomes a one-op
//     elementwise group. With fuse=false every op is its own group.
//  2. Outline (a rewrite): each group becomes one nn.kernel whose body is a
//     clone of the group's ops, the originals are erased, and the block is
//     re-sorted topologically (a kernel's extra result, such as a norm
//     kernel's residual sum, may have users placed before its other ops).
//
// No op is named here: what fuses with what is each op's own answer.
// Partitioning is a whole-function decision (which op belongs to which seed
// depends on which seeds came first), which is why it is not phrased as
// greedy-driver patterns; the IR mutation goes through a RewriterBase.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"

#include "mlir/Analysis/TopologicalSortUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SetVector.h"

namespace modelc {
#define GEN_PASS_DEF_FORMKERNELS
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

/// Ops that carry computation and so must end up inside a kernel (weights,
/// and expressions of them, are kernel arguments).
bool isCompute(Operation *op) {
  return isa<NNDialect>(op->getDialect()) && !op->hasTrait<WeightValued>() &&
         !isa<KernelOp, YieldOp>(op);
}

/// The kernel class of `op` when it seeds a kernel.
std::optional<KernelClass> seedClass(Operation *op) {
  if (auto f = dyn_cast<FusionOpInterface>(op))
    return f.getSeedClass();
  return std::nullopt;
}

/// The first NameLoc inside `loc`, if any.
std::optional<NameLoc> findNameLoc(Location loc) {
  std::optional<NameLoc> found;
  loc->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      found = n;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

struct Group {
  Operation *seed;
  KernelClass kind;
  SmallVector<Operation *> ops;
};

/// Step 1: assigns the compute ops of one block to groups.
class Partitioner {
public:
  explicit Partitioner(Block &block) : block(block) {}

  SmallVector<Group> run(bool fuse) {
    SmallVector<Operation *> compute;
    for (Operation &op : block)
      if (isCompute(&op))
        compute.push_back(&op);

    if (fuse) {
      SmallVector<std::pair<int, Operation *>> seeds;
      for (Operation *op : compute)
        if (auto f = dyn_cast<FusionOpInterface>(op); f && f.getSeedClass())
          seeds.push_back({f.getSeedPriority(), op});
      // Stable: equal priorities keep block order.
      llvm::stable_sort(seeds,
                        [](auto &a, auto &b) { return a.first < b.first; });
      for (auto &[priority, op] : seeds)
        if (!claimed(op))
          grow(cast<FusionOpInterface>(op));
    }
    for (Operation *op : compute)
      if (!claimed(op))
        claim(op,
              newGroup(op, seedClass(op).value_or(KernelClass::elementwise)));

    // Each group's ops in block order.
    for (Group &g : groups)
      llvm::sort(g.ops, [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      });
    // Groups in order of their first op.
    llvm::sort(groups, [](const Group &a, const Group &b) {
      return a.ops.front()->isBeforeInBlock(b.ops.front());
    });
    return std::move(groups);
  }

private:
  Block &block;
  SmallVector<Group> groups;
  DenseMap<Operation *, unsigned> groupOf;

  bool claimed(Operation *op) const { return groupOf.count(op); }
  unsigned newGroup(Operation *seed, KernelClass kind) {
    groups.push_back({seed, kind, {}});
    return groups.size() - 1;
  }
  void claim(Operation *op, unsigned g) {
    groupOf[op] = g;
    groups[g].ops.push_back(op);
  }
  bool inGroup(Operation *op, unsigned g) const {
    auto it = groupOf.find(op);
    return it != groupOf.end() && it->second == g;
  }
  /// An unclaimed compute op of this block.
  bool available(Operation *op) const {
    return op && op->getBlock() == &block && !claimed(op) && isCompute(op);
  }

  /// Offers the producer of `operand` (an operand of an op of group `g`) to
  /// the seed, then the producers of its own operands.
  void growBackward(FusionOpInterface seed, unsigned g, OpOperand &operand) {
    Operation *def = operand.get().getDefiningOp();
    if (!available(def))
      return;
    Absorb mode = seed.absorbsProducer(operand, def);
    if (mode == Absorb::No)
      return;
    if (mode == Absorb::Exclusive)
      for (Value result : def->getResults())
        for (Operation *user : result.getUsers())
          if (!inGroup(user, g))
            return;
    claim(def, g);
    for (OpOperand &o : def->getOpOperands())
      growBackward(seed, g, o);
  }

  /// The consumer of `v` the seed takes in next, if any.
  Operation *nextConsumer(FusionOpInterface seed, Value v) {
    if (Operation *user = v.hasOneUse() ? *v.user_begin() : nullptr)
      return available(user) && seed.absorbsConsumer(v, user) != Absorb::No
                 ? user
                 : nullptr;
    for (Operation *user : v.getUsers())
      if (available(user) && seed.absorbsConsumer(v, user) == Absorb::Shared)
        return user;
    return nullptr;
  }

  void grow(FusionOpInterface seed) {
    Operation *op = seed.getOperation();
    unsigned g = newGroup(op, *seed.getSeedClass());
    claim(op, g);
    for (OpOperand &o : op->getOpOperands())
      growBackward(seed, g, o);
    if (op->getNumResults() != 1)
      return;
    Value v = op->getResult(0);
    while (Operation *next = nextConsumer(seed, v)) {
      claim(next, g);
      for (OpOperand &o : next->getOpOperands())
        if (o.get() != v)
          growBackward(seed, g, o);
      if (next->getNumResults() != 1)
        break;
      v = next->getResult(0);
    }
  }
};

/// Step 2: replaces the ops of `group` with one nn.kernel after its last op.
KernelOp outline(RewriterBase &rewriter, Group &group) {
  llvm::SmallPtrSet<Operation *, 8> inGroup(group.ops.begin(), group.ops.end());
  llvm::SetVector<Value> inputs;
  SmallVector<Value> results;
  for (Operation *op : group.ops) {
    for (Value operand : op->getOperands())
      if (!inGroup.contains(operand.getDefiningOp()))
        inputs.insert(operand);
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(), [&](Operation *user) {
            return !inGroup.contains(user);
          }))
        results.push_back(result);
  }

  Location loc = group.seed->getLoc();
  if (!isa<NameLoc>(loc))
    for (Operation *op : group.ops)
      if (auto name = findNameLoc(op->getLoc())) {
        loc = NameLoc::get(name->getName(), group.seed->getLoc());
        break;
      }

  rewriter.setInsertionPointAfter(group.ops.back());
  auto kernel = rewriter.create<KernelOp>(
      loc, ValueRange(results).getTypes(), /*name=*/"", group.kind,
      inputs.getArrayRef(), /*arena_offsets=*/nullptr);
  Block *body = rewriter.createBlock(&kernel.getBody());
  IRMapping mapping;
  for (Value input : inputs)
    mapping.map(input, body->addArgument(input.getType(), input.getLoc()));
  rewriter.setInsertionPointToEnd(body);
  for (Operation *op : group.ops)
    rewriter.clone(*op, mapping);
  SmallVector<Value> yielded;
  for (Value result : results)
    yielded.push_back(mapping.lookup(result));
  rewriter.create<YieldOp>(loc, yielded);

  for (auto [result, replacement] : llvm::zip(results, kernel.getResults()))
    rewriter.replaceUsesWithIf(result, replacement, [&](OpOperand &use) {
      return !inGroup.contains(use.getOwner());
    });
  for (Operation *op : llvm::reverse(group.ops))
    rewriter.eraseOp(op);
  return kernel;
}

struct FormKernelsPass : public modelc::impl::FormKernelsBase<FormKernelsPass> {
  using FormKernelsBase::FormKernelsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    if (!func.getBody().hasOneBlock()) {
      func.emitOpError("nn-form-kernels expects a single-block body");
      return signalPassFailure();
    }
    Block &block = func.getBody().front();
    for (Operation &op : block.without_terminator())
      if (!isa<NNDialect>(op.getDialect())) {
        op.emitOpError("cannot be placed in an nn.kernel");
        return signalPassFailure();
      }

    // Weights (and weight expressions) stay outside, at the top, in their
    // original order (which keeps every expression after its operands).
    Operation *lastWeight = nullptr;
    for (Operation &op : llvm::make_early_inc_range(block))
      if (op.hasTrait<WeightValued>()) {
        if (lastWeight)
          op.moveAfter(lastWeight);
        else
          op.moveBefore(&block.front());
        lastWeight = &op;
      }

    SmallVector<Group> groups = Partitioner(block).run(fuse);
    IRRewriter rewriter(&getContext());
    llvm::SmallPtrSet<Operation *, 32> formed;
    for (Group &group : groups) {
      numFusedOps += group.ops.size();
      formed.insert(outline(rewriter, group));
    }
    if (!sortTopologically(&block)) {
      func.emitOpError("kernel formation produced a cycle");
      return signalPassFailure();
    }

    // Instance-unique names in block order; dedup makes them canonical.
    unsigned index = 0;
    for (auto kernel : block.getOps<KernelOp>()) {
      std::string name =
          (Twine(stringifyKernelClass(kernel.getKind())) + "_" + Twine(index++))
              .str();
      if (!formed.contains(kernel))
        continue;
      kernel.setName(name);
      if (!findNameLoc(kernel.getLoc()))
        kernel->setLoc(NameLoc::get(StringAttr::get(&getContext(), name),
                                    kernel.getLoc()));
      ++numKernels;
    }
  }
};

} // namespace
