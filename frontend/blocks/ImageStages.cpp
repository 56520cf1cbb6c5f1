//===- ImageStages.cpp - the stages of a hierarchical image model ---------===//
#include "frontend/blocks/ImageStages.h"

#include "dialect/NNOps.h"

#include <numeric>

using namespace mlir;

namespace modelc::frontend {

const std::vector<KeySpec> kImageStageKeys = {
    {"stage_layers", Kind::IntList},
    {"stage_dims", Kind::IntList},
    {"down", Kind::String, {"conv", "merge"}},
    {"down_patch", Kind::Int},
    {"down_stride", Kind::Int},
    {"down_padding", Kind::Int, {}, 0},
    {"down_norm_eps", Kind::Float}};
const std::vector<std::string> kImageStageSlots = {
    "layer.downsample.weight", "layer.downsample.bias",
    "layer.downsample.norm.weight", "layer.downsample.norm.bias",
    "layer.downsample.reduction.weight"};

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
    int64_t K = prev.dim * kernel * kernel;
    auto patchesType = RankedTensorType::get(
        {ShapedType::kDynamic, s.rows * s.cols, K}, ctx.b.getF32Type());
    Value patches = ctx.b.create<nn::GridPatchesOp>(
        ctx.loc("downsample", loc), patchesType, x,
        ctx.b.getDenseI64ArrayAttr({prev.rows, prev.cols}), kernel, stride,
        padding);
    return down == Down::conv ? conv(ctx, patches, s, prev)
                              : merge(ctx, patches, s, prev);
  }
  return x;
}

Value ImageStages::conv(BuildContext &ctx, Value patches, const Stage &s,
                        const Stage &prev) const {
  // Conv2d(prev.dim -> s.dim, kernel, stride, padding): a GEMM over the
  // neighbourhoods with the weight [out, in, k, k] read as [out, in * k * k]
  // and transposed to [in, out].
  int64_t K = prev.dim * kernel * kernel;
  Location at = ctx.loc("downsample", loc);
  auto f32 = ctx.b.getF32Type();
  Value w = ctx.weight(s.weight, false, {s.dim, prev.dim, kernel, kernel},
                       "downsample.weight", loc);
  Value matrix = ctx.b.create<nn::WeightReshapeOp>(
      at, RankedTensorType::get({s.dim, K}, f32), w);
  Value t = ctx.b.create<nn::WeightTransposeOp>(
      at, RankedTensorType::get({K, s.dim}, f32), matrix, nullptr);
  Value bias;
  if (s.bias.present())
    bias = ctx.weight(s.bias, false, {s.dim}, "downsample.bias", loc);
  return ctx.b.create<nn::LinearOp>(at, patches, t, bias);
}

Value ImageStages::merge(BuildContext &ctx, Value patches, const Stage &s,
                         const Stage &prev) const {
  // Swin concatenates a neighbourhood's tokens column-major: element
  // (column, row, channel) of its [4C] vectors and of its reduction's rows.
  // The weights are reordered to nn.grid_patches' (channel, row, column), so
  // the data path stays one gather.
  int64_t C = prev.dim, k = kernel, K = C * k * k;
  Location at = ctx.loc("downsample", loc);
  auto f32 = ctx.b.getF32Type();
  auto type = [&](ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, f32);
  };
  auto reorder = [&](Value v, ArrayRef<int64_t> lead) {
    SmallVector<int64_t> swin(lead), ours(lead), perm, flat(lead);
    for (size_t d = 0; d < lead.size(); ++d)
      perm.push_back(d);
    int64_t r = lead.size();
    swin.append({k, k, C});
    ours.append({C, k, k});
    perm.append({r + 2, r + 1, r});
    flat.push_back(K);
    Value split = ctx.b.create<nn::WeightReshapeOp>(at, type(swin), v);
    Value moved = ctx.b.create<nn::WeightTransposeOp>(
        at, type(ours), split, ctx.b.getDenseI64ArrayAttr(perm));
    return ctx.b.create<nn::WeightReshapeOp>(at, type(flat), moved);
  };
  Value gamma = reorder(
      ctx.weight(s.normWeight, false, {K}, "downsample.norm.weight", loc), {});
  Value beta = reorder(
      ctx.weight(s.normBias, false, {K}, "downsample.norm.bias", loc), {});
  Value normed =
      ctx.b.create<nn::LayerNormOp>(at, patches, ValueRange{gamma, beta},
                                    APFloat(static_cast<float>(normEps)));
  Value reduction = reorder(ctx.weight(s.weight, false, {s.dim, K},
                                       "downsample.reduction.weight", loc),
                            {s.dim});
  Value w = ctx.b.create<nn::WeightTransposeOp>(at, type({K, s.dim}), reduction,
                                                nullptr);
  return ctx.b.create<nn::LinearOp>(at, normed, w, Value());
}

