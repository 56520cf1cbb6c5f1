//===- Positions.h - position schemes that sequence mixers apply -*- C++
//-*-===//
#ifndef MODELC_FRONTEND_BLOCKS_POSITIONS_H
#define MODELC_FRONTEND_BLOCKS_POSITIONS_H

#include "frontend/Spec.h"

#include "dialect/NNOps.h"

namespace modelc::frontend {

/// [embed] position = "rope": rotary positions, applied to q and k by the
/// attention mixer (not added to the embedding).
class RopeSpec : public PositionSpec {
public:
  double theta = 10000.0;
  nn::RopeStyle style = nn::RopeStyle::half;
};

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_BLOCKS_POSITIONS_H
