//===- PruneNeurons.h - nn-prune-neurons with the weights' values -*- C++ -*-//
//
// Global pruning compares the neurons of every MLP, so how many each keeps
// depends on the scores' values: that variant reads them through the
// driver's store.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_PASSES_PRUNE_PRUNENEURONS_H
#define MODELC_PASSES_PRUNE_PRUNENEURONS_H

#include "passes/Passes.h"
#include "passes/prune/Structure.h"

namespace modelc {

/// nn-prune-neurons; with `global`, `read` gives the neurons' scores.
std::unique_ptr<mlir::Pass>
createPruneNeurons(const PruneNeuronsOptions &options, WeightReader read);

} // namespace modelc

#endif // MODELC_PASSES_PRUNE_PRUNENEURONS_H
