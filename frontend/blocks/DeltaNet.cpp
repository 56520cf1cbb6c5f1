//===- DeltaNet.cpp - mixer = "deltanet" / "gated_deltanet" ---------------===//
//
// DeltaNet ([block.deltanet]) and Gated DeltaNet ([block.gated_deltanet]) as
// flash-linear-attention's DeltaNet and GatedDeltaNet layers build them:
// q, k, v projections, each through a short causal convolution and SiLU;
// beta = sigmoid(b x); for the gated form a per-token decay from a x, A_log
// and dt_bias; the delta rule with its per-head RMSNorm (nn.delta_rule);
// optionally the output gate SiLU(g x); the output projection.
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

#include "llvm/ADT/bit.h"

#include <cmath>

using namespace mlir;

namespace modelc::frontend {

namespace {

/// A depthwise causal convolution of `channels` channels (slots
/// <base>.weight [C, 1, taps], <base>.bias).
struct ConvSpec {
  TensorRef weight, bias;
};

class DeltaNet : public SubLayerSpec {
public:
  bool gated = false;
  int64_t heads = 0, headDim = 0, valueHeadDim = 0, chunk = 64;
  bool shortConv = true, useBeta = true, outputGate = false;
  int64_t convSize = 4;
  double betaScale = 1.0, normEps = 1e-5;
  LinearSpec q, k, v, b, a, g, o;
  ConvSpec qConv, kConv, vConv;
  TensorRef aLog, dtBias, oNorm;

