//===- Vision.h - the vision kernel classes: patch_embed, token_pool -*- C++
//-*-===//
//
// patch_embed: each output (channel, token) is the dot product of one
// weight row and one image patch, both contiguous along the patch's columns:
// the partial sums of a patch column run as one vector (one lane per column
// of the patch) over the patch's rows and channels, then sum across lanes.
// A register tile of channels x tokens; one parallel task per strip of
// channels.
// token_pool: the sum over the tokens of a sequence, a vector of channels
// at a time, one parallel task per sequence.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_SCHEDULES_VISION_H
#define MODELC_CODEGEN_SCHEDULES_VISION_H

#include "codegen/lowering/LoweringContext.h"

namespace modelc::codegen {

/// The patch dot products of one nn.patch_embed.
struct PatchEmbedStages : OpStages {
  using OpStages::OpStages;
  Halide::Var lane{"lane"}; // the column within the patch
  Halide::Func partial;     // partial(lane, c, s, b): one column's sum
  Halide::RDom r;           // r.x: the patch row, r.y: the image channel
  Halide::Func dot;         // dot(c, s, b): bias + the columns summed
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// The sequence sum of one nn.token_pool (mean).
struct TokenPoolStages : OpStages {
  using OpStages::OpStages;
  Halide::Func sum; // sum(c, s, b)
  void computeAtRoot(const LoweringContext &ctx) override;
};

/// Registers the schedules of the patch_embed and token_pool classes.
void registerVisionSchedules();

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_SCHEDULES_VISION_H
