//===- Cost.h - the size and arithmetic of a model in nn IR ------*- C++
//-*-===//
//
// What the approximate passes' report compares before and after each pass.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_PASSES_PRUNE_COST_H
#define MODELC_PASSES_PRUNE_COST_H

#include "mlir/IR/BuiltinOps.h"

namespace modelc {

struct ModelCost {
  int64_t params = 0;      // elements of the distinct weights compute ops read
  int64_t weightBytes = 0; // their bytes (f32, int8)
  double flopsPerToken = 0, flopsPerTokenSeq = 0; // CostOpInterface, summed
};

/// The cost of every function of `module` (weightBytes per function).
ModelCost measureCost(mlir::ModuleOp module);

} // namespace modelc

#endif // MODELC_PASSES_PRUNE_COST_H
