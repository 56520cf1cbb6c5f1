//===- Heads.h - the head count and width of attention-like mixers -*- C++
//-*-===//
//
// Attention-like mixers (softmax attention, linear attention, ...) split
// their projections into `heads` heads of `head_dim`: both keys are read and
// checked the same way.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_BLOCKS_HEADS_H
#define MODELC_FRONTEND_BLOCKS_HEADS_H

#include "frontend/BlockAPI.h"

namespace modelc::frontend {

struct HeadShape {
  int64_t heads = 0, headDim = 0;
};

/// `heads` (required) and `head_dim` (default dim / heads, which must then
/// divide) of the family's table; with rope positions, head_dim must be
/// even. Reports what is wrong and returns nullopt.
std::optional<HeadShape> readHeads(const ReadContext &ctx);

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_BLOCKS_HEADS_H
