//===- Mlp.cpp - channel = "mlp": MLP and GLU -----------------------------===//
//
// [block.mlp]: kind = mlp, down(act(up x)), or glu, down(act(gate x) * up x).
// act is an element-wise activation (identity makes a glu the bilinear
// layer) or one of the learned polynomial composition activations, PolyReLU
// and PolyNorm, with their coefficients as weights (layer.mlp.act).
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

// PolyCom's official activations: three powers, eps 1e-6.
constexpr int64_t kPolyOrder = 3;
constexpr float kPolyNormEps = 1e-6f;

enum class PolyKind { None, Relu, Norm };

class Mlp : public SubLayerSpec {
public:
  bool glu = false;
  int64_t hidden = 0;
  nn::Activation activation = nn::Activation::gelu;
  PolyKind poly = PolyKind::None;
  TensorRef polyWeight, polyBias; // PolyReLU / PolyNorm coefficients
  LinearSpec up, gate, down;      // gate only for glu

  Value act(BuildContext &ctx, Value v) const {
    Location l = ctx.loc("mlp.act", loc);
    if (poly == PolyKind::None)
      return ctx.b.create<nn::ActivationOp>(l, activation, v);
    Value w =
        ctx.weight(polyWeight, false, {kPolyOrder}, "mlp.act.weight", loc);
    Value b = ctx.weight(polyBias, false, {1}, "mlp.act.bias", loc);
    if (poly == PolyKind::Relu)
      return ctx.b.create<nn::PolyReluOp>(l, v, w, b);
    return ctx.b.create<nn::PolyNormOp>(l, v, w, b,
                                        ctx.b.getF32FloatAttr(kPolyNormEps));
  }

  Value build(BuildContext &ctx, Value x) const override {
    Value u = ctx.linear(x, up, "mlp.up", loc);
    Value h;
    if (glu) {
      Value g = ctx.linear(x, gate, "mlp.gate", loc);
      h = ctx.b.create<nn::MulOp>(ctx.loc("mlp.glu", loc), act(ctx, g), u);
    } else {
      h = act(ctx, u);
    }
    return ctx.linear(h, down, "mlp.down", loc);
  }
};

std::unique_ptr<SubLayerSpec> readMlp(const ReadContext &ctx) {
  const TableView &t = ctx.table;
  auto m = std::make_unique<Mlp>();
  SpecLoc loc = t.loc();
  // Default: 4 dim (GPT-2, BERT, ViT).
  auto hidden = t.getInt("hidden");
  if (!hidden && t.has("hidden"))
    return nullptr; // reported
  m->hidden = hidden ? hidden->value : 4 * ctx.dim;
  if (auto k = t.getString("kind"))
    m->glu = k->value == "glu";
  if (auto act = t.getString("activation")) {
    if (act->value == "polyrelu")
      m->poly = PolyKind::Relu;
    else if (act->value == "polynorm")
      m->poly = PolyKind::Norm;
    else
      m->activation = *nn::symbolizeActivation(act->value);
  }
  if (m->poly != PolyKind::None) {
    m->polyWeight = ctx.weight("layer.mlp.act.weight", loc, {kPolyOrder});
    m->polyBias = ctx.weight("layer.mlp.act.bias", loc, {1});
  }
  auto bias = t.getBool("bias");
  auto blockBias = ctx.block.getBool("bias");
  bool withBias = bias ? bias->value : (blockBias ? blockBias->value : true);
  int64_t d = ctx.dim;
  m->up = ctx.linear("layer.mlp.up", d, m->hidden, withBias, loc);
  if (m->glu)
    m->gate = ctx.linear("layer.mlp.gate", d, m->hidden, withBias, loc);
  m->down = ctx.linear("layer.mlp.down", m->hidden, d, withBias, loc);
  return m;
}

} // namespace

void registerMlpChannel() {
  std::vector<std::string> slots;
  for (const char *p : {"up", "gate", "down", "act"})
    for (const char *leaf : {"weight", "bias"})
      slots.push_back(std::string("layer.mlp.") + p + "." + leaf);
  registerChannel({"mlp",
                   "mlp",
                   {{"kind", Kind::String, {"mlp", "glu"}},
                    {"hidden", Kind::Int},
                    {"activation",
                     Kind::String,
                     {"gelu", "gelu_tanh", "relu", "silu", "identity",
                      "polyrelu", "polynorm"}},
                    {"bias", Kind::Bool}},
                   slots,
                   readMlp});
}

} // namespace modelc::frontend
