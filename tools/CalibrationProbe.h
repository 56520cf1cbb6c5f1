//===- CalibrationProbe.h - what the probe measures on --calib ---*- C++
//-*-===//
//
// `modelc compile --calib tokens.npy` with --drop-layers=angular:N or
// --prune-score=activation builds a probe of the model first: a library
// that returns every layer's input and output stream and, for activation
// scores, every linear's input (nn-expose-layer-streams). Run on the
// calibration input it gives
//  - each layer's importance, the mean angular distance between the stream
//    it reads and the one it yields (Gromov et al., "The Unreasonable
//    Ineffectiveness of the Deeper Layers"): the N layers that turn the
//    stream least are dropped;
//  - each linear's input energy per channel (the sum of squares over the
//    calibration positions), stored as the measured tensors the pruning
//    passes' activation scores read (passes/prune/Structure.h).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_TOOLS_CALIBRATIONPROBE_H
#define MODELC_TOOLS_CALIBRATIONPROBE_H

#include "tools/CalibrationRun.h"

#include "mlir/Support/LogicalResult.h"

#include <cstdint>
#include <string>
#include <vector>

namespace modelc::frontend {
class WeightStore;
} // namespace modelc::frontend

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

/// Ranks the layers from the streams `probe` returned on `input`; the
/// `drop` least important go to `ranking.dropped`.
LayerRanking rankLayers(const CalibrationRun &probe,
                        const CalibrationInput &input, int64_t drop);

/// Adds to `store`, for every linear whose input `probe` returned, its
/// input energy per channel as the tensor inputSqNormsName(instance);
/// returns how many.
int64_t storeInputEnergies(const CalibrationRun &probe,
                           frontend::WeightStore &store);

} // namespace modelc

#endif // MODELC_TOOLS_CALIBRATIONPROBE_H
