//===- Image.cpp - [model] input = "image": ViT's patch embedding ---------===//
//
// f32 images [batch, channels, height, width] (dynamic batch, the image size
// fixed by the spec) cut into patches, each projected to dim (a Conv2d with
// stride = kernel = patch, or PoolFormer's overlapping 7x7 stride-4 stem),
// preceded by a class token (and DeiT's distillation token) and plus learned
// positions, as timm's VisionTransformer.patch_embed / _pos_embed. The token
// count is fixed: the patch grid, plus the prefix tokens. With stage_layers
// the layers run in stages of their own widths on shrinking grids
// (ImageStages.h).
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"
#include "frontend/blocks/ImageStages.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

class ImageInput : public InputSpec {
public:
  int64_t channels = 3, height = 0, width = 0, patch = 0;
  int64_t rows = 0, cols = 0; // the patch grid
  std::optional<int64_t> stride, padding;
  bool cls = true, dist = false;
  TensorRef weight, bias, clsToken, distToken, positions;
  std::optional<NormSpec> norm; // after the patches, class token, positions
  std::optional<ImageStages> stages;

  int64_t patches() const { return rows * cols; }
  int64_t prefixTokens() const override {
    return (cls ? 1 : 0) + (dist ? 1 : 0);
  }
  bool distilled() const override { return dist; }
  std::optional<std::pair<int64_t, int64_t>> grid() const override {
    return std::make_pair(rows, cols);
  }
  StreamShape streamAt(int64_t layer, int64_t modelDim) const override {
    return stages ? stages->at(layer) : StreamShape{modelDim, grid()};
  }
  bool staged() const override { return stages.has_value(); }
  Value beforeLayer(BuildContext &ctx, Value x, int64_t layer) const override {
    return stages ? stages->before(ctx, x, layer) : x;
  }
  std::optional<int64_t> fixedTokens() const override {
    return patches() + prefixTokens();
  }

  std::vector<InputDesc> arguments(MLIRContext &context) const override {
    Builder b(&context);
    auto type = RankedTensorType::get(
        {ShapedType::kDynamic, channels, height, width}, b.getF32Type());
    return {{"image", type, 0}};
  }

  Value build(BuildContext &ctx, ArrayRef<Value> args) const override {
    int64_t D = ctx.model.dim, T = *fixedTokens();
    Value w = ctx.weight(weight, false, {D, channels, patch, patch},
                         "embed.patch.weight", loc);
    Value b, c, p;
    if (bias.present())
      b = ctx.weight(bias, false, {D}, "embed.patch.bias", loc);
    if (cls)
      c = ctx.weight(clsToken, false, {1, 1, D}, "embed.cls", loc);
    if (dist) {
      // One [1, 2, D] prefix: the class token, then the distillation token.
      Value d = ctx.weight(distToken, false, {1, 1, D}, "embed.dist", loc);
      auto type = RankedTensorType::get({1, 2, D}, ctx.b.getF32Type());
      c = ctx.b.create<nn::WeightConcatOp>(ctx.loc("embed.dist", loc), type,
                                           ValueRange{c, d}, 1);
    }
    if (positions.present())
      p = ctx.weight(positions, false, {1, T, D}, "embed.positions", loc);
    auto attr = [&](std::optional<int64_t> v) {
      return v ? ctx.b.getI64IntegerAttr(*v) : IntegerAttr();
    };
    Value x = ctx.b.create<nn::PatchEmbedOp>(ctx.loc("embed.patch", loc),
                                             args[0], w, b, c, p, patch,
                                             attr(stride), attr(padding));
    return norm ? ctx.norm(x, *norm, "embed.norm") : x;
  }
};

