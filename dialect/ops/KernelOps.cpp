//===- KernelOps.cpp - nn.kernel and nn.yield -----------------------------===//
#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::nn {

LogicalResult KernelOp::verify() {
  if (getName().empty())
    return emitOpError("needs a non-empty kernel name");
  Block &block = getBlock();
  if (block.empty() || !isa<YieldOp>(block.back()))
    return emitOpError("body must end in nn.yield");
  if (block.getNumArguments() != getInputs().size())
    return emitOpError("body takes ")
           << block.getNumArguments() << " arguments for " << getInputs().size()
           << " inputs";
  for (auto [arg, in] : llvm::zip(block.getArguments(), getInputs()))
    if (arg.getType() != in.getType())
      return emitOpError("body argument type ")
             << arg.getType() << " differs from input type " << in.getType();
  auto yield = cast<YieldOp>(block.back());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ") << yield.getValues().getTypes()
                                  << " but returns " << getResultTypes();
  if (auto offsets = getArenaOffsets()) {
    if (offsets->size() != getNumResults())
      return emitOpError("has ") << offsets->size() << " arena offsets for "
                                 << getNumResults() << " results";
    for (int64_t offset : *offsets)
      if (offset < -1)
        return emitOpError("arena offset ")
               << offset << " is negative (only -1, the caller's buffer, is)";
  }
  return success();
}

} // namespace modelc::nn
