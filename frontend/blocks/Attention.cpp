//===- Attention.cpp - mixer = "attention": softmax attention -------------===//
//
// Multi-head, grouped-query or multi-query attention ([block.attention]),
// with the q, k, v projections (or one fused qkv projection when the scheme
// stores them so) and RoPE when the model's position scheme is rope.
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"
#include "frontend/blocks/Positions.h"

#include "dialect/NNOps.h"

#include <cmath>

using namespace mlir;

namespace modelc::frontend {

namespace {

class Attention : public SubLayerSpec {
public:
  int64_t heads = 0, kvHeads = 0, headDim = 0;
  bool causal = true;
  bool fusedQkv = false; // one [dim, (heads+2 kv_heads) head_dim] projection
  LinearSpec qkv, q, k, v, o;

  Value build(BuildContext &ctx, Value x) const override {
    int64_t qw = heads * headDim, kvw = kvHeads * headDim;
    Value qv, kv, vv;
    if (fusedQkv) {
      Value p = ctx.linear(x, qkv, "attn.qkv", loc);
      qv = ctx.b.create<nn::SliceOp>(ctx.loc("attn.q", loc), p, 0, qw);
      kv = ctx.b.create<nn::SliceOp>(ctx.loc("attn.k", loc), p, qw, kvw);
      vv = ctx.b.create<nn::SliceOp>(ctx.loc("attn.v", loc), p, qw + kvw, kvw);
    } else {
      qv = ctx.linear(x, q, "attn.q", loc);
      kv = ctx.linear(x, k, "attn.k", loc);
      vv = ctx.linear(x, v, "attn.v", loc);
    }
    if (auto *rope = dynamic_cast<const RopeSpec *>(ctx.model.position.get())) {
      APFloat theta(static_cast<float>(rope->theta));
      qv = ctx.b.create<nn::RopeOp>(ctx.loc("attn.rope_q", rope->loc),
                                    rope->style, qv, heads, theta);
      kv = ctx.b.create<nn::RopeOp>(ctx.loc("attn.rope_k", rope->loc),
                                    rope->style, kv, kvHeads, theta);
    }
    APFloat scale(static_cast<float>(1.0 / std::sqrt(double(headDim))));
    Value out = ctx.b.create<nn::AttentionOp>(ctx.loc("attn", loc), qv, kv, vv,
                                              heads, kvHeads, causal, scale);
    return ctx.linear(out, o, "attn.o", loc);
  }
};

std::unique_ptr<SubLayerSpec> readAttention(const ReadContext &ctx) {
  const TableView &t = ctx.table;
  auto a = std::make_unique<Attention>();
  SpecLoc loc = t.loc();
  auto heads = t.getInt("heads");
  if (!heads) {
    if (!t.has("heads"))
      t.missing("heads");
    return nullptr;
  }
  a->heads = heads->value;
  auto kv = t.getInt("kv_heads");
  a->kvHeads = kv ? kv->value : a->heads;
  if (a->heads % a->kvHeads != 0) {
    ctx.error(kv->valueLoc, "kv_heads = " + Twine(a->kvHeads) +
                                " must divide heads = " + Twine(a->heads));
    return nullptr;
  }
  int64_t dim = ctx.model.dim;
  auto hd = t.getInt("head_dim");
  if (hd) {
    a->headDim = hd->value;
  } else if (dim > 0) {
    if (dim % a->heads != 0) {
      ctx.error(heads->valueLoc, "dim = " + Twine(dim) +
                                     " is not divisible by heads = " +
                                     Twine(a->heads) + "; set head_dim");
      return nullptr;
    }
    a->headDim = dim / a->heads;
  }
  if (dynamic_cast<const RopeSpec *>(ctx.model.position.get()) &&
      a->headDim % 2 != 0) {
    ctx.error(hd ? hd->valueLoc : heads->valueLoc,
              "rope needs an even head_dim, got " + Twine(a->headDim));
    return nullptr;
  }
  if (auto c = t.getBool("causal"))
    a->causal = c->value;
  auto bias = t.getBool("bias");
  auto blockBias = ctx.block.getBool("bias");
  bool withBias = bias ? bias->value : (blockBias ? blockBias->value : true);
  int64_t qw = a->heads * a->headDim, kvw = a->kvHeads * a->headDim;
  a->fusedQkv = ctx.schemeFuses("layer.attn.qkv");
  if (a->fusedQkv) {
    a->qkv = ctx.linear("layer.attn.qkv", dim, qw + 2 * kvw, withBias, loc);
  } else {
    a->q = ctx.linear("layer.attn.q", dim, qw, withBias, loc);
    a->k = ctx.linear("layer.attn.k", dim, kvw, withBias, loc);
    a->v = ctx.linear("layer.attn.v", dim, kvw, withBias, loc);
  }
  a->o = ctx.linear("layer.attn.o", qw, dim, withBias, loc);
  return a;
}

} // namespace

void registerAttentionMixer() {
  std::vector<std::string> slots;
  for (const char *p : {"qkv", "q", "k", "v", "o"})
    for (const char *leaf : {"weight", "bias"})
      slots.push_back(std::string("layer.attn.") + p + "." + leaf);
  registerMixer({"attention",
                 "attention",
                 {{"heads", Kind::Int},
                  {"kv_heads", Kind::Int},
                  {"head_dim", Kind::Int},
                  {"causal", Kind::Bool},
                  {"bias", Kind::Bool}},
                 slots,
                 readAttention});
}

} // namespace modelc::frontend
