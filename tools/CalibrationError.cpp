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

/// A library loaded for the calibration input, with its first output.
struct Calibrated {
  mrt::cli::ModelPtr model;
  OwnedTensor out;
};

/// Loads `lib` and runs it on `tokens`; its first output goes to `c.out`.
mlir::LogicalResult runOn(const std::string &lib, const std::string &calib,
                          mrt_tensor &tokens, Calibrated &c,
                          std::string &error) {
  c.model = mrt::cli::loadModel(lib, "");
  mrt_model *model = c.model.get();
  if (!model) {
    error = mrt_last_error();
    return mlir::failure();
  }
  if (mrt_num_inputs(model) != 1) {
    error = std::string("--calib gives the one input of a model; this one "
                        "has the signature ") +
            mrt_signature(model);
    return mlir::failure();
  }
  mrt_tensor_info in;
  mrt_input_info(model, 0, &in);
  if (tokens.rank != 2 || tokens.dtype != in.dtype) {
    error = "--calib " + calib + " does not fit the signature " +
            mrt_signature(model) + ": it must be int32 [batch, seq]";
    return mlir::failure();
  }
  tokens.name = in.name;
  mrt_tensor_info info;
  mrt_output_info(model, 0, &info);
  c.out.name = info.name;
  c.out.t.dtype = info.dtype;
  if (mrt_output_shape(model, 0, tokens.dims[0], tokens.dims[1], &c.out.t.rank,
                       c.out.t.dims) != MRT_OK ||
      mrt_tensor_alloc(&c.out.t) != MRT_OK ||
      mrt_run(model, &tokens, 1, &c.out.t, 1) != MRT_OK) {
    error = "--calib " + calib + " does not fit the signature " +
            mrt_signature(model) + ": " + mrt_last_error();
    return mlir::failure();
  }
  return mlir::success();
}

/// The median milliseconds of `kLatencyRuns` runs of each library on the
/// calibration input, the two alternated so that both see the same load
/// (the first run of each, above, was the warm-up).
constexpr int kLatencyRuns = 5;
mlir::LogicalResult timeBoth(Calibrated &a, Calibrated &r, mrt_tensor &tokens,
                             OutputError &result, std::string &error) {
  std::vector<double> ta, tr;
  for (int i = 0; i < kLatencyRuns; ++i)
    for (auto [c, times] : {std::pair{&a, &ta}, std::pair{&r, &tr}}) {
      double t0 = mrt::cli::nowSeconds();
      if (mrt_run(c->model.get(), &tokens, 1, &c->out.t, 1) != MRT_OK) {
        error = mrt_last_error();
        return mlir::failure();
      }
      times->push_back(mrt::cli::nowSeconds() - t0);
    }
  result.latencyRuns = kLatencyRuns;
  result.approxMs = mrt::cli::median(ta) * 1e3;
  result.referenceMs = mrt::cli::median(tr) * 1e3;
  return mlir::success();
}

} // namespace

mlir::LogicalResult measureOutputError(const std::string &approximate,
                                       const std::string &reference,
                                       const std::string &calibPath,
                                       OutputError &result,
                                       std::string &error) {
  OwnedTensor tokens;
  Calibrated a, r;
  if (mrt_npy_load(calibPath.c_str(), &tokens.t) != MRT_OK) {
    error = "--calib " + calibPath + ": " + mrt_last_error();
    return mlir::failure();
  }
  if (failed(runOn(approximate, calibPath, tokens.t, a, error)) ||
      failed(runOn(reference, calibPath, tokens.t, r, error)))
    return mlir::failure();
  const float *x = static_cast<const float *>(a.out.t.data);
  const float *y = static_cast<const float *>(r.out.t.data);
  int64_t n = mrt_tensor_elements(&r.out.t);
  int64_t width = r.out.t.dims[r.out.t.rank - 1], rows = n / width;
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
  result.output = r.out.name;
  result.batch = tokens.t.dims[0];
  result.seq = tokens.t.dims[1];
  result.relMax = maxRef > 0 ? maxDiff / maxRef : maxDiff;
  result.relMean = sumRef > 0 ? sumDiff / sumRef : sumDiff;
  result.top1 = rows ? double(agree) / double(rows) : 1.0;
  return timeBoth(a, r, tokens.t, result, error);
}

} // namespace modelc