  Value build(BuildContext &ctx, Value x) const override {
    auto branch = [&](const LinearSpec &proj, const ConvSpec &conv,
                      StringRef name) {
      std::string what = ("delta." + name).str();
      Value y = ctx.linear(x, proj, what, loc);
      if (shortConv) {
        int64_t c = proj.out;
        Value w = ctx.weight(conv.weight, false, {c, 1, convSize},
                             what + "_conv.weight", loc);
        Value bias;
        if (conv.bias.present())
          bias = ctx.weight(conv.bias, false, {c}, what + "_conv.bias", loc);
        y = ctx.b.create<nn::ShortConvOp>(ctx.loc(what + "_conv", loc), y, w,
                                          bias);
      }
      return ctx.b.create<nn::ActivationOp>(ctx.loc(what + "_act", loc),
                                            nn::Activation::silu, y);
    };
    Value qv = branch(q, qConv, "q"), kv = branch(k, kConv, "k"),
          vv = branch(v, vConv, "v");
    Value beta, decay, aLogV, dtBiasV;
    if (useBeta)
      beta = ctx.linear(x, b, "delta.b", loc);
    if (gated) {
      decay = ctx.linear(x, a, "delta.a", loc);
      aLogV = ctx.weight(aLog, false, {heads}, "delta.A_log", loc);
      dtBiasV = ctx.weight(dtBias, false, {heads}, "delta.dt_bias", loc);
    }
    Value norm =
        ctx.weight(oNorm, false, {valueHeadDim}, "delta.o_norm.weight", loc);
    auto f32 = [](double d) { return APFloat(static_cast<float>(d)); };
    Value out = ctx.b.create<nn::DeltaRuleOp>(
        ctx.loc("delta", loc), qv, kv, vv, beta, decay, aLogV, dtBiasV, norm,
        heads, chunk, f32(1.0 / std::sqrt(double(headDim))), f32(betaScale),
        f32(normEps));
    if (outputGate) {
      Value gv = ctx.linear(x, g, "delta.g", loc);
      Value act = ctx.b.create<nn::ActivationOp>(ctx.loc("delta.g_act", loc),
                                                 nn::Activation::silu, gv);
      out = ctx.b.create<nn::MulOp>(ctx.loc("delta.gate", loc), out, act);
    }
    return ctx.linear(out, o, "delta.o", loc);
  }
};

std::unique_ptr<SubLayerSpec> readDeltaNet(const ReadContext &ctx, bool gated) {
  const TableView &t = ctx.table;
  auto d = std::make_unique<DeltaNet>();
  d->gated = gated;
  SpecLoc loc = t.loc();
  auto heads = ctx.heads();
  if (!heads)
    return nullptr;
  d->heads = heads->heads.value;
  d->headDim = heads->headDim;
  if (d->headDim > nn::DeltaRuleOp::kMaxKeyHeadDim) {
    ctx.error(heads->headDimLoc,
              "head_dim = " + Twine(d->headDim) + " exceeds " +
                  Twine(nn::DeltaRuleOp::kMaxKeyHeadDim) +
                  ", the largest key head the delta_rule kernel takes");
    return nullptr;
  }
  // flash-linear-attention's defaults: expand_v = 1 (DeltaNet), 2 (Gated).
  auto vhd = t.getInt("v_head_dim");
  d->valueHeadDim = vhd ? vhd->value : (gated ? 2 : 1) * d->headDim;
  if (auto c = t.getInt("chunk")) {
    if (!llvm::has_single_bit(uint64_t(c->value)) ||
        c->value > nn::DeltaRuleOp::kMaxChunk) {
      ctx.error(c->valueLoc, "chunk = " + Twine(c->value) +
                                 " must be a power of two <= " +
                                 Twine(nn::DeltaRuleOp::kMaxChunk));
      return nullptr;
    }
    d->chunk = c->value;
  }
  if (auto s = t.getBool("short_conv"))
    d->shortConv = s->value;
  if (!d->shortConv)
    for (const char *key : {"conv_size", "conv_bias"})
      if (t.has(key)) {
        ctx.error(t.keyLoc(key), "'" + Twine(key) + "' in " + t.where(key) +
                                     " only applies with short_conv = true");
        return nullptr;
      }
  if (auto s = t.getInt("conv_size"))
    d->convSize = s->value;
  bool convBias = false;
  if (auto cb = t.getBool("conv_bias"))
    convBias = cb->value;
  if (auto bb = t.getBool("beta"))
    d->useBeta = bb->value;
  if (auto n = t.getBool("neg_eigval"))
    d->betaScale = n->value ? 2.0 : 1.0;
  d->outputGate = gated;
  if (auto og = t.getBool("output_gate"))
    d->outputGate = og->value;
  if (auto eps = t.getFloat("norm_eps"))
    d->normEps = eps->value;

  int64_t kw = d->heads * d->headDim, vw = d->heads * d->valueHeadDim;
  auto conv = [&](StringRef base, ConvSpec &c) {
    c.weight = ctx.weight((base + ".weight").str(), loc);
    if (convBias)
      c.bias = ctx.weight((base + ".bias").str(), loc);
  };
  int64_t dim = ctx.dim;
  d->q = ctx.linear("layer.delta.q", dim, kw, false, loc);
  d->k = ctx.linear("layer.delta.k", dim, kw, false, loc);
  d->v = ctx.linear("layer.delta.v", dim, vw, false, loc);
  if (d->shortConv) {
    conv("layer.delta.q_conv", d->qConv);
    conv("layer.delta.k_conv", d->kConv);
    conv("layer.delta.v_conv", d->vConv);
  }
  if (d->useBeta)
    d->b = ctx.linear("layer.delta.b", dim, d->heads, false, loc);
  if (gated) {
    d->a = ctx.linear("layer.delta.a", dim, d->heads, false, loc);
    d->aLog = ctx.weight("layer.delta.A_log", loc);
    d->dtBias = ctx.weight("layer.delta.dt_bias", loc);
  }
  if (d->outputGate)
    d->g = ctx.linear("layer.delta.g", dim, vw, false, loc);
  d->oNorm = ctx.weight("layer.delta.o_norm.weight", loc);
  d->o = ctx.linear("layer.delta.o", vw, dim, false, loc);
  return d;
}

} // namespace

void registerDeltaNetMixers() {
  std::vector<std::string> slots;
  for (const char *p : {"q", "k", "v", "b", "a", "g", "o"})
    slots.push_back(std::string("layer.delta.") + p + ".weight");
  for (const char *p : {"q_conv", "k_conv", "v_conv"})
    for (const char *leaf : {"weight", "bias"})
      slots.push_back(std::string("layer.delta.") + p + "." + leaf);
  for (const char *s : {"layer.delta.A_log", "layer.delta.dt_bias",
                        "layer.delta.o_norm.weight"})
    slots.push_back(s);
  std::vector<KeySpec> keys = {
      {"heads", Kind::Int},       {"head_dim", Kind::Int},
      {"v_head_dim", Kind::Int},  {"chunk", Kind::Int},
      {"short_conv", Kind::Bool}, {"conv_size", Kind::Int},
      {"conv_bias", Kind::Bool},  {"beta", Kind::Bool},
      {"neg_eigval", Kind::Bool}, {"output_gate", Kind::Bool},
      {"norm_eps", Kind::Float}};
  for (bool gated : {false, true}) {
    std::string name = gated ? "gated_deltanet" : "deltanet";
    registerMixer({name, name, keys, slots, [gated](const ReadContext &ctx) {
                     return readDeltaNet(ctx, gated);
                   }});
  }
}

} // namespace modelc::frontend
