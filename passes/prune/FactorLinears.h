//===- FactorLinears.h - nn-factor-linears with the weights' values -*- C++
//-*-===//
//
// Choosing the rank by retained energy needs each weight's singular values,
// so that variant of the pass reads weights through the driver's store.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_PASSES_PRUNE_FACTORLINEARS_H
#define MODELC_PASSES_PRUNE_FACTORLINEARS_H

#include "passes/Passes.h"
#include "passes/prune/Structure.h"

namespace modelc {

/// nn-factor-linears; with `energy`, `read` gives the weights to decompose.
std::unique_ptr<mlir::Pass>
createFactorLinears(const FactorLinearsOptions &options, WeightReader read);

} // namespace modelc

#endif // MODELC_PASSES_PRUNE_FACTORLINEARS_H
