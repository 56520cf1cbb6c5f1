//===- WeightSelect.h - which groups structured pruning keeps ---*- C++ -*-===//
#ifndef MODELC_DIALECT_OPS_WEIGHTSELECT_H
#define MODELC_DIALECT_OPS_WEIGHTSELECT_H

#include <cstdint>
#include <vector>

namespace modelc::nn {

/// The groups nn.weight.select_top keeps, by their scores: the axis is
/// `segments` equal segments of groups, and each keeps its `keptPerSegment`
/// best-scored groups (on equal scores the lower index), in their original
/// order. Passes that must know the choice at compile time (the per-head
/// attributes of a pruned attention) ask this, so they agree with the
/// weights.
std::vector<int64_t> keptGroups(const std::vector<double> &groupScores,
                                int64_t segments, int64_t keptPerSegment);

} // namespace modelc::nn

#endif // MODELC_DIALECT_OPS_WEIGHTSELECT_H
