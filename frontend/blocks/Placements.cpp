//===- Placements.cpp - placement = pre | post ----------------------------===//
//
// Where a layer's norms and residual adds go around its token mixer and its
// channel mixer (none: the layer has no channel sub-layer).
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

Value residual(BuildContext &ctx, Value x, Value y, const SubLayerSpec &s,
               StringRef what) {
  return ctx.b.create<nn::AddOp>(ctx.loc(what, s.loc), x, y);
}

// x + mixer(norm(x)), then + channel(norm(.)).
class Pre : public PlacementSpec {
public:
  Value build(BuildContext &ctx, Value x, const LayerSpec &l) const override;
};

// norm(x + mixer(x)), then norm(. + channel(.)).
class Post : public PlacementSpec {
public:
  Value build(BuildContext &ctx, Value x, const LayerSpec &l) const override;
};

Value Pre::build(BuildContext &ctx, Value x, const LayerSpec &l) const {
  Value h = residual(ctx, x,
                     l.mixer->build(ctx, ctx.norm(x, l.mixerNorm, "attn_norm")),
                     *l.mixer, "attn.residual");
  if (!l.channel)
    return h;
  return residual(ctx, h,
                  l.channel->build(ctx, ctx.norm(h, l.channelNorm, "mlp_norm")),
                  *l.channel, "mlp.residual");
}

Value Post::build(BuildContext &ctx, Value x, const LayerSpec &l) const {
  Value h = ctx.norm(
      residual(ctx, x, l.mixer->build(ctx, x), *l.mixer, "attn.residual"),
      l.mixerNorm, "attn_norm");
  if (!l.channel)
    return h;
  return ctx.norm(
      residual(ctx, h, l.channel->build(ctx, h), *l.channel, "mlp.residual"),
      l.channelNorm, "mlp_norm");
}

template <typename P> std::unique_ptr<PlacementSpec> make(const ReadContext &) {
  return std::make_unique<P>();
}

} // namespace

void registerPlacements() {
  registerPlacement({"pre", /*finalNorm=*/true, {}, {}, make<Pre>});
  registerPlacement({"post", /*finalNorm=*/false, {}, {}, make<Post>});
}

} // namespace modelc::frontend
