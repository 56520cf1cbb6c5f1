//===- LayerImportance.cpp - layers ranked on the calibration input -------===//
#include "tools/LayerImportance.h"

#include "tools/CalibrationRun.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace modelc {

namespace {

/// The mean over rows of arccos(cos(a_row, b_row)) / pi for two [.., C]
/// tensors of one shape. A zero row (no direction) counts as distance 0.
double meanAngularDistance(const mrt_tensor &a, const mrt_tensor &b) {
  int64_t width = a.dims[a.rank - 1];
  int64_t rows = mrt_tensor_elements(&a) / width;
  const float *x = static_cast<const float *>(a.data);
  const float *y = static_cast<const float *>(b.data);
  double sum = 0;
  for (int64_t r = 0; r < rows; ++r) {
    double xy = 0, xx = 0, yy = 0;
    for (int64_t c = 0; c < width; ++c) {
      double u = x[r * width + c], v = y[r * width + c];
      xy += u * v;
      xx += u * u;
      yy += v * v;
    }
    if (xx > 0 && yy > 0)
      sum += std::acos(std::clamp(xy / std::sqrt(xx * yy), -1.0, 1.0)) / M_PI;
  }
  return rows ? sum / double(rows) : 0;
}

} // namespace

mlir::LogicalResult rankLayers(const std::string &probe,
                               const std::string &calibPath, int64_t drop,
                               LayerRanking &ranking, std::string &error) {
  CalibrationInput input;
  CalibrationRun run;
  if (failed(loadCalibration(calibPath, input, error)) ||
      failed(runOnCalibration(probe, input, run, error)))
    return mlir::failure();
  // The probe names each stream by the boundaries it is
  // ("layer0.output,layer1.input").
  std::map<int64_t, const mrt_tensor *> inputs, outputs;
  for (const auto &out : run.outputs) {
    llvm::SmallVector<llvm::StringRef> names;
    llvm::SplitString(out->name, names, ",");
    for (llvm::StringRef name : names) {
      int64_t layer;
      llvm::StringRef rest = name.drop_front(5); // "layer"
      llvm::StringRef digits = rest.take_while(llvm::isDigit);
      if (digits.getAsInteger(10, layer))
        continue;
      (rest.ends_with(".input") ? inputs : outputs)[layer] = &out->t;
    }
  }
  ranking.batch = input.tokens.t.dims[0];
  ranking.seq = input.tokens.t.dims[1];
  ranking.layers.clear();
  for (auto [layer, in] : inputs)
    if (const mrt_tensor *out = outputs[layer])
      ranking.layers.push_back({layer, meanAngularDistance(*in, *out)});
  // Least important first; a tie keeps the earlier layer.
  std::vector<LayerImportance> order = ranking.layers;
  std::stable_sort(order.begin(), order.end(),
                   [](const LayerImportance &a, const LayerImportance &b) {
                     return a.angularDistance < b.angularDistance;
                   });
  ranking.dropped.clear();
  for (int64_t i = 0; i < std::min<int64_t>(drop, order.size()); ++i)
    ranking.dropped.push_back(order[i].layer);
  std::sort(ranking.dropped.begin(), ranking.dropped.end());
  return mlir::success();
}

} // namespace modelc
