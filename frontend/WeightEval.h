//===- WeightEval.h - the value of a weight or weight expression -*- C++
//-*-===//
#ifndef MODELC_FRONTEND_WEIGHTEVAL_H
#define MODELC_FRONTEND_WEIGHTEVAL_H

#include "frontend/WeightStore.h"

#include "mlir/IR/Value.h"

#include <vector>

namespace modelc::frontend {

/// The logical tensor (row-major, the shape of v's type) of a weight value:
/// an nn.weight read from the store, or a weight expression evaluated from
/// its operands (WeightExprOpInterface). Call after a successful
/// WeightStore::check of the module.
std::vector<float> materializeWeight(WeightStore &store, mlir::Value v);

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_WEIGHTEVAL_H
