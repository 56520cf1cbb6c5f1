//===- Mlp.cpp - channel = "mlp": MLP and GLU -----------------------------===//
//
// [block.mlp]: kind = mlp, down(act(up x)), or glu, down(act(gate x) * up x).
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

class Mlp : public SubLayerSpec {
public:
  bool glu = false;
  int64_t hidden = 0;
  nn::Activation activation = nn::Activation::gelu;
  LinearSpec up, gate, down; // gate only for glu

  Value build(BuildContext &ctx, Value x) const override {
    Value u = ctx.linear(x, up, "mlp.up", loc);
    Value h;
    if (glu) {
      Value g = ctx.linear(x, gate, "mlp.gate", loc);
      Value act = ctx.b.create<nn::ActivationOp>(ctx.loc("mlp.act", loc),
                                                 activation, g);
      h = ctx.b.create<nn::MulOp>(ctx.loc("mlp.glu", loc), act, u);
    } else {
      h = ctx.b.create<nn::ActivationOp>(ctx.loc("mlp.act", loc), activation,
                                         u);
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
  m->hidden = hidden ? hidden->value : 4 * ctx.model.dim;
  if (auto k = t.getString("kind"))
    m->glu = k->value == "glu";
  if (auto act = t.getString("activation"))
    m->activation = *nn::symbolizeActivation(act->value);
  auto bias = t.getBool("bias");
  auto blockBias = ctx.block.getBool("bias");
  bool withBias = bias ? bias->value : (blockBias ? blockBias->value : true);
  int64_t d = ctx.model.dim;
  m->up = ctx.linear("layer.mlp.up", d, m->hidden, withBias, loc);
  if (m->glu)
    m->gate = ctx.linear("layer.mlp.gate", d, m->hidden, withBias, loc);
  m->down = ctx.linear("layer.mlp.down", m->hidden, d, withBias, loc);
  return m;
}

} // namespace

void registerMlpChannel() {
  std::vector<std::string> slots;
  for (const char *p : {"up", "gate", "down"})
    for (const char *leaf : {"weight", "bias"})
      slots.push_back(std::string("layer.mlp.") + p + "." + leaf);
  registerChannel(
      {"mlp",
       "mlp",
       {{"kind", Kind::String, {"mlp", "glu"}},
        {"hidden", Kind::Int},
        {"activation", Kind::String, {"gelu", "gelu_tanh", "relu", "silu"}},
        {"bias", Kind::Bool}},
       slots,
       readMlp});
}

} // namespace modelc::frontend
