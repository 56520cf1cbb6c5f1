//===- FormKernels.cpp - partition nn ops into nn.kernel regions ----------===//
//
// nn-form-kernels. Two steps:
//
//  1. Partition (an analysis, plain code): every compute op of the function
//     body is assigned to exactly one group. With fuse=true, seed ops grow
//     groups by the fusion rules of docs/architecture.md, in this order of
//     precedence: embedding, attention, gemm (activated linears first, so a
//     GLU `mul` joins the gate's kernel), norm; whatever is left becomes a
//     one-op elementwise group. With fuse=false every op is its own group.
//  2. Outline (a rewrite): each group becomes one nn.kernel whose body is a
//     clone of the group's ops, the originals are erased, and the block is
//     re-sorted topologically (a norm kernel's second result, the residual
//     sum, may have users placed between the add and the norm).
//
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

/// Ops that carry computation and so must end up inside a kernel.
bool isCompute(Operation *op) {
  return isa<NNDialect>(op->getDialect()) &&
         !isa<WeightOp, KernelOp, YieldOp>(op);
}

/// The schedule class of a kernel seeded by `op`.
KernelClass kindOf(Operation *op) {
  if (isa<LinearOp>(op))
    return KernelClass::gemm;
  if (isa<LayerNormOp, RMSNormOp>(op))
    return KernelClass::norm;
  if (isa<AttentionOp>(op))
    return KernelClass::attention;
  if (isa<EmbeddingOp>(op))
    return KernelClass::embedding;
  return KernelClass::elementwise;
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
      for (Operation *op : compute)
        if (auto e = dyn_cast<EmbeddingOp>(op); e && !claimed(op))
          growEmbedding(e);
      for (Operation *op : compute)
        if (auto a = dyn_cast<AttentionOp>(op); a && !claimed(op))
          growAttention(a);
      // Linears feeding an activation first: in a GLU, the gate's kernel
      // takes the `mul`, the up projection is the already-available operand.
      for (bool activated : {true, false})
        for (Operation *op : compute)
          if (auto l = dyn_cast<LinearOp>(op); l && !claimed(op)) {
            Operation *user = singleUser(l.getResult());
            if (activated == (user && isa<ActivationOp>(user)))
              growGemm(l);
          }
      for (Operation *op : compute)
        if (isa<LayerNormOp, RMSNormOp>(op) && !claimed(op))
          growNorm(op);
    }
    for (Operation *op : compute)
      if (!claimed(op))
        claim(op, newGroup(op));

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
  unsigned newGroup(Operation *seed) {
    groups.push_back({seed, kindOf(seed), {}});
    return groups.size() - 1;
  }
  void claim(Operation *op, unsigned g) {
    groupOf[op] = g;
    groups[g].ops.push_back(op);
  }
  static Operation *singleUser(Value v) {
    return v.hasOneUse() ? *v.user_begin() : nullptr;
  }
  /// The unclaimed op defining `v`, if every use of `v` is by an op of `g`.
  Operation *exclusiveProducer(Value v, unsigned g) {
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != &block || claimed(def) || !isCompute(def))
      return nullptr;
    for (Operation *user : v.getUsers()) {
      auto it = groupOf.find(user);
      if (it == groupOf.end() || it->second != g)
        return nullptr;
    }
    return def;
  }

  // gemm: linear, then activation / mul while the running value has one use.
  void growGemm(LinearOp linear) {
    unsigned g = newGroup(linear);
    claim(linear, g);
    Value v = linear.getResult();
    while (Operation *user = singleUser(v)) {
      if (claimed(user) || !isa<ActivationOp, MulOp>(user))
        break;
      claim(user, g);
      v = user->getResult(0);
    }
  }

  // norm: the add producing the norm's input joins; its sum becomes a second
  // kernel result if anything else uses it.
  void growNorm(Operation *norm) {
    unsigned g = newGroup(norm);
    claim(norm, g);
    if (auto add = norm->getOperand(0).getDefiningOp<AddOp>())
      if (add->getBlock() == &block && !claimed(add))
        claim(add, g);
  }

  // attention: the slice / rope ops producing q, k, v, used only by it.
  void growAttention(AttentionOp attention) {
    unsigned g = newGroup(attention);
    claim(attention, g);
    SmallVector<Value> worklist(attention->getOperands());
    while (!worklist.empty()) {
      Value v = worklist.pop_back_val();
      Operation *def = exclusiveProducer(v, g);
      if (!def || !isa<SliceOp, RopeOp>(def))
        continue;
      claim(def, g);
      worklist.push_back(def->getOperand(0));
    }
  }

  // The ops of an embedding sum tree ending in `v` (embedding, add_positions
  // of a tree, add of two trees), each result used once; empty if `v` is
  // not such a tree.
  bool collectEmbeddingTree(Value v, SmallVectorImpl<Operation *> &ops) {
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != &block || claimed(def) || !v.hasOneUse())
      return false;
    if (isa<EmbeddingOp>(def)) {
      ops.push_back(def);
      return true;
    }
    if (auto pos = dyn_cast<AddPositionsOp>(def)) {
      ops.push_back(def);
      return collectEmbeddingTree(pos.getInput(), ops);
    }
    if (auto add = dyn_cast<AddOp>(def)) {
      ops.push_back(def);
      return collectEmbeddingTree(add.getLhs(), ops) &&
             collectEmbeddingTree(add.getRhs(), ops);
    }
    return false;
  }

  // embedding: + add_positions, + adds of other embedding trees (token
  // types), + the norm that reads the sum (the sum is a second result when
  // used elsewhere, as in a pre-LN residual stream).
  void growEmbedding(EmbeddingOp embedding) {
    unsigned g = newGroup(embedding);
    claim(embedding, g);
    Value v = embedding.getResult();
    while (Operation *user = singleUser(v)) {
      if (claimed(user))
        break;
      if (auto pos = dyn_cast<AddPositionsOp>(user)) {
        if (pos.getInput() != v)
          break;
      } else if (auto add = dyn_cast<AddOp>(user)) {
        Value other = add.getLhs() == v ? add.getRhs() : add.getLhs();
        SmallVector<Operation *> tree;
        if (other == v || !collectEmbeddingTree(other, tree))
          break;
        for (Operation *op : tree)
          claim(op, g);
      } else {
        break;
      }
      claim(user, g);
      v = user->getResult(0);
    }
    for (Operation *user : v.getUsers())
      if (isa<LayerNormOp, RMSNormOp>(user) && !claimed(user) &&
          user->getOperand(0) == v) {
        claim(user, g);
        break;
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

    // nn.weight ops stay outside, at the top, in their original order.
    Operation *lastWeight = nullptr;
    for (Operation &op : llvm::make_early_inc_range(block))
      if (isa<WeightOp>(op)) {
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