std::unique_ptr<InputSpec> readImage(const ReadContext &ctx) {
  auto in = std::make_unique<ImageInput>();
  const TableView &t = ctx.table;
  TableView model = ctx.modelTable("model");
  in->loc = model.keyLoc("input").known() ? model.keyLoc("input") : t.loc();
  auto size = t.getInts("image_size", 1);
  auto patch = t.getInt("patch");
  if (!size && !t.has("image_size"))
    t.missing("image_size");
  if (!patch && !t.has("patch"))
    t.missing("patch");
  if (auto v = t.getInt("in_channels"))
    in->channels = v->value;
  // A hierarchical model pools its last stage: no class token by default.
  bool staged = t.has("stage_layers") || t.has("stage_dims");
  in->cls = !staged;
  if (auto v = t.getBool("cls_token")) {
    in->cls = v->value;
    if (v->value && staged)
      ctx.error(v->keyLoc, "cls_token = true does not apply with "
                           "stage_layers (a class token has no place on a "
                           "downsampled patch grid)");
  }
  if (auto v = t.getBool("dist_token")) {
    in->dist = v->value && in->cls;
    if (v->value && !in->cls)
      ctx.error(v->keyLoc, "dist_token = true needs cls_token = true (DeiT's "
                           "distillation token follows the class token)");
  }
  // Positions: timm's learned [1, tokens, dim] table, or none.
  const std::string position =
      ctx.model.position ? ctx.model.position->family : "";
  SpecLoc posLoc = ctx.modelTable("embed").keyLoc("position");
  bool learned = position == "learned";
  if (!learned && position != "none" && !position.empty())
    ctx.error(posLoc, "position = \"" + position +
                          "\" does not apply with input = \"image\" (use "
                          "\"learned\", timm's pos_embed, or \"none\")");
  if (!size || !patch)
    return nullptr;
  // image_size = N (square) or [height, width], as timm's img_size.
  if (size->value.size() > 2) {
    ctx.error(size->valueLoc, "image_size is a size or [height, width], got " +
                                  Twine(size->value.size()) + " values");
    return nullptr;
  }
  in->height = size->value.front();
  in->width = size->value.back();
  in->patch = patch->value;
  // patch_stride / patch_padding: an overlapping stem (PoolFormer's 7x7,
  // stride 4, padding 2), sized as Conv2d; else whole patches.
  bool ok = true;
  if (t.has("patch_stride"))
    in->stride = t.getSize("patch_stride", in->patch, ok);
  if (auto v = t.getInt("patch_padding", 0))
    in->padding = v->value;
  else if (t.has("patch_padding"))
    ok = false;
  if (!ok)
    return nullptr;
  int64_t step = in->stride.value_or(in->patch);
  int64_t border = in->padding.value_or(0);
  if (border >= in->patch) {
    ctx.error(t.keyLoc("patch_padding"),
              "patch_padding = " + Twine(border) +
                  " must be less than patch = " + Twine(in->patch));
    return nullptr;
  }
  if (!in->stride && !in->padding &&
      (in->height % in->patch != 0 || in->width % in->patch != 0)) {
    ctx.error(patch->valueLoc,
              "image " + Twine(in->height) + "x" + Twine(in->width) +
                  " is not divisible by patch = " + Twine(in->patch) +
                  " (each side must be a whole number of patches)");
    return nullptr;
  }
  if (std::min(in->height, in->width) + 2 * border < in->patch) {
    ctx.error(patch->valueLoc, "patch = " + Twine(in->patch) +
                                   " is larger than the image " +
                                   Twine(in->height) + "x" + Twine(in->width) +
                                   (border ? " with its padding" : ""));
    return nullptr;
  }
  in->rows = (in->height + 2 * border - in->patch) / step + 1;
  in->cols = (in->width + 2 * border - in->patch) / step + 1;
  int64_t D = ctx.model.dim, P = in->patch;
  if ((double)in->channels * in->height * in->width * 4 > kMaxTensorBytes) {
    ctx.error(size->valueLoc, "one image of " + Twine(in->channels) + "x" +
                                  Twine(in->height) + "x" + Twine(in->width) +
                                  " floats exceeds 2 GiB");
    return nullptr;
  }
  in->weight =
      ctx.weight("embed.patch.weight", in->loc, {D, in->channels, P, P});
  bool bias = true;
  if (auto v = ctx.block.getBool("bias"))
    bias = v->value;
  if (auto v = t.getBool("patch_bias"))
    bias = v->value;
  if (bias)
    in->bias = ctx.weight("embed.patch.bias", in->loc, {D});
  if (in->cls)
    in->clsToken = ctx.weight("embed.cls", in->loc, {1, 1, D});
  if (in->dist)
    in->distToken = ctx.weight("embed.dist", in->loc, {1, 1, D});
  if (learned)
    in->positions =
        ctx.weight("embed.positions", posLoc.known() ? posLoc : in->loc,
                   {1, *in->fixedTokens(), D});
  // Swin's patch_norm (timm's norm_pre with a class token or positions).
  if (auto v = t.getBool("norm"); v && v->value)
    in->norm = ctx.blockNorm("embed.norm", v->keyLoc);
  in->stages = readImageStages(ctx, in->rows, in->cols, D, bias);
  if (staged && !in->stages)
    return nullptr;
  return in;
}

} // namespace

void registerImageInput() {
  std::vector<KeySpec> keys = {
      {"image_size", Kind::IntList}, {"patch", Kind::Int},
      {"patch_stride", Kind::Int},   {"patch_padding", Kind::Int, {}, 0},
      {"in_channels", Kind::Int},    {"cls_token", Kind::Bool},
      {"dist_token", Kind::Bool},    {"patch_bias", Kind::Bool},
      {"norm", Kind::Bool}};
  keys.insert(keys.end(), kImageStageKeys.begin(), kImageStageKeys.end());
  std::vector<std::string> slots = {"embed.patch.weight", "embed.patch.bias",
                                    "embed.cls", "embed.dist",
                                    "embed.positions"};
  slots.insert(slots.end(), kImageStageSlots.begin(), kImageStageSlots.end());
  registerInput({"image", keys, slots, readImage, {}});
}

} // namespace modelc::frontend
