//===- Placements.cpp - placement = pre | post | peri | deepnorm | parallel
//-===//
//
// Where a layer's norms and residual adds go around its token mixer f and
// its channel mixer g (none: the layer has no channel sub-layer), n being
// the layer's norm:
//   pre       x + f(n(x)), then + g(n(.))            (GPT-2, Llama)
//   post      n(x + f(x)), then n(. + g(.))          (BERT)
//   peri      x + n'(f(n(x))), then + n'(g(n(.)))    (Peri-LN, Gemma 2's
//             sandwich): n' a second norm per sub-layer, on its output
//   deepnorm  n(alpha x + f(x)), then n(alpha . + g(.))   (DeepNet)
//   parallel  x + f(n(x)) + g(n(x)), one norm         (GPT-J, PaLM)
// With `layer_scale = true`, each sub-layer's output is multiplied by its
// own per-channel vector first (CaiT's LayerScale, diag(lambda) f).
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

#include <cmath>

using namespace mlir;

namespace modelc::frontend {

namespace {

/// What every placement shares: the LayerScale vectors of its sub-layers.
class Placed : public PlacementSpec {
public:
  std::optional<TensorRef> mixerScale, channelScale;

  /// The sub-layer's output, LayerScale'd when the layer has it.
  Value scaled(BuildContext &ctx, Value y, const SubLayerSpec &s, bool channel,
               StringRef what) const {
    const std::optional<TensorRef> &t = channel ? channelScale : mixerScale;
    if (!t)
      return y;
    int64_t c = cast<RankedTensorType>(y.getType()).getShape().back();
    Value k = ctx.weight(*t, false, {c}, what, s.loc);
    return ctx.b.create<nn::ChannelScaleOp>(ctx.loc(what, s.loc), y, k);
  }
  /// x + scaled(y).
  Value residual(BuildContext &ctx, Value x, Value y, const SubLayerSpec &s,
                 bool channel) const {
    const char *sub = channel ? "mlp" : "attn";
    y = scaled(ctx, y, s, channel, (Twine(sub) + "_scale").str());
    return ctx.b.create<nn::AddOp>(
        ctx.loc((Twine(sub) + ".residual").str(), s.loc), x, y);
  }
};

class Pre : public Placed {
public:
  Value build(BuildContext &ctx, Value x, const LayerSpec &l) const override {
    Value h = residual(
        ctx, x, l.mixer->build(ctx, ctx.norm(x, l.mixerNorm, "attn_norm")),
        *l.mixer, false);
    if (!l.channel)
      return h;
    return residual(
        ctx, h, l.channel->build(ctx, ctx.norm(h, l.channelNorm, "mlp_norm")),
        *l.channel, true);
  }
};

class Post : public Placed {
public:
  Value build(BuildContext &ctx, Value x, const LayerSpec &l) const override {
    Value h =
        ctx.norm(residual(ctx, x, l.mixer->build(ctx, x), *l.mixer, false),
                 l.mixerNorm, "attn_norm");
    if (!l.channel)
      return h;
    return ctx.norm(
        residual(ctx, h, l.channel->build(ctx, h), *l.channel, true),
        l.channelNorm, "mlp_norm");
  }
};

class Peri : public Placed {
public:
  NormSpec mixerOut, channelOut; // slots layer.attn_out_norm, mlp_out_norm

  Value build(BuildContext &ctx, Value x, const LayerSpec &l) const override {
    Value f = l.mixer->build(ctx, ctx.norm(x, l.mixerNorm, "attn_norm"));
    Value h = residual(ctx, x, ctx.norm(f, mixerOut, "attn_out_norm"), *l.mixer,
                       false);
    if (!l.channel)
      return h;
    Value g = l.channel->build(ctx, ctx.norm(h, l.channelNorm, "mlp_norm"));
    return residual(ctx, h, ctx.norm(g, channelOut, "mlp_out_norm"), *l.channel,
                    true);
  }
};

class DeepNorm : public Placed {
public:
  double alpha = 1.0;

