//===- Outputs.cpp - [model] output = logits | hidden ---------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

/// The LM head: logits = h W (+ b), W tied to the token table (as [dim,
/// vocab]) or its own [vocab, dim] head.weight.
class Logits : public OutputSpec {
public:
  TensorRef table, bias;
  Value build(BuildContext &ctx, Value x) const override {
    const ModelSpec &m = ctx.model;
    Value w = ctx.weight(table, true, {m.dim, m.vocab}, "head.weight", loc);
    Value b;
    if (bias.present())
      b = ctx.weight(bias, false, {m.vocab}, "head.bias", loc);
    return ctx.b.create<nn::LinearOp>(ctx.loc("head", loc), x, w, b);
  }
  int64_t vocab = 0;
};

/// The final hidden states themselves (an encoder such as BERT).
class Hidden : public OutputSpec {
public:
  int64_t dim = 0;
  Value build(BuildContext &, Value x) const override { return x; }
};

SpecLoc outputLoc(const ReadContext &ctx) {
  TableView model = ctx.modelTable("model");
  SpecLoc key = model.keyLoc("output");
  return key.known() ? key : SpecLoc{1, 1};
}

std::unique_ptr<OutputSpec> readLogits(const ReadContext &ctx) {
  auto h = std::make_unique<Logits>();
  h->vocab = ctx.model.vocab;
  SpecLoc key = ctx.modelTable("model").keyLoc("output");
  h->loc = ctx.table.loc().known()
               ? ctx.table.loc()
               : (key.known() ? key : ctx.modelTable("model").loc());
  if (ctx.model.vocab == 0 && ctx.model.input &&
      ctx.model.input->fixedTokens()) {
    ctx.error(h->loc, "output = \"logits\" needs token ids (input = "
                      "\"tokens\" and a vocab); an image classifier has "
                      "output = \"classes\"");
    return nullptr;
  }
  auto tied = ctx.table.getBool("tied");
  // Tied: the token table, seen as [dim, vocab].
  // Tied: the token table (its size checked by the input family).
  h->table = tied && !tied->value
                 ? ctx.weight("head.weight", h->loc, {h->vocab, ctx.dim})
                 : ctx.weight("embed.tokens", h->loc);
  if (auto v = ctx.table.getBool("bias"); v && v->value)
    h->bias = ctx.weight("head.bias", h->loc, {h->vocab});
  ctx.checkActivation(h->loc, "the logits", h->vocab);
  return h;
}

} // namespace

void registerOutputs() {
  registerOutput({"logits",
                  {{"tied", Kind::Bool}, {"bias", Kind::Bool}},
                  {"head.weight", "head.bias"},
                  readLogits});
  registerOutput({"hidden", {}, {}, [](const ReadContext &ctx) {
                    auto h = std::make_unique<Hidden>();
                    h->dim = ctx.dim;
                    h->loc = outputLoc(ctx);
                    return h;
                  }});
}

} // namespace modelc::frontend
