//===- ImageStages.h - the stages of a hierarchical image model -*- C++ -*-===//
//
// [embed] stage_layers / stage_dims: the layers in stages of their own width
// on a shrinking patch grid, each stage after the first entered through a
// strided convolution over the grid (PoolFormer's downsampling patch
// embedding: 3x3, stride 2, padding 1), built as nn.grid_patches and a GEMM.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_BLOCKS_IMAGESTAGES_H
#define MODELC_FRONTEND_BLOCKS_IMAGESTAGES_H

#include "frontend/BlockAPI.h"

namespace modelc::frontend {

struct ImageStages {
  struct Stage {
    int64_t first = 0, dim = 0, rows = 0, cols = 0; // first: its first layer
    TensorRef weight, bias; // the downsampling conv (stages after the first)
  };
  std::vector<Stage> stages;
  int64_t kernel = 3, stride = 2, padding = 1;
  SpecLoc loc;

  /// The stream entering `layer` (after the last: the last stage's).
  StreamShape at(int64_t layer) const;
  /// The downsampling before `layer` when a stage starts there, else x.
  mlir::Value before(BuildContext &ctx, mlir::Value x, int64_t layer) const;
};

/// The [embed] stage keys ([rows, cols]: the stem's grid, `dim`: its width;
/// `bias`: whether each downsampling conv has one);
/// nullopt when absent or wrong (reported).
std::optional<ImageStages> readImageStages(const ReadContext &ctx, int64_t rows,
                                           int64_t cols, int64_t dim,
                                           bool bias);

/// The [embed] keys readImageStages reads, and the slots of a downsampling.
extern const std::vector<KeySpec> kImageStageKeys;
extern const std::vector<std::string> kImageStageSlots;

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_BLOCKS_IMAGESTAGES_H
