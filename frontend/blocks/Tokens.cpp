//===- Tokens.cpp - [model] input = "tokens": the token embedding ---------===//
//
// int32 token ids [batch, seq] (and token types, BERT) gathered from their
// tables (the tokens' rows times [embed] scale), summed with the absolute
// positions, optionally normalized (the norm of [block]'s kind).
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

class TokenInput : public InputSpec {
public:
  TensorRef tokens, tokenTypeTable;
  int64_t vocab = 0, tokenTypes = 0;
  SpecLoc tokenTypesLoc;
  std::optional<Val<double>> scale; // [embed] scale
  std::optional<NormSpec> norm;

  std::vector<InputDesc> arguments(MLIRContext &context) const override {
    Builder b(&context);
    int64_t dyn = ShapedType::kDynamic;
    auto ids = RankedTensorType::get({dyn, dyn}, b.getI32Type());
    std::vector<InputDesc> args{{"tokens", ids, vocab}};
    if (tokenTypes > 0)
      args.push_back({"token_types", ids, tokenTypes});
    return args;
  }

  Value build(BuildContext &ctx, ArrayRef<Value> args) const override {
    const ModelSpec &m = ctx.model;
    Value table =
        ctx.weight(tokens, false, {m.vocab, m.dim}, "embed.tokens", loc);
    FloatAttr scaleAttr;
    if (scale)
      scaleAttr = ctx.b.getF32FloatAttr((float)scale->value);
    Value x = ctx.b.create<nn::EmbeddingOp>(
        ctx.loc("embed.tokens", scale ? scale->keyLoc : loc), table, args[0],
        scaleAttr);
    x = m.position->addToEmbedding(ctx, x);
    if (tokenTypes > 0) {
      Value tt = ctx.weight(tokenTypeTable, false, {tokenTypes, m.dim},
                            "embed.token_types", tokenTypesLoc);
      Value rows = ctx.b.create<nn::EmbeddingOp>(
          ctx.loc("embed.token_types", tokenTypesLoc), tt, args[1],
          FloatAttr());
      x = ctx.b.create<nn::AddOp>(
          ctx.loc("embed.add_token_types", tokenTypesLoc), x, rows);
    }
    if (norm)
      x = ctx.norm(x, *norm, "embed.norm");
    return x;
  }
};

std::unique_ptr<InputSpec> readTokens(const ReadContext &ctx) {
  auto in = std::make_unique<TokenInput>();
  TableView model = ctx.modelTable("model");
  in->loc = model.keyLoc("vocab").known() ? model.keyLoc("vocab") : model.loc();
  in->vocab = ctx.model.vocab;
  in->tokens = ctx.weight("embed.tokens", in->loc, {in->vocab, ctx.dim});
  ctx.checkActivation(in->loc, "the embedding", ctx.dim);
  if (auto v = ctx.table.getInt("token_types", 0)) {
    in->tokenTypes = v->value;
    in->tokenTypesLoc = v->keyLoc;
    if (in->tokenTypes > 0)
      in->tokenTypeTable =
          ctx.weight("embed.token_types", v->keyLoc, {in->tokenTypes, ctx.dim});
  }
  in->scale = ctx.table.getFloat("scale");
  if (auto v = ctx.table.getBool("norm"); v && v->value)
    in->norm = ctx.blockNorm("embed.norm", v->keyLoc);
  return in;
}

} // namespace

void registerTokenInput() {
  registerInput({"tokens",
                 {{"token_types", Kind::Int, {}, 0},
                  {"norm", Kind::Bool},
                  {"scale", Kind::Float}},
                 {"embed.tokens", "embed.token_types"},
                 readTokens,
                 {"vocab", "max_seq"}});
}

} // namespace modelc::frontend
