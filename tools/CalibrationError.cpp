//===- CalibrationError.cpp - the output error of an approximate model ----===//
#include "tools/CalibrationError.h"

#include "runtime/CliSupport.h"
#include "runtime/modelrt.h"
#include "runtime/npy.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace modelc {

namespace {

/// A tensor whose data the runtime allocated, and the name of the signature
/// entry it was (the model that owns the name's storage is gone).
struct OwnedTensor {
  mrt_tensor t{};
  std::string name;
  ~OwnedTensor() { mrt_tensor_release(&t); }
};

/// Runs `lib` on `tokens`; its first output goes to `out`.
mlir::LogicalResult runOn(const std::string &lib, const std::string &calib,
                          mrt_tensor &tokens, OwnedTensor &out,
                          std::string &error) {
  mrt::cli::ModelPtr model = mrt::cli::loadModel(lib, "");
  if (!model) {
    error = mrt_last_error();
    return mlir::failure();
  }
  if (mrt_num_inputs(model.get()) != 1) {
    error = std::string("--calib gives the one input of a model; this one "
                        "has the signature ") +
            mrt_signature(model.get());
    return mlir::failure();
  }
  mrt_tensor_info in;
  mrt_input_info(model.get(), 0, &in);
  if (tokens.rank != 2 || tokens.dtype != in.dtype) {
    error = "--calib " + calib + " does not fit the signature " +
            mrt_signature(model.get()) + ": it must be int32 [batch, seq]";
    return mlir::failure();
  }
  tokens.name = in.name;
  mrt_tensor_info info;
  mrt_output_info(model.get(), 0, &info);
  out.name = info.name;
  out.t.dtype = info.dtype;
  if (mrt_output_shape(model.get(), 0, tokens.dims[0], tokens.dims[1],
                       &out.t.rank, out.t.dims) != MRT_OK ||
      mrt_tensor_alloc(&out.t) != MRT_OK ||
      mrt_run(model.get(), &tokens, 1, &out.t, 1) != MRT_OK) {
    error = "--calib " + calib + " does not fit the signature " +
            mrt_signature(model.get()) + ": " + mrt_last_error();
    return mlir::failure();
  }
  tokens.name = out.t.name = nullptr; // the model's strings go with it
  return mlir::success();
}

} // namespace

mlir::LogicalResult measureOutputError(const std::string &approximate,
                                       const std::string &reference,
                                       const std::string &calibPath,
                                       OutputError &result,
                                       std::string &error) {
  OwnedTensor tokens, a, r;
  if (mrt_npy_load(calibPath.c_str(), &tokens.t) != MRT_OK) {
    error = "--calib " + calibPath + ": " + mrt_last_error();
    return mlir::failure();
  }
  if (failed(runOn(approximate, calibPath, tokens.t, a, error)) ||
      failed(runOn(reference, calibPath, tokens.t, r, error)))
    return mlir::failure();
  const float *x = static_cast<const float *>(a.t.data);
  const float *y = static_cast<const float *>(r.t.data);
  int64_t n = mrt_tensor_elements(&r.t);
  int64_t width = r.t.dims[r.t.rank - 1], rows = n / width;
  double maxDiff = 0, maxRef = 0, sumDiff = 0, sumRef = 0;
  int64_t agree = 0;
  for (int64_t i = 0; i < n; ++i) {
    double d = std::fabs(double(x[i]) - y[i]);
    maxDiff = std::max(maxDiff, d);
    maxRef = std::max(maxRef, std::fabs(double(y[i])));
    sumDiff += d;
    sumRef += std::fabs(double(y[i]));
  }
  for (int64_t row = 0; row < rows; ++row)
    agree += std::max_element(x + row * width, x + (row + 1) * width) - x -
                 row * width ==
             std::max_element(y + row * width, y + (row + 1) * width) - y -
                 row * width;
  result.output = r.name;
  result.batch = tokens.t.dims[0];
  result.seq = tokens.t.dims[1];
  result.relMax = maxRef > 0 ? maxDiff / maxRef : maxDiff;
  result.relMean = sumRef > 0 ? sumDiff / sumRef : sumDiff;
  result.top1 = rows ? double(agree) / double(rows) : 1.0;
  return mlir::success();
}

} // namespace modelc
