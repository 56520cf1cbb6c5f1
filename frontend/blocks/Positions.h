//===- Positions.h - position schemes mixers apply --------------*- C++ -*-===//
#ifndef MODELC_FRONTEND_BLOCKS_POSITIONS_H
#define MODELC_FRONTEND_BLOCKS_POSITIONS_H

#include "frontend/BlockAPI.h"

#include "dialect/NNOps.h"

namespace modelc::frontend {

/// [embed] position = "rope": rotary positions, applied to q and k by the
/// attention mixer (not added to the embedding).
class RopeSpec : public PositionSpec {
public:
  double theta = 10000.0;
  nn::RopeStyle style = nn::RopeStyle::half;
  /// rope_dim: the rotated channels of each head (nullopt: all of them).
  std::optional<Val<int64_t>> rotaryDim;

  /// `x` ([.., heads * head_dim]) with its heads rotated: the nn.rope op a
  /// mixer applies to its queries or keys, named `name`.
  mlir::Value rotate(BuildContext &ctx, mlir::Value x, int64_t heads,
                     llvm::StringRef name) const;
};

/// [embed] position = "alibi": attention adds -slope_h |i - j| to the
/// scores of head h (Press et al. 2022).
class AlibiSpec : public PositionSpec {
public:
  /// The slopes of `heads` heads: for the largest power of two n <= heads,
  /// 2^(-8k/n), k = 1..n, then every other slope of 2n heads.
  static std::vector<float> slopes(int64_t heads);
};

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_BLOCKS_POSITIONS_H
