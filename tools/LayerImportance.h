//===- LayerImportance.h - layers ranked on the calibration input -*- C++
//-*-===//
//
// `modelc compile --drop-layers=angular:N --calib tokens.npy`: a probe
// library returns every layer's input and output stream
// (nn-expose-layer-streams); run on the calibration input, the mean angular
// distance between the two is the layer's importance (Gromov et al., "The
// Unreasonable Ineffectiveness of the Deeper Layers"), and the N layers that
// turn the stream least are dropped.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_TOOLS_LAYERIMPORTANCE_H
#define MODELC_TOOLS_LAYERIMPORTANCE_H

#include "mlir/Support/LogicalResult.h"

#include <cstdint>
#include <string>
#include <vector>

namespace modelc {

struct LayerImportance {
  int64_t layer = 0;
  /// arccos(cos(input, output)) / pi, averaged over the calibration input's
  /// positions (batch x seq): 0 when the layer leaves every token's
  /// direction as it was, 1 when it reverses it.
  double angularDistance = 0;
};

/// How the layers were ranked, for the report.
struct LayerRanking {
  int64_t batch = 0, seq = 0;          // the calibration input's shape
  std::vector<LayerImportance> layers; // in layer order
  std::vector<int64_t> dropped;        // the least important, ascending
};

/// Runs the probe library `probe` on the calibration input `calibPath` and
/// ranks its layers; the `drop` least important go to `ranking.dropped`.
mlir::LogicalResult rankLayers(const std::string &probe,
                               const std::string &calibPath, int64_t drop,
                               LayerRanking &ranking, std::string &error);

} // namespace modelc

#endif // MODELC_TOOLS_LAYERIMPORTANCE_H
