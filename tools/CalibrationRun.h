//===- CalibrationRun.h - a library run on the calibration input -*- C++
//-*-===//
//
// `modelc compile --calib tokens.npy` runs libraries on the token ids of
// the .npy file: the approximate library and the reference (the output
// error), and the probe of --drop-layers=angular:N (the layers' streams).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_TOOLS_CALIBRATIONRUN_H
#define MODELC_TOOLS_CALIBRATIONRUN_H

#include "runtime/CliSupport.h"
#include "runtime/modelrt.h"

#include "mlir/Support/LogicalResult.h"

#include <memory>
#include <string>
#include <vector>

namespace modelc {

/// A tensor whose data the runtime allocated, and the name of the signature
/// entry it was (the model that owns the name's storage may be gone).
struct OwnedTensor {
  mrt_tensor t{};
  std::string name;
  OwnedTensor() = default;
  OwnedTensor(const OwnedTensor &) = delete;
  OwnedTensor &operator=(const OwnedTensor &) = delete;
  ~OwnedTensor() { mrt_tensor_release(&t); }
};

/// The calibration input: int32 token ids [batch, seq].
struct CalibrationInput {
  std::string path;
  OwnedTensor tokens;
};

/// Reads `path` into `input`; a file that is not .npy is an error.
mlir::LogicalResult loadCalibration(const std::string &path,
                                    CalibrationInput &input,
                                    std::string &error);

/// A library loaded and run once on the calibration input, with all its
/// outputs.
struct CalibrationRun {
  mrt::cli::ModelPtr model;
  std::vector<std::unique_ptr<OwnedTensor>> outputs;
  /// Runs the model again on `input` into the same outputs.
  mlir::LogicalResult rerun(CalibrationInput &input, std::string &error);
};

/// Loads `lib` and runs it on `input`. A model whose one input is not token
/// ids of the file's shape is an error that names its signature.
mlir::LogicalResult runOnCalibration(const std::string &lib,
                                     CalibrationInput &input,
                                     CalibrationRun &run, std::string &error);

} // namespace modelc

#endif // MODELC_TOOLS_CALIBRATIONRUN_H
