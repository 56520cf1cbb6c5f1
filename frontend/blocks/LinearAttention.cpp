//===- LinearAttention.cpp - mixer = "linear_attention" -------------------===//
//
// Kernelized attention ([block.linear_attention]): the q, k, v projections
// (or one fused qkv projection when the scheme stores them so; RoPE on q and
// k when the model's position scheme is rope, as LoLCATs does), a feature
// map (elu+1, ReLU, identity, Hedgehog's learned softmax maps), the
// normalization (the denominator, none, or a LayerNorm/RMSNorm over the
// concatenated heads as TransNormer or over each head as fla), SLAB's extras
// (a learned position table added to k, a depthwise conv over v) and the
// output projection.
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"
#include "frontend/blocks/Heads.h"
#include "frontend/blocks/Positions.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

class LinearAttention : public SubLayerSpec {
public:
  int64_t heads = 0, headDim = 0, featureDim = 0, convTaps = 0;
  nn::FeatureMap featureMap = nn::FeatureMap::elu;
  nn::LinearNormalize normalize = nn::LinearNormalize::denominator;
  bool causal = true;
  bool fusedQkv = false;
  double eps = 1e-6, scale = 1.0;
  LinearSpec qkv, q, k, v, o;
  TensorRef mapQ, mapK, kPositions, convWeight, convBias;
  std::optional<NormSpec> outNorm; // a norm over the concatenated heads
  TensorRef headNormWeight, headNormBias;

  Value build(BuildContext &ctx, Value x) const override {
    int64_t width = heads * headDim;
    Value qv, kv, vv;
    if (fusedQkv) {
      Value p = ctx.linear(x, qkv, "attn.qkv", loc);
      qv = ctx.b.create<nn::SliceOp>(ctx.loc("attn.q", loc), p, 0, width);
      kv = ctx.b.create<nn::SliceOp>(ctx.loc("attn.k", loc), p, width, width);
      vv = ctx.b.create<nn::SliceOp>(ctx.loc("attn.v", loc), p, 2 * width,
                                     width);
    } else {
      qv = ctx.linear(x, q, "attn.q", loc);
      kv = ctx.linear(x, k, "attn.k", loc);
      vv = ctx.linear(x, v, "attn.v", loc);
    }
    if (kPositions.present()) {
      Value table = ctx.weight(kPositions, false, {ctx.model.maxSeq, width},
                               "attn.k_positions", loc);
      kv = ctx.b.create<nn::AddPositionsOp>(ctx.loc("attn.k_positions", loc),
                                            kv, table);
    }
    if (auto *rope = dynamic_cast<const RopeSpec *>(ctx.model.position.get())) {
      qv = rope->rotate(ctx, qv, heads, "attn.rope_q");
      kv = rope->rotate(ctx, kv, heads, "attn.rope_k");
    }
    Value wq, wk, cw, cb, ng, nb;
    if (featureMap == nn::FeatureMap::hedgehog) {
      wq = ctx.weight(mapQ, false, {heads, headDim, featureDim},
                      "attn.feature_q", loc);
      wk = ctx.weight(mapK, false, {heads, headDim, featureDim},
                      "attn.feature_k", loc);
    }
    if (convTaps) {
      cw = ctx.weight(convWeight, false, {headDim, 1, convTaps},
                      "attn.v_conv.weight", loc);
      cb = ctx.weight(convBias, false, {headDim}, "attn.v_conv.bias", loc);
    }
    if (headNormWeight.present())
      ng = ctx.weight(headNormWeight, false, {headDim}, "attn.out_norm.weight",
                      loc);
    if (headNormBias.present())
      nb =
          ctx.weight(headNormBias, false, {headDim}, "attn.out_norm.bias", loc);
    Value out = ctx.b.create<nn::LinearAttentionOp>(
        ctx.loc("attn", loc), qv, kv, vv, wq, wk, cw, cb, ng, nb, heads,
        featureMap, causal, normalize, APFloat(static_cast<float>(eps)),
        APFloat(static_cast<float>(scale)));
    if (outNorm)
      out = ctx.norm(out, *outNorm, "attn.out_norm");
    return ctx.linear(out, o, "attn.o", loc);
  }
};

