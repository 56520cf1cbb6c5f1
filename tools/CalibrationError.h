//===- CalibrationError.h - the output error of an approximate model -*- C++
//-*-===//
//
// `modelc compile --calib tokens.npy` with approximate passes: both the
// approximate library and the one compiled without the approximate passes
// run on the calibration input: their first outputs are compared, and both
// are timed there.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_TOOLS_CALIBRATIONERROR_H
#define MODELC_TOOLS_CALIBRATIONERROR_H

#include "mlir/Support/LogicalResult.h"

#include <cstdint>
#include <string>

namespace modelc {

struct OutputError {
  std::string output; // the output compared ("logits")
  int64_t batch = 0, seq = 0;
  double relMax = 0;  // max |a - r| / max |r|
  double relMean = 0; // mean |a - r| / mean |r|
  double top1 = 0;    // positions whose argmax agrees, a fraction
  // Latency on the calibration input: the median of `latencyRuns` runs of
  // each library, alternated (the runtime's default threads).
  int latencyRuns = 0;
  double approxMs = 0, referenceMs = 0;
};

/// Runs the libraries `approximate` and `reference` on the token ids of the
/// .npy file `calibPath` (the models' one input) and compares their first
/// outputs, then times both on it. A file the signature does not accept is a
/// failure with `error` saying why.
mlir::LogicalResult measureOutputError(const std::string &approximate,
                                       const std::string &reference,
                                       const std::string &calibPath,
                                       OutputError &result, std::string &error);

} // namespace modelc

#endif // MODELC_TOOLS_CALIBRATIONERROR_H