  Value sum(BuildContext &ctx, Value x, Value y, const SubLayerSpec &s,
            bool channel) const {
    const char *sub = channel ? "mlp" : "attn";
    y = scaled(ctx, y, s, channel, (Twine(sub) + "_scale").str());
    return ctx.b.create<nn::ScaledAddOp>(
        ctx.loc((Twine(sub) + ".residual").str(), s.loc), x, y,
        APFloat(static_cast<float>(alpha)));
  }
  Value build(BuildContext &ctx, Value x, const LayerSpec &l) const override {
    Value h = ctx.norm(sum(ctx, x, l.mixer->build(ctx, x), *l.mixer, false),
                       l.mixerNorm, "attn_norm");
    if (!l.channel)
      return h;
    return ctx.norm(sum(ctx, h, l.channel->build(ctx, h), *l.channel, true),
                    l.channelNorm, "mlp_norm");
  }
};

class Parallel : public Placed {
public:
  Value build(BuildContext &ctx, Value x, const LayerSpec &l) const override {
    Value n = ctx.norm(x, l.mixerNorm, "attn_norm");
    Value h = residual(ctx, x, l.mixer->build(ctx, n), *l.mixer, false);
    return residual(ctx, h, l.channel->build(ctx, n), *l.channel, true);
  }
};

/// layer_scale: the LayerScale slots of the layer's sub-layers.
void readLayerScale(const ReadContext &ctx, Placed &p) {
  auto ls = ctx.block.getBool("layer_scale");
  if (!ls || !ls->value)
    return;
  const LayerSpec &layer = ctx.model.layers[*ctx.layer];
  int64_t d = ctx.dim;
  p.mixerScale = ctx.weight("layer.attn_scale", ls->keyLoc, {d});
  if (layer.channel)
    p.channelScale = ctx.weight("layer.mlp_scale", ls->keyLoc, {d});
}

template <typename P>
std::unique_ptr<PlacementSpec> read(const ReadContext &ctx) {
  auto p = std::make_unique<P>();
  readLayerScale(ctx, *p);
  return p;
}

std::unique_ptr<PlacementSpec> readPeri(const ReadContext &ctx) {
  auto p = std::make_unique<Peri>();
  readLayerScale(ctx, *p);
  // The output norms are of the layer's norm kind, like its input norms.
  const LayerSpec &layer = ctx.model.layers[*ctx.layer];
  auto outNorm = [&](const NormSpec &in, StringRef base) {
    return in.family ? ctx.norm(base, in.family->name, in.eps, in.loc) : in;
  };
  p->mixerOut = outNorm(layer.mixerNorm, "layer.attn_out_norm");
  if (layer.channel)
    p->channelOut = outNorm(layer.channelNorm, "layer.mlp_out_norm");
  return p;
}

std::unique_ptr<PlacementSpec> readDeepNorm(const ReadContext &ctx) {
  auto p = std::make_unique<DeepNorm>();
  readLayerScale(ctx, *p);
  // DeepNet's alpha for a single (encoder-only or decoder-only) stack of N
  // layers: (2N)^(1/4).
  auto alpha = ctx.block.getFloat("deepnorm_alpha");
  p->alpha = alpha ? alpha->value
                   : std::pow(2.0 * double(ctx.model.layers.size()), 0.25);
  return p;
}

std::unique_ptr<PlacementSpec> readParallel(const ReadContext &ctx) {
  const LayerSpec &layer = ctx.model.layers[*ctx.layer];
  if (!layer.channel) {
    SpecLoc at = ctx.block.keyLoc("placement");
    ctx.error(at.known() ? at : ctx.block.loc(),
              "placement = \"parallel\" runs the mixer and the channel "
              "sub-layer side by side, but layer " +
                  Twine(*ctx.layer) + " has channel = \"none\"");
    return nullptr;
  }
  auto p = std::make_unique<Parallel>();
  readLayerScale(ctx, *p);
  return p;
}

} // namespace

void registerPlacements() {
  const KeySpec layerScale{"layer_scale", Kind::Bool};
  const std::vector<std::string> scales = {"layer.attn_scale",
                                           "layer.mlp_scale"};
  // Peri's output norms have the leaves of any norm (registered before).
  std::vector<std::string> periSlots = scales;
  for (const NormFamily &n : families().norms)
    for (const char *base : {"layer.attn_out_norm", "layer.mlp_out_norm"})
      for (const std::string &leaf : n.leaves)
        periSlots.push_back(std::string(base) + "." + leaf);
  registerPlacement(
      {"pre", /*finalNorm=*/true, {layerScale}, scales, read<Pre>});
  registerPlacement(
      {"post", /*finalNorm=*/false, {layerScale}, scales, read<Post>});
  registerPlacement(
      {"peri", /*finalNorm=*/true, {layerScale}, periSlots, readPeri});
  registerPlacement({"deepnorm",
                     /*finalNorm=*/false,
                     {layerScale, {"deepnorm_alpha", Kind::Float}},
                     scales,
                     readDeepNorm});
  registerPlacement(
      {"parallel", /*finalNorm=*/true, {layerScale}, scales, readParallel});
}

} // namespace modelc::frontend