SpecLoc orElse(SpecLoc a, SpecLoc b) { return a.known() ? a : b; }

/// An error at `key` for a key that only some choice of `other` uses.
void onlyWith(const ReadContext &ctx, StringRef key, StringRef other,
              StringRef values, StringRef got) {
  ctx.error(ctx.table.keyLoc(key), "'" + key + "' in " + ctx.table.where(key) +
                                       " only applies with " + other + " = " +
                                       values + " (here " + other + " = \"" +
                                       got + "\")");
}

std::unique_ptr<SubLayerSpec> readLinearAttention(const ReadContext &ctx) {
  const TableView &t = ctx.table;
  auto a = std::make_unique<LinearAttention>();
  SpecLoc loc = t.loc();
  bool ok = true;
  auto shape = readHeads(ctx);
  if (!shape)
    return nullptr;
  a->heads = shape->heads;
  a->headDim = shape->headDim;
  int64_t dim = ctx.dim;

  std::string map = "elu";
  if (auto m = t.getString("feature_map"))
    map = m->value;
  a->featureMap = *nn::symbolizeFeatureMap(map);
  bool hedgehog = a->featureMap == nn::FeatureMap::hedgehog;
  if (auto f = t.getInt("feature_dim")) {
    if (!hedgehog) {
      onlyWith(ctx, "feature_dim", "feature_map", "\"hedgehog\"", map);
      ok = false;
    }
    a->featureDim = f->value;
  } else {
    a->featureDim = a->headDim;
  }
  if (auto c = t.getBool("causal"))
    a->causal = c->value;

  // identity features can be negative: their denominator can vanish.
  std::string normalize =
      a->featureMap == nn::FeatureMap::identity ? "none" : "denominator";
  auto nv = t.getString("normalize");
  if (nv)
    normalize = nv->value;
  if (normalize == "denominator" && a->featureMap == nn::FeatureMap::identity) {
    ctx.error(nv->valueLoc,
              "normalize = \"denominator\" in " + t.where("normalize") +
                  " needs non-negative features; feature_map = \"identity\" "
                  "can make the denominator vanish (use \"none\", "
                  "\"layernorm\" or \"rmsnorm\")");
    ok = false;
  }
  bool norm = normalize == "layernorm" || normalize == "rmsnorm";
  std::string scope = "all";
  if (auto s = t.getString("norm_scope")) {
    if (!norm) {
      onlyWith(ctx, "norm_scope", "normalize", "\"layernorm\" or \"rmsnorm\"",
               normalize);
      ok = false;
    }
    scope = s->value;
  }
  a->eps = norm ? 1e-5 : 1e-6;
  if (auto e = ctx.table.getFloat("eps")) {
    if (normalize == "none") {
      onlyWith(ctx, "eps", "normalize",
               "\"denominator\", \"layernorm\" or \"rmsnorm\"", normalize);
      ok = false;
    }
    a->eps = e->value;
  } else if (t.has("eps")) {
    ok = false;
  }
  if (auto s = ctx.table.getFloat("scale"))
    a->scale = s->value;
  else if (t.has("scale"))
    ok = false;

  if (auto taps = t.getInt("v_conv", /*min=*/0)) {
    a->convTaps = taps->value;
    if (a->convTaps % 2 == 0 && a->convTaps > 0 && !a->causal) {
      ctx.error(taps->valueLoc,
                "v_conv = " + Twine(a->convTaps) + " in " + t.where("v_conv") +
                    ": a centred (causal = false) convolution needs an odd "
                    "number of taps");
      ok = false;
    }
  }
  bool kPositions = false;
  if (auto p = t.getBool("k_positions"))
    kPositions = p->value;
  if (!ok)
    return nullptr;

  auto bias = t.getBool("bias");
  auto blockBias = ctx.block.getBool("bias");
  bool withBias = bias ? bias->value : (blockBias ? blockBias->value : true);
  int64_t width = a->heads * a->headDim;
  a->fusedQkv = ctx.schemeFuses("layer.attn.qkv");
  if (a->fusedQkv) {
    a->qkv = ctx.linear("layer.attn.qkv", dim, 3 * width, withBias, loc);
  } else {
    a->q = ctx.linear("layer.attn.q", dim, width, withBias, loc);
    a->k = ctx.linear("layer.attn.k", dim, width, withBias, loc);
    a->v = ctx.linear("layer.attn.v", dim, width, withBias, loc);
  }
  a->o = ctx.linear("layer.attn.o", width, dim, withBias, loc);
  SpecLoc mapLoc = orElse(t.keyLoc("feature_map"), loc);
  if (hedgehog) {
    std::vector<int64_t> mapShape{a->heads, a->headDim, a->featureDim};
    a->mapQ = ctx.weight("layer.attn.feature_q.weight", mapLoc, mapShape);
    a->mapK = ctx.weight("layer.attn.feature_k.weight", mapLoc, mapShape);
  }
  if (kPositions)
    a->kPositions =
        ctx.weight("layer.attn.k_positions", t.keyLoc("k_positions"),
                   {ctx.model.maxSeq, width});
  if (a->convTaps) {
    a->convWeight = ctx.weight("layer.attn.v_conv.weight", t.keyLoc("v_conv"),
                               {a->headDim, 1, a->convTaps});
    a->convBias =
        ctx.weight("layer.attn.v_conv.bias", t.keyLoc("v_conv"), {a->headDim});
  }
  SpecLoc normLoc = orElse(t.keyLoc("normalize"), loc);
  if (normalize == "denominator") {
    a->normalize = nn::LinearNormalize::denominator;
  } else if (normalize == "none") {
    a->normalize = nn::LinearNormalize::none;
  } else if (scope == "all") {
    a->normalize = nn::LinearNormalize::none;
    a->outNorm = ctx.norm("layer.attn.out_norm", normalize, a->eps, normLoc);
  } else {
    bool layer = normalize == "layernorm";
    a->normalize = layer ? nn::LinearNormalize::head_layer_norm
                         : nn::LinearNormalize::head_rms_norm;
    a->headNormWeight =
        ctx.weight("layer.attn.out_norm.weight", normLoc, {a->headDim});
    if (layer)
      a->headNormBias =
          ctx.weight("layer.attn.out_norm.bias", normLoc, {a->headDim});
  }
  return a;
}

} // namespace

void registerLinearAttentionMixer() {
  std::vector<std::string> slots;
  for (const char *p : {"qkv", "q", "k", "v", "o", "v_conv", "out_norm"})
    for (const char *leaf : {"weight", "bias"})
      slots.push_back(std::string("layer.attn.") + p + "." + leaf);
  for (const char *s : {"feature_q.weight", "feature_k.weight", "k_positions"})
    slots.push_back(std::string("layer.attn.") + s);
  registerMixer(
      {"linear_attention",
       "linear_attention",
       {{"heads", Kind::Int},
        {"head_dim", Kind::Int},
        {"feature_map", Kind::String, {"elu", "relu", "identity", "hedgehog"}},
        {"feature_dim", Kind::Int},
        {"causal", Kind::Bool},
        {"normalize",
         Kind::String,
         {"denominator", "none", "layernorm", "rmsnorm"}},
        {"norm_scope", Kind::String, {"all", "head"}},
        {"eps", Kind::Float},
        {"scale", Kind::Float},
        {"bias", Kind::Bool},
        {"k_positions", Kind::Bool},
        {"v_conv", Kind::Int, {}, 0}},
       slots,
       readLinearAttention});
}

} // namespace modelc::frontend
