//===- ImageStages.h - the stages of a hierarchical image model -*- C++ -*-===//
//
// [embed] stage_layers / stage_dims: the layers in stages of their own width
// on a shrinking patch grid, each stage after the first entered through a
// downsampling of the grid built as nn.grid_patches and a GEMM: a strided
// convolution (down = "conv", PoolFormer's downsampling patch embedding: 3x3,
// stride 2, padding 1) or Swin's patch merging (down = "merge": each 2x2
// neighbourhood concatenated, LayerNorm, a linear without bias).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_BLOCKS_IMAGESTAGES_H
#define MODELC_FRONTEND_BLOCKS_IMAGESTAGES_H

#include "frontend/BlockAPI.h"

namespace modelc::frontend {

struct ImageStages {
  enum class Down { conv, merge };
  struct Stage {
    int64_t first = 0, dim = 0, rows = 0, cols = 0; // first: its first layer
    // The downsampling (stages after the first): the conv's weight and bias,
    // or the merge's reduction (weight) and its norm's.
    TensorRef weight, bias, normWeight, normBias;
  };
  std::vector<Stage> stages;
  Down down = Down::conv;
  int64_t kernel = 3, stride = 2, padding = 1;
  double normEps = 1e-5; // the merge's LayerNorm
  SpecLoc loc;

  /// The stream entering `layer` (after the last: the last stage's).
  StreamShape at(int64_t layer) const;
  /// The downsampling before `layer` when a stage starts there, else x.
  mlir::Value before(BuildContext &ctx, mlir::Value x, int64_t layer) const;

private:
  mlir::Value conv(BuildContext &ctx, mlir::Value patches, const Stage &s,
                   const Stage &prev) const;
  mlir::Value merge(BuildContext &ctx, mlir::Value patches, const Stage &s,
                    const Stage &prev) const;
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