std::optional<ImageStages> readImageStages(const ReadContext &ctx, int64_t rows,
                                           int64_t cols, int64_t dim,
                                           bool bias) {
  const TableView &t = ctx.table;
  auto layers = t.getInts("stage_layers", 1);
  auto dims = t.getInts("stage_dims", 1);
  if (!t.has("stage_layers") && !t.has("stage_dims")) {
    for (StringRef key :
         {"down", "down_patch", "down_stride", "down_padding", "down_norm_eps"})
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
  if (auto v = t.getString("down"); v && v->value == "merge") {
    st.down = ImageStages::Down::merge;
    // A merge's neighbourhoods tile the grid: stride = patch, no padding.
    for (StringRef key : {"down_stride", "down_padding"})
      if (t.has(key)) {
        ctx.error(t.keyLoc(key),
                  "'" + key + "' does not apply with down = \"merge\": " +
                      "patch merging concatenates non-overlapping " +
                      "down_patch x down_patch neighbourhoods");
        ok = false;
      }
    st.kernel = st.stride = t.getSize("down_patch", 2, ok);
    st.padding = 0;
    if (auto e = t.getFloat("down_norm_eps"))
      st.normEps = e->value;
    else if (t.has("down_norm_eps"))
      ok = false;
  } else {
    if (!v && t.has("down"))
      ok = false;
    if (t.has("down_norm_eps")) {
      ctx.error(t.keyLoc("down_norm_eps"),
                "'down_norm_eps' only applies with down = \"merge\" (the "
                "LayerNorm of Swin's patch merging)");
      ok = false;
    }
    st.kernel = t.getSize("down_patch", st.kernel, ok);
    st.stride = t.getSize("down_stride", st.stride, ok);
    if (auto v = t.getInt("down_padding", 0))
      st.padding = v->value;
    else if (t.has("down_padding"))
      ok = false;
  }
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
  std::vector<int64_t> firsts = {0};
  for (size_t i = 0; i + 1 < layers->value.size(); ++i)
    firsts.push_back(firsts.back() + layers->value[i]);
  ctx.setStages(firsts);
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
      if (st.down == ImageStages::Down::merge &&
          (prev.rows % st.kernel || prev.cols % st.kernel)) {
        ctx.error(layers->valueLoc,
                  "stage " + Twine(i) + " would merge a " + Twine(prev.rows) +
                      "x" + Twine(prev.cols) + " grid in " + Twine(st.kernel) +
                      "x" + Twine(st.kernel) +
                      " neighbourhoods: the grid must divide (down_patch)");
        return std::nullopt;
      }
      s.rows = out(prev.rows);
      s.cols = out(prev.cols);
      // The stage's first layer holds its downsampling's weights.
      ReadContext lc(ctx.reader, ctx.model, first, ctx.table, ctx.block);
      int64_t K = prev.dim * st.kernel * st.kernel;
      if (st.down == ImageStages::Down::merge) {
        s.weight =
            lc.weight("layer.downsample.reduction.weight", st.loc, {s.dim, K});
        s.normWeight = lc.weight("layer.downsample.norm.weight", st.loc, {K});
        s.normBias = lc.weight("layer.downsample.norm.bias", st.loc, {K});
      } else {
        s.weight = lc.weight("layer.downsample.weight", st.loc,
                             {s.dim, prev.dim, st.kernel, st.kernel});
        if (bias)
          s.bias = lc.weight("layer.downsample.bias", st.loc, {s.dim});
      }
      lc.checkActivation(st.loc, "the stage's patches", K);
    }
    st.stages.push_back(s);
    first += layers->value[i];
  }
  return st;
}

} // namespace modelc::frontend
