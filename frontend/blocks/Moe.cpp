//===- Moe.cpp - channel = "moe": top-k mixture of MLP or GLU experts -----===//
//
// [block.moe]: a router (x W_router, no bias) scores `experts` experts per
// token; the top_k of its softmax, renormalized or not, weigh the outputs of
// their experts, each an MLP or a GLU of `hidden` channels like
// [block.mlp]'s (no biases). Each expert's weights are their own checkpoint
// tensors, named with {j} for the expert index; the build stacks them (a
// weight expression) into the nn.moe operands.
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

/// The experts' projections of one slot: one LinearSpec per expert.
using ExpertLinears = std::vector<LinearSpec>;

class Moe : public SubLayerSpec {
public:
  int64_t topK = 2;
  bool renormalize = true;
  nn::Activation activation = nn::Activation::gelu;
  LinearSpec router;
  ExpertLinears up, gate, down; // gate only for glu

  Value build(BuildContext &ctx, Value x) const override {
    Value logits = ctx.linear(x, router, "moe.router", loc);
    Value u = stacked(ctx, up, "moe.experts.up");
    Value d = stacked(ctx, down, "moe.experts.down");
    Value g = gate.empty() ? Value() : stacked(ctx, gate, "moe.experts.gate");
    return ctx.b.create<nn::MoeOp>(ctx.loc("moe", loc), activation, x, logits,
                                   u, d, g, /*up_scales=*/Value(),
                                   /*down_scales=*/Value(),
                                   /*gate_scales=*/Value(), topK, renormalize);
  }

private:
  /// The experts' [in, out] weights stacked along the rows.
  Value stacked(BuildContext &ctx, const ExpertLinears &ls,
                StringRef what) const {
    SmallVector<Value> parts;
    for (const LinearSpec &l : ls)
      parts.push_back(ctx.weight(l.weight, l.transposed, {l.in, l.out},
                                 (what + ".weight").str(), loc));
    if (parts.size() == 1)
      return parts.front();
    const LinearSpec &l = ls.front();
    auto type = RankedTensorType::get({l.in * (int64_t)ls.size(), l.out},
                                      ctx.b.getF32Type());
    return ctx.b.create<nn::WeightConcatOp>(ctx.loc(what, loc), type, parts,
                                            ctx.b.getI64IntegerAttr(0));
  }
};

/// One expert slot `base` (e.g. layer.moe.experts.{j}.up) for every expert:
/// its checkpoint name must hold {j}, replaced by each expert's index. Not
/// projections of the layer (ReadContext::linear): per-loop LoRA cannot
/// target them.
std::optional<ExpertLinears> experts(const ReadContext &ctx, StringRef base,
                                     int64_t count, int64_t in, int64_t out,
                                     bool transposed, SpecLoc loc) {
  std::string slot = (base + ".weight").str();
  LinearSpec l;
  l.in = in;
  l.out = out;
  l.transposed = transposed;
  l.weight = ctx.weight(slot, loc, {out, in});
  size_t at = l.weight.name.find("{j}");
  if (at == std::string::npos) {
    if (l.weight.name != "<unnamed>") // else reported
      ctx.error(l.weight.loc.known() ? l.weight.loc : loc,
                "the checkpoint name of slot '" + slot +
                    "' has no '{j}' for the expert index");
    return std::nullopt;
  }
  ExpertLinears r(count, l);
  for (int64_t e = 0; e < count; ++e) {
    r[e].weight.name.replace(at, 3, std::to_string(e));
    if (e > 0) // counted in the model's weight bytes, like the first
      ctx.weight(slot, loc, {out, in});
  }
  return r;
}

std::unique_ptr<SubLayerSpec> readMoe(const ReadContext &ctx) {
  const TableView &t = ctx.table;
  SpecLoc loc = t.loc();
  auto m = std::make_unique<Moe>();
  auto count = t.getInt("experts");
  if (!count) {
    if (!t.has("experts"))
      t.missing("experts");
    return nullptr;
  }
  int64_t e = count->value;
  if (auto k = t.getInt("top_k")) {
    if (k->value > e) {
      ctx.error(k->keyLoc, "top_k = " + std::to_string(k->value) + " in " +
                               t.where("top_k") +
                               " exceeds experts = " + std::to_string(e));
      return nullptr;
    }
    m->topK = k->value;
  } else if (t.has("top_k")) {
    return nullptr; // reported
  } else {
    m->topK = std::min<int64_t>(2, e);
  }
  if (auto r = t.getBool("renormalize"))
    m->renormalize = r->value;
  auto hidden = t.getInt("hidden");
  if (!hidden && t.has("hidden"))
    return nullptr; // reported
  int64_t d = ctx.dim, h = hidden ? hidden->value : 4 * d;
  bool glu = false;
  if (auto k = t.getString("kind"))
    glu = k->value == "glu";
  if (auto act = t.getString("activation"))
    m->activation = *nn::symbolizeActivation(act->value);
  // The stacked weights are single tensors (Halide's 2^31 - 1 byte limit).
  if ((double)e * (double)d * (double)h * sizeof(float) >
      (double)kMaxTensorBytes) {
    ctx.error(count->keyLoc, "experts = " + std::to_string(e) + " in " +
                                 t.where("experts") +
                                 ": the stacked expert weights (experts * "
                                 "dim * hidden floats) exceed 2^31 - 1 bytes");
    return nullptr;
  }
  m->router = ctx.linear("layer.moe.router", d, e, /*bias=*/false, loc);
  bool tr = m->router.transposed; // the scheme's layout
  auto up = experts(ctx, "layer.moe.experts.{j}.up", e, d, h, tr, loc);
  auto gate = glu ? experts(ctx, "layer.moe.experts.{j}.gate", e, d, h, tr, loc)
                  : std::optional<ExpertLinears>(ExpertLinears());
  auto down = experts(ctx, "layer.moe.experts.{j}.down", e, h, d, tr, loc);
  if (!up || !gate || !down)
    return nullptr;
  m->up = std::move(*up);
  m->gate = std::move(*gate);
  m->down = std::move(*down);
  return m;
}

} // namespace

void registerMoeChannel() {
  registerChannel(
      {"moe",
       "moe",
       {{"experts", Kind::Int},
        {"top_k", Kind::Int},
        {"renormalize", Kind::Bool},
        {"kind", Kind::String, {"mlp", "glu"}},
        {"hidden", Kind::Int},
        {"activation",
         Kind::String,
         {"gelu", "gelu_tanh", "relu", "silu", "identity"}}},
       {"layer.moe.router.weight", "layer.moe.experts.{j}.up.weight",
        "layer.moe.experts.{j}.gate.weight",
        "layer.moe.experts.{j}.down.weight"},
       readMoe});
}

} // namespace modelc::frontend
