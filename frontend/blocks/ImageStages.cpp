//===- ImageStages.cpp - the stages of a hierarchical image model ---------===//
#include "frontend/blocks/ImageStages.h"

#include "dialect/NNOps.h"

#include <numeric>

using namespace mlir;

namespace modelc::frontend {

const std::vector<KeySpec> kImageStageKeys = {
    {"stage_layers", Kind::IntList},
    {"stage_dims", Kind::IntList},
    {"down_patch", Kind::Int},
    {"down_stride", Kind::Int},
    {"down_padding", Kind::Int, {}, 0}};
const std::vector<std::string> kImageStageSlots = {"layer.downsample.weight",
                                                   "layer.downsample.bias"};

StreamShape ImageStages::at(int64_t layer) const {
  const Stage *s = &stages.front();
  for (const Stage &st : stages)
    if (st.first <= layer)
      s = &st;
  return {s->dim, std::make_pair(s->rows, s->cols)};
}

Value ImageStages::before(BuildContext &ctx, Value x, int64_t layer) const {
  for (size_t i = 1; i < stages.size(); ++i) {
    const Stage &s = stages[i], &prev = stages[i - 1];
    if (s.first != layer)
      continue;
    // Conv2d(prev.dim -> s.dim, kernel, stride, padding) over the grid: the
    // neighbourhoods, then a GEMM with the weight [out, in, k, k] read as
    // [out, in * k * k] and transposed to [in, out].
    int64_t K = prev.dim * kernel * kernel;
    Location at = ctx.loc("downsample", loc);
    auto f32 = ctx.b.getF32Type();
    auto patchesType =
        RankedTensorType::get({ShapedType::kDynamic, s.rows * s.cols, K}, f32);
    Value patches = ctx.b.create<nn::GridPatchesOp>(
        at, patchesType, x, ctx.b.getDenseI64ArrayAttr({prev.rows, prev.cols}),
        kernel, stride, padding);
    Value conv = ctx.weight(s.weight, false, {s.dim, prev.dim, kernel, kernel},
                            "downsample.weight", loc);
    Value matrix = ctx.b.create<nn::WeightReshapeOp>(
        at, RankedTensorType::get({s.dim, K}, f32), conv);
    Value w = ctx.b.create<nn::WeightTransposeOp>(
        at, RankedTensorType::get({K, s.dim}, f32), matrix);
    Value bias;
    if (s.bias.present())
      bias = ctx.weight(s.bias, false, {s.dim}, "downsample.bias", loc);
    return ctx.b.create<nn::LinearOp>(at, patches, w, bias);
  }
  return x;
}

std::optional<ImageStages> readImageStages(const ReadContext &ctx, int64_t rows,
                                           int64_t cols, int64_t dim,
                                           bool bias) {
  const TableView &t = ctx.table;
  auto layers = t.getInts("stage_layers", 1);
  auto dims = t.getInts("stage_dims", 1);
  if (!t.has("stage_layers") && !t.has("stage_dims")) {
    for (StringRef key : {"down_patch", "down_stride", "down_padding"})
      if (t.has(key))
        ctx.error(t.keyLoc(key), "'" + key + "' in [embed] only applies " +
                                     "with stage_layers (a hierarchical " +
                                     "model's downsampling between stages)");
    return std::nullopt;
  }
  for (StringRef key : {"stage_layers", "stage_dims"})
    if (!t.has(key))
      t.missing(key);
  if (!layers || !dims)
    return std::nullopt;
  if (layers->value.size() != dims->value.size()) {
    ctx.error(dims->valueLoc, "stage_dims has " + Twine(dims->value.size()) +
                                  " widths but stage_layers " +
                                  Twine(layers->value.size()) + " stages");
    return std::nullopt;
  }
  ImageStages st;
  st.loc = layers->keyLoc;
  bool ok = true;
  st.kernel = t.getSize("down_patch", st.kernel, ok);
  st.stride = t.getSize("down_stride", st.stride, ok);
  if (auto v = t.getInt("down_padding", 0))
    st.padding = v->value;
  else if (t.has("down_padding"))
    ok = false;
  if (!ok)
    return std::nullopt;
  if (st.padding >= st.kernel) {
    ctx.error(t.keyLoc("down_padding"),
              "down_padding = " + Twine(st.padding) +
                  " must be less than down_patch = " + Twine(st.kernel));
    return std::nullopt;
  }
  int64_t total =
      std::accumulate(layers->value.begin(), layers->value.end(), int64_t(0));
  TableView model = ctx.modelTable("model");
  if (auto n = model.getInt("layers"); n && n->value != total) {
    ctx.error(layers->valueLoc, "stage_layers holds " + Twine(total) +
                                    " layers but [model] " +
                                    "layers = " + Twine(n->value));
    return std::nullopt;
  }
  if (dims->value.front() != dim) {
    ctx.error(dims->valueLoc,
              "stage_dims starts at " + Twine(dims->value.front()) +
                  " but [model] dim = " + Twine(dim) +
                  " (the width of the first stage, the patch embedding's)");
    return std::nullopt;
  }
  int64_t first = 0;
  for (size_t i = 0; i < layers->value.size(); ++i) {
    ImageStages::Stage s;
    s.first = first;
    s.dim = dims->value[i];
    s.rows = rows;
    s.cols = cols;
    if (i > 0) {
      const ImageStages::Stage &prev = st.stages.back();
      auto out = [&](int64_t n) {
        return (n + 2 * st.padding - st.kernel) / st.stride + 1;
      };
      if (std::min(prev.rows, prev.cols) + 2 * st.padding < st.kernel) {
        ctx.error(layers->valueLoc,
                  "stage " + Twine(i) + " would downsample a " +
                      Twine(prev.rows) + "x" + Twine(prev.cols) +
                      " grid with down_patch = " + Twine(st.kernel) +
                      ", larger than the padded grid");
        return std::nullopt;
      }
      s.rows = out(prev.rows);
      s.cols = out(prev.cols);
      // The stage's first layer holds its downsampling's weights.
      ReadContext lc(ctx.reader, ctx.model, first, ctx.table, ctx.block);
      s.weight = lc.weight("layer.downsample.weight", st.loc,
                           {s.dim, prev.dim, st.kernel, st.kernel});
      if (bias)
        s.bias = lc.weight("layer.downsample.bias", st.loc, {s.dim});
      lc.checkActivation(st.loc, "the stage's patches",
                         prev.dim * st.kernel * st.kernel);
    }
    st.stages.push_back(s);
    first += layers->value[i];
  }
  return st;
}

} // namespace modelc::frontend
