//===- DedupKernels.cpp - one name for structurally identical kernels -----===//
//
// nn-dedup-kernels. Kernels are bucketed by a hash of their signature and
// body (ops, attributes, types; no locations, no SSA identities), then
// confirmed equal with OperationEquivalence::isRegionEquivalentTo, which also
// checks the operand wiring inside the region (block arguments matched by
// position). The kernel's operands — which weights and activations it is
// given — are deliberately not compared: they are the kernel's arguments.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Hashing.h"

namespace modelc {
#define GEN_PASS_DEF_DEDUPKERNELS
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

llvm::hash_code hashKernel(KernelOp kernel) {
  llvm::hash_code h =
      llvm::hash_combine(kernel.getKind(), kernel.getBlock().getNumArguments(),
                         kernel->getNumResults());
  for (Type t : kernel.getBlock().getArgumentTypes())
    h = llvm::hash_combine(h, t);
  for (Type t : kernel->getResultTypes())
    h = llvm::hash_combine(h, t);
  for (Operation &op : kernel.getBlock())
    h = llvm::hash_combine(h, OperationEquivalence::computeHash(
                                  &op, OperationEquivalence::ignoreHashValue,
                                  OperationEquivalence::ignoreHashValue,
                                  OperationEquivalence::IgnoreLocations));
  return h;
}

bool sameKernel(KernelOp a, KernelOp b) {
  return a.getKind() == b.getKind() &&
         a->getResultTypes() == b->getResultTypes() &&
         OperationEquivalence::isRegionEquivalentTo(
             &a.getBody(), &b.getBody(), OperationEquivalence::IgnoreLocations);
}

struct DedupKernelsPass
    : public modelc::impl::DedupKernelsBase<DedupKernelsPass> {
  using DedupKernelsBase::DedupKernelsBase;

  void runOnOperation() override {
    SmallVector<KernelOp> representatives;
    DenseMap<llvm::hash_code, SmallVector<unsigned, 1>> buckets;
    getOperation().walk([&](KernelOp kernel) {
      ++numLaunches;
      SmallVector<unsigned, 1> &bucket = buckets[hashKernel(kernel)];
      for (unsigned index : bucket)
        if (sameKernel(representatives[index], kernel)) {
          kernel.setName(representatives[index].getName());
          return;
        }
      unsigned index = representatives.size();
      bucket.push_back(index);
      representatives.push_back(kernel);
      kernel.setName((Twine("k") + Twine(index) + "_" +
                      stringifyKernelClass(kernel.getKind()))
                         .str());
    });
    numUnique = representatives.size();
  }
};

} // namespace
