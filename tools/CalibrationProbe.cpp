//===- CalibrationProbe.cpp - what the probe measures on --calib ----------===//
#include "tools/CalibrationProbe.h"

#include "frontend/WeightStore.h"
#include "passes/prune/Structure.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace modelc {

namespace {

/// The names the probe gave an output ("layer0.output,layer1.input").
llvm::SmallVector<llvm::StringRef> namesOf(const OwnedTensor &out) {
  llvm::SmallVector<llvm::StringRef> names;
  llvm::SplitString(out.name, names, ",");
  return names;
}

/// N and whether it is the input, for "layerN.input" or "layerN.output".
std::optional<std::pair<int64_t, bool>> layerStream(llvm::StringRef name) {
  if (!name.consume_front("layer"))
    return std::nullopt;
  llvm::StringRef digits = name.take_while(llvm::isDigit);
  name = name.drop_front(digits.size());
  int64_t layer;
  if (digits.getAsInteger(10, layer) || (name != ".input" && name != ".output"))
    return std::nullopt;
  return std::pair{layer, name == ".input"};
}

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

LayerRanking rankLayers(const CalibrationRun &probe,
                        const CalibrationInput &input, int64_t drop) {
  std::map<int64_t, const mrt_tensor *> inputs, outputs;
  for (const auto &out : probe.outputs)
    for (llvm::StringRef name : namesOf(*out))
      if (auto stream = layerStream(name))
        (stream->second ? inputs : outputs)[stream->first] = &out->t;
  LayerRanking ranking;
  ranking.batch = input.tokens.t.dims[0];
  ranking.seq = input.tokens.t.dims[1];
  for (auto [layer, in] : inputs)
    if (const mrt_tensor *out = outputs[layer])
      ranking.layers.push_back({layer, meanAngularDistance(*in, *out)});
  // Least important first; a tie keeps the earlier layer.
  std::vector<LayerImportance> order = ranking.layers;
  std::stable_sort(order.begin(), order.end(),
                   [](const LayerImportance &a, const LayerImportance &b) {
                     return a.angularDistance < b.angularDistance;
                   });
  for (int64_t i = 0; i < std::min<int64_t>(drop, order.size()); ++i)
    ranking.dropped.push_back(order[i].layer);
  std::sort(ranking.dropped.begin(), ranking.dropped.end());
  return ranking;
}

int64_t storeInputEnergies(const CalibrationRun &probe,
                           frontend::WeightStore &store) {
  int64_t stored = 0;
  for (const auto &out : probe.outputs) {
    llvm::SmallVector<llvm::StringRef> linears;
    for (llvm::StringRef name : namesOf(*out))
      if (!layerStream(name) && name.consume_back(".input"))
        linears.push_back(name);
    if (linears.empty())
      continue;
    const mrt_tensor &t = out->t;
    int64_t width = t.dims[t.rank - 1], rows = mrt_tensor_elements(&t) / width;
    const float *x = static_cast<const float *>(t.data);
    std::vector<double> sums(width);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < width; ++c)
        sums[c] += double(x[r * width + c]) * x[r * width + c];
    for (llvm::StringRef instance : linears)
      store.addMeasured(inputSqNormsName(instance), {width},
                        std::vector<float>(sums.begin(), sums.end()));
    stored += linears.size();
  }
  return stored;
}

} // namespace modelc
