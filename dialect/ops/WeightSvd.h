//===- WeightSvd.h - singular values of a weight ----------------*- C++ -*-===//
#ifndef MODELC_DIALECT_OPS_WEIGHTSVD_H
#define MODELC_DIALECT_OPS_WEIGHTSVD_H

#include "dialect/NNInterfaceTypes.h"

#include <vector>

namespace modelc::nn {

/// The singular values of the matrix `w`, in decreasing order (the same
/// decomposition nn.weight.svd_factor truncates).
std::vector<double> singularValues(const WeightData &w);

} // namespace modelc::nn

#endif // MODELC_DIALECT_OPS_WEIGHTSVD_H
