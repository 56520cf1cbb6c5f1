//===- PruneHeads.h - nn-prune-heads with the weights' values --*- C++ -*-===//
//
// Global pruning compares the heads of every attention, so how many each
// keeps depends on the scores' values: that variant reads them through the
// driver's store.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_PASSES_PRUNE_PRUNEHEADS_H
#define MODELC_PASSES_PRUNE_PRUNEHEADS_H

#include "passes/Passes.h"
#include "passes/prune/Structure.h"

namespace modelc {

/// nn-prune-heads; with `global`, `read` gives the heads' scores.
std::unique_ptr<mlir::Pass> createPruneHeads(const PruneHeadsOptions &options,
                                             WeightReader read);

} // namespace modelc

#endif // MODELC_PASSES_PRUNE_PRUNEHEADS_H
