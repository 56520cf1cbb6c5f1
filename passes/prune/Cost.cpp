//===- Cost.cpp - the size and arithmetic of a model in nn IR -------------===//
#include "passes/prune/Cost.h"

#include "dialect/NNOps.h"
#include "passes/WeightBuilder.h"

using namespace mlir;

namespace modelc {

ModelCost measureCost(ModuleOp module) {
  ModelCost cost;
  module.walk([&](func::FuncOp func) {
    WeightSize size = weightSize(func);
    cost.params += size.elements;
    cost.weightBytes += size.bytes;
  });
  module.walk([&](nn::CostOpInterface op) {
    cost.flopsPerToken += op.getFlopsPerToken();
    cost.flopsPerTokenSeq += op.getFlopsPerTokenSeq();
  });
  return cost;
}

} // namespace modelc
