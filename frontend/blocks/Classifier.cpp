//===- Classifier.cpp - [model] output = "classes": a classifier head -----===//
//
// The final hidden states pooled into one token per image (the class token,
// or the mean of the patch tokens), optionally normalized (timm's fc_norm;
// [block]'s norm, its own eps if norm_eps says so: on one pooled token a
// GroupNorm(1) is timm MetaFormer's LayerNorm2d head.norm), then the head: f32
// [batch, classes], as timm's forward_head. A distilled DeiT classifies its
// class token and its distillation token with a head each and averages them
// (timm's VisionTransformerDistilled at inference).
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

class Classes : public OutputSpec {
public:
  int64_t classes = 0;
  nn::TokenPoolMode pool = nn::TokenPoolMode::first;
  int64_t start = 0; // the first token a mean covers (after the class token)
  std::optional<NormSpec> norm;
  LinearSpec head;
  std::optional<LinearSpec> distHead; // on the distillation token

  Value build(BuildContext &ctx, Value x) const override {
    if (!distHead)
      return classify(ctx, x, start, head, "head");
    // (head(x0) + head_dist(x1)) / 2 as the sum of two heads of halved
    // weights: scaling by 1/2 is exact, so it equals timm's average.
    Value a = classify(ctx, x, 0, head, "head", 0.5f);
    Value d = classify(ctx, x, 1, *distHead, "head.dist", 0.5f);
    return ctx.b.create<nn::AddOp>(ctx.loc("head", loc), a, d);
  }

private:
  /// head(norm(pool(x))) of the token pool `from` starts at, the head's
  /// weights times `scale`.
  Value classify(BuildContext &ctx, Value x, int64_t from, const LinearSpec &l,
                 StringRef what, float scale = 1.0f) const {
    x = ctx.b.create<nn::TokenPoolOp>(ctx.loc((what + ".pool").str(), loc),
                                      pool, x, from);
    if (norm)
      x = ctx.norm(x, *norm, "head.norm");
    return ctx.plainLinear(x, l, what, loc, scale);
  }
};

std::unique_ptr<OutputSpec> readClasses(const ReadContext &ctx) {
  auto h = std::make_unique<Classes>();
  const TableView &t = ctx.table;
  TableView model = ctx.modelTable("model");
  h->loc = t.loc().known() ? t.loc() : model.keyLoc("output");
  if (t.has("tied"))
    ctx.error(t.keyLoc("tied"),
              "'tied' in [head] only applies with output = \"logits\"");
  auto classes = t.getInt("classes");
  if (!classes) {
    if (!t.has("classes"))
      t.missing("classes");
    return nullptr;
  }
  h->classes = classes->value;
  // The class token, when the input has one (timm's global_pool = "token"),
  // else the mean of the tokens after the prefix ("avg").
  int64_t prefix = ctx.model.input ? ctx.model.input->prefixTokens() : 0;
  bool hasCls = prefix > 0;
  std::string pool = hasCls ? "cls" : "mean";
  if (auto v = t.getString("pool")) {
    pool = v->value;
    if (pool == "cls" && !hasCls)
      ctx.error(v->valueLoc, "pool = \"cls\" needs a class token (input = "
                             "\"image\" with [embed] cls_token = true); "
                             "use pool = \"mean\"");
  }
  bool distilled = ctx.model.input && ctx.model.input->distilled();
  if (pool == "mean") {
    if (distilled)
      ctx.error(t.keyLoc("pool"),
                "pool = \"mean\" does not apply with [embed] dist_token = "
                "true: a distilled DeiT classifies its class and "
                "distillation tokens (pool = \"cls\")");
    h->pool = nn::TokenPoolMode::mean;
    h->start = prefix;
  }
  auto eps = t.getFloat("norm_eps");
  if (auto v = t.getBool("norm"); v && v->value) {
    h->norm = ctx.blockNorm("head.norm", v->keyLoc);
    if (eps)
      h->norm->eps = eps->value;
  } else if (eps) {
    ctx.error(eps->keyLoc, "'norm_eps' in [head] needs norm = true");
  }
  bool bias = true;
  if (auto v = t.getBool("bias"))
    bias = v->value;
  h->head = ctx.linear("head", ctx.dim, h->classes, bias, h->loc);
  if (distilled)
    h->distHead = ctx.linear("head.dist", ctx.dim, h->classes, bias, h->loc);
  return h;
}

} // namespace

void registerClassifierOutput() {
  registerOutput({"classes",
                  {{"classes", Kind::Int},
                   {"pool", Kind::String, {"cls", "mean"}},
                   {"norm", Kind::Bool},
                   {"norm_eps", Kind::Float},
                   {"bias", Kind::Bool}},
                  {"head.weight", "head.bias", "head.dist.weight",
                   "head.dist.bias", "head.norm.weight", "head.norm.bias"},
                  readClasses});
}

} // namespace modelc::frontend
