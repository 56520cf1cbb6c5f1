//===- CalibrationError.cpp - the output error of an approximate model ----===//
#include "tools/CalibrationError.h"

#include "tools/CalibrationRun.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace modelc {

namespace {

/// The median milliseconds of `kLatencyRuns` runs of each library on the
/// calibration input, the two alternated so that both see the same load
/// (the first run of each, above, was the warm-up).
constexpr int kLatencyRuns = 5;
mlir::LogicalResult timeBoth(CalibrationRun &a, CalibrationRun &r,
                             CalibrationInput &input, OutputError &result,
                             std::string &error) {
  std::vector<double> ta, tr;
  for (int i = 0; i < kLatencyRuns; ++i)
    for (auto [c, times] : {std::pair{&a, &ta}, std::pair{&r, &tr}}) {
      double t0 = mrt::cli::nowSeconds();
      if (failed(c->rerun(input, error)))
        return mlir::failure();
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
  CalibrationInput input;
  CalibrationRun a, r;
  if (failed(loadCalibration(calibPath, input, error)) ||
      failed(runOnCalibration(approximate, input, a, error)) ||
      failed(runOnCalibration(reference, input, r, error)))
    return mlir::failure();
  const mrt_tensor &ref = r.outputs.front()->t;
  const float *x = static_cast<const float *>(a.outputs.front()->t.data);
  const float *y = static_cast<const float *>(ref.data);
  int64_t n = mrt_tensor_elements(&ref);
  int64_t width = ref.dims[ref.rank - 1], rows = n / width;
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
  result.output = r.outputs.front()->name;
  result.batch = input.tokens.t.dims[0];
  result.seq = input.tokens.t.dims[1];
  result.relMax = maxRef > 0 ? maxDiff / maxRef : maxDiff;
  result.relMean = sumRef > 0 ? sumDiff / sumRef : sumDiff;
  result.top1 = rows ? double(agree) / double(rows) : 1.0;
  return timeBoth(a, r, input, result, error);
}

} // namespace modelc
