//===- Attention.cpp - mixer = "attention": softmax attention -------------===//
//
// Multi-head, grouped-query or multi-query attention ([block.attention]),
// with the q, k, v projections (or one fused qkv projection when the scheme
// stores them so), RoPE (full or partial) when the model's position scheme is
// rope, ALiBi slopes when it is alibi, and the variants of nn.attention:
// masks (window, block_size, Swin's windows on an image's patch grid, with
// its relative position bias), persistent memory, talking heads, clipped and
// power softmax, ResFormer's value residual, and SwitchHead's
// expert-routed value and output projections (nn.switch_linear).
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"
#include "frontend/blocks/Positions.h"

#include "dialect/NNOps.h"

#include <algorithm>
#include <cmath>

using namespace mlir;

namespace modelc::frontend {

namespace {

/// The carried value: the value of the model's first attention layer.
constexpr const char *kFirstValue = "attention.v1";

class Attention : public SubLayerSpec {
public:
  int64_t heads = 0, kvHeads = 0, headDim = 0;
  bool causal = true;
  bool fusedQkv = false; // one [dim, (heads+2 kv_heads) head_dim] projection
  LinearSpec qkv, q, k, v, o;
  double scale = 0;
  std::optional<int64_t> window, blockSize, power;
  std::vector<int64_t> gridWindow; // [rows, cols, window, shift] on the grid
  int64_t memory = 0;
  TensorRef memoryKey, memoryValue, talkPre, talkPost, relativeBias;
  std::optional<std::pair<double, double>> clip; // gamma, eta
  std::optional<std::pair<double, double>> valueLambda;
  // SwitchHead: `switchExperts` experts per head for v and o, top_k each.
  int64_t switchExperts = 0, switchTopK = 0;
  LinearSpec vRouter, oRouter;
  TensorRef vExperts, oExperts;

  int64_t kvWidth() const { return kvHeads * headDim; }

  Value build(BuildContext &ctx, Value x) const override {
    int64_t qw = heads * headDim, kvw = kvWidth();
    Value qv, kv, vv;
    if (fusedQkv) {
      Value p = ctx.linear(x, qkv, "attn.qkv", loc);
      qv = ctx.b.create<nn::SliceOp>(ctx.loc("attn.q", loc), p, 0, qw);
      kv = ctx.b.create<nn::SliceOp>(ctx.loc("attn.k", loc), p, qw, kvw);
      vv = ctx.b.create<nn::SliceOp>(ctx.loc("attn.v", loc), p, qw + kvw, kvw);
    } else {
      qv = ctx.linear(x, q, "attn.q", loc);
      kv = ctx.linear(x, k, "attn.k", loc);
      vv = switchExperts ? switchProjection(ctx, x, x, vRouter, vExperts,
                                            kvHeads, "attn.v")
                         : ctx.linear(x, v, "attn.v", loc);
    }
    Builder &b = ctx.b;
    const PositionSpec *position = ctx.model.position.get();
    if (auto *rope = dynamic_cast<const RopeSpec *>(position)) {
      qv = rope->rotate(ctx, qv, heads, "attn.rope_q");
      kv = rope->rotate(ctx, kv, kvHeads, "attn.rope_k");
    }
    // ResFormer: the first attention layer hands its value on; the later
    // ones that ask for it mix it into theirs.
    Value first;
    if (Value &carried = ctx.carried(kFirstValue); !carried)
      carried = vv;
    else if (valueLambda)
      first = carried;
    Value mk, mv, pre, post;
    if (memory > 0) {
      mk = ctx.weight(memoryKey, false, {memory, kvw}, "attn.memory_k", loc);
      mv = ctx.weight(memoryValue, false, {memory, kvw}, "attn.memory_v", loc);
    }
    if (talkPre.present()) {
      pre = ctx.weight(talkPre, false, {heads, heads}, "attn.talk_pre", loc);
      post = ctx.weight(talkPost, false, {heads, heads}, "attn.talk_post", loc);
    }
    auto i64 = [&](std::optional<int64_t> v) {
      return v ? b.getI64IntegerAttr(*v) : IntegerAttr();
    };
    auto pair = [&](std::optional<std::pair<double, double>> p) {
      return p ? b.getDenseF32ArrayAttr({(float)p->first, (float)p->second})
               : DenseF32ArrayAttr();
    };
    DenseI64ArrayAttr grid;
    Value rel;
    if (!gridWindow.empty()) {
      grid = b.getDenseI64ArrayAttr(gridWindow);
      int64_t span = 2 * gridWindow[2] - 1;
      if (relativeBias.present())
        rel = ctx.weight(relativeBias, false, {span * span, heads},
                         "attn.relative_position_bias_table", loc);
    }
    DenseF32ArrayAttr slopes;
    if (dynamic_cast<const AlibiSpec *>(position))
      slopes = b.getDenseF32ArrayAttr(AlibiSpec::slopes(heads));
    Value out = ctx.b.create<nn::AttentionOp>(
        ctx.loc("attn", loc), qv, kv, vv, mk, mv, pre, post,
        first ? first : Value(), rel, heads, kvHeads, causal,
        APFloat(static_cast<float>(scale)), i64(window), i64(blockSize), grid,
        slopes, pair(clip), i64(power),
        first ? pair(valueLambda) : DenseF32ArrayAttr());
    if (switchExperts)
      return switchProjection(ctx, out, x, oRouter, oExperts, heads, "attn.o");
    return ctx.linear(out, o, "attn.o", loc);
  }

private:
  /// SwitchHead's v (of `x`, `input` = x) or o (of the attention's output
  /// `input`), routed by `router` of the block input `x`, per head of `n`.
  Value switchProjection(BuildContext &ctx, Value input, Value x,
                         const LinearSpec &router, const TensorRef &experts,
                         int64_t n, StringRef what) const {
    bool perHeadInput = what == "attn.o";
    int64_t dim = mlir::cast<ShapedType>(x.getType()).getDimSize(2);
    int64_t in = perHeadInput ? headDim : dim,
            out = perHeadInput ? dim : headDim;
    Value logits = ctx.linear(x, router, (what + "_router").str(), loc);
    Value w = ctx.weight(experts, false, {n * switchExperts * in, out},
                         (what + "_experts").str(), loc);
    return ctx.b.create<nn::SwitchLinearOp>(ctx.loc(what, loc), input, logits,
                                            w, /*scales=*/Value(), n,
                                            switchTopK, perHeadInput);
  }
};

/// "'<key>' in [block.attention] only applies with <cond>" when `key` is set.
void onlyWith(const ReadContext &ctx, StringRef key, bool applies,
              StringRef cond) {
  if (!applies && ctx.table.has(key))
    ctx.error(ctx.table.keyLoc(key), "'" + key + "' in " +
                                         ctx.table.where(key) +
                                         " only applies with " + cond);
}

/// The first attention layer before the one being read, if any.
const Attention *firstAttention(const ReadContext &ctx) {
  for (int64_t i = 0; i < *ctx.layer; ++i)
    if (auto *a =
            dynamic_cast<const Attention *>(ctx.model.layers[i].mixer.get()))
      return a;
  return nullptr;
}

/// Positions: RoPE's channels fit the head; ALiBi needs an exponential
/// softmax.
bool checkPositions(const ReadContext &ctx, const Attention &a,
                    const std::optional<Val<int64_t>> &hd,
                    const Val<int64_t> &heads) {
  const PositionSpec *position = ctx.model.position.get();
  SpecLoc hdLoc = hd ? hd->valueLoc : heads.valueLoc;
  if (auto *rope = dynamic_cast<const RopeSpec *>(position)) {
    if (!rope->rotaryDim && a.headDim % 2 != 0) {
      ctx.error(hdLoc, "rope needs an even head_dim, got " + Twine(a.headDim));
      return false;
    }
    if (rope->rotaryDim && rope->rotaryDim->value > a.headDim) {
      ctx.error(rope->rotaryDim->valueLoc,
                "rope_dim = " + Twine(rope->rotaryDim->value) +
                    " exceeds head_dim = " + Twine(a.headDim) + " of " +
                    ctx.table.where(hd ? "head_dim" : "heads") + " (layer " +
                    Twine(*ctx.layer) + ")");
      return false;
    }
  }
  if (a.power && dynamic_cast<const AlibiSpec *>(position)) {
    ctx.error(ctx.table.keyLoc("softmax"),
              "softmax = \"power\" cannot take position = \"alibi\": ALiBi "
              "biases are for an exponential softmax");
    return false;
  }
  return true;
}

/// grid_window, grid_shift: Swin's (shifted) windows on the patch grid, the
/// only mask of the layer (causal defaults to false with them);
/// relative_position_bias: Swin's learned bias per offset in a window.
bool readGridWindow(const ReadContext &ctx, Attention &a) {
  const TableView &t = ctx.table;
  auto m = t.getInt("grid_window");
  auto s = t.getInt("grid_shift", 0);
  for (StringRef key : {"grid_shift", "relative_position_bias"})
    onlyWith(ctx, key, t.has("grid_window"), "grid_window");
  if (!m || (!s && t.has("grid_shift")))
    return !t.has("grid_window") && !t.has("grid_shift") &&
           !t.has("relative_position_bias");
  const InputSpec *in = ctx.model.input.get();
  if (!in || !ctx.grid) {
    ctx.error(m->keyLoc, "grid_window in " + t.where("grid_window") +
                             " needs input = \"image\": the windows lie on "
                             "the patch grid");
    return false;
  }
  if (in->prefixTokens() > 0) {
    ctx.error(m->keyLoc, "grid_window needs [embed] cls_token = false: a "
                         "class token has no place on the grid");
    return false;
  }
  auto [rows, cols] = *ctx.grid;
  int64_t size = m->value, shift = s ? s->value : 0;
  bool ok = true;
  if (shift >= size) {
    ctx.error(s->valueLoc,
              "grid_shift = " + Twine(shift) + " in " + t.where("grid_shift") +
                  " must be less than grid_window = " + Twine(size));
    ok = false;
  }
  if (size >= std::min(rows, cols)) {
    // A window at least the grid's shorter side shrinks to it, unshifted, as
    // in Swin's code and Hugging Face's: one window size and shift pattern
    // serve every stage of a config, the last ones included.
    size = std::min(rows, cols);
    shift = 0;
    if (rows % size != 0 || cols % size != 0) {
      ctx.error(m->valueLoc,
                "grid_window = " + Twine(m->value) + " in " +
                    t.where("grid_window") + " covers the " + Twine(rows) +
                    " x " + Twine(cols) +
                    " patch grid's shorter side, and windows that size "
                    "do not tile its longer one");
      ok = false;
    }
  } else if (rows % size != 0 || cols % size != 0) {
    ctx.error(m->valueLoc, "grid_window = " + Twine(size) + " in " +
                               t.where("grid_window") +
                               " must divide the patch grid's sides (" +
                               Twine(rows) + " x " + Twine(cols) + ")");
    ok = false;
  }
  auto causal = t.getBool("causal");
  for (StringRef key : {"causal", "window", "block_size"}) {
    if (!t.has(key) || (key == "causal" && !(causal && causal->value)))
      continue;
    ctx.error(t.keyLoc(key), "'" + key + "' in " + t.where(key) +
                                 " cannot be combined with grid_window: "
                                 "the grid's windows are the layer's mask");
    ok = false;
  }
  a.causal = false;
  a.gridWindow = {rows, cols, size, shift};
  if (auto rel = t.getBool("relative_position_bias"); rel && rel->value)
    a.relativeBias =
        ctx.weight("layer.attn.relative_position_bias_table", rel->keyLoc);
  return ok;
}

/// softmax, clip_gamma, clip_eta, power.
bool readSoftmax(const ReadContext &ctx, Attention &a) {
  const TableView &t = ctx.table;
  auto kind = t.getString("softmax");
  std::string softmax = kind ? kind->value : "softmax";
  onlyWith(ctx, "clip_gamma", softmax == "clipped", "softmax = \"clipped\"");
  onlyWith(ctx, "clip_eta", softmax == "clipped", "softmax = \"clipped\"");
  onlyWith(ctx, "power", softmax == "power", "softmax = \"power\"");
  bool ok = true;
  if (softmax == "clipped") {
    auto gamma = t.getNumber("clip_gamma");
    auto eta = t.getNumber("clip_eta");
    a.clip = {gamma ? gamma->value : -0.03, eta ? eta->value : 1.0};
    if (gamma && gamma->value > 0) {
      ctx.error(gamma->valueLoc, "clip_gamma must be <= 0 (a positive gamma "
                                 "gives masked keys weight)");
      ok = false;
    }
    if (eta && eta->value < 1) {
      ctx.error(eta->valueLoc, "clip_eta must be >= 1");
      ok = false;
    }
  } else if (softmax == "power") {
    auto p = t.getInt("power");
    a.power = p ? p->value : 2;
    if (p && p->value % 2 != 0) {
      ctx.error(p->valueLoc,
                "power = " + Twine(p->value) +
                    " must be even (x^p / sum x^p needs x^p >= 0)");
      ok = false;
    }
  }
  return ok;
}

/// value_residual, value_lambda1, value_lambda2.
bool readValueResidual(const ReadContext &ctx, Attention &a) {
  const TableView &t = ctx.table;
  auto vr = t.getBool("value_residual");
  bool on = vr && vr->value;
  onlyWith(ctx, "value_lambda1", on, "value_residual = true");
  onlyWith(ctx, "value_lambda2", on, "value_residual = true");
  if (!on)
    return true;
  auto l1 = t.getNumber("value_lambda1");
  auto l2 = t.getNumber("value_lambda2");
  a.valueLambda = {l1 ? l1->value : 0.5, l2 ? l2->value : 0.5};
  const Attention *first = firstAttention(ctx);
  if (first && first->kvWidth() != a.kvWidth()) {
    ctx.error(vr->keyLoc, "value_residual needs a value as wide as the first "
                          "attention layer's (" +
                              Twine(first->kvWidth()) + " channels), got " +
                              Twine(a.kvWidth()));
    return false;
  }
  if (!first)
    a.valueLambda.reset(); // the first attention layer provides V_1
  return true;
}

/// switch_experts, switch_top_k: SwitchHead's routed v and o projections
/// (no biases, separate from q and k), in place of `a`'s v and o.
bool readSwitchHead(const ReadContext &ctx, Attention &a, bool fused,
                    SpecLoc loc) {
  const TableView &t = ctx.table;
  auto experts = t.getInt("switch_experts");
  onlyWith(ctx, "switch_top_k", t.has("switch_experts"), "switch_experts");
  if (!experts)
    return !t.has("switch_experts");
  int64_t e = experts->value;
  a.switchTopK = std::min<int64_t>(2, e);
  if (auto k = t.getInt("switch_top_k")) {
    if (k->value > e) {
      ctx.error(k->valueLoc, "switch_top_k = " + Twine(k->value) + " in " +
                                 t.where("switch_top_k") +
                                 " exceeds switch_experts = " + Twine(e));
      return false;
    }
    a.switchTopK = k->value;
  } else if (t.has("switch_top_k")) {
    return false; // reported
  }
  bool ok = true;
  if (fused) {
    ctx.error(experts->keyLoc,
              "switch_experts in " + t.where("switch_experts") +
                  " needs separate q, k and v projections: the weight "
                  "scheme stores them as one fused qkv");
    ok = false;
  }
  if (auto oBias = t.getBool("o_bias"); oBias && oBias->value) {
    ctx.error(oBias->valueLoc, "o_bias = true in " + t.where("o_bias") +
                                   " cannot be combined with switch_experts: "
                                   "the routed output projection has no bias");
    ok = false;
  }
  if (!ok)
    return false;
  int64_t dim = ctx.dim;
  a.switchExperts = e;
  a.vRouter = ctx.linear("layer.attn.v_router", dim, a.kvHeads * e,
                         /*bias=*/false, loc);
  a.oRouter =
      ctx.linear("layer.attn.o_router", dim, a.heads * e, /*bias=*/false, loc);
  a.vExperts =
      ctx.weight("layer.attn.v_experts", loc, {a.kvHeads * e * dim, a.headDim});
  a.oExperts =
      ctx.weight("layer.attn.o_experts", loc, {a.heads * e * a.headDim, dim});
  return true;
}

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
  int64_t dim = ctx.dim;
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
  if (auto c = t.getBool("causal"))
    a->causal = c->value;
  auto scale = t.getFloat("scale");
  a->scale = scale ? scale->value : 1.0 / std::sqrt(double(a->headDim));
  if (auto w = t.getInt("window"))
    a->window = w->value;
  if (auto bs = t.getInt("block_size"))
    a->blockSize = bs->value;
  bool ok = readGridWindow(ctx, *a);
  ok &= readSoftmax(ctx, *a);
  ok &= readValueResidual(ctx, *a);
  if (!ok || !checkPositions(ctx, *a, hd, *heads))
    return nullptr;

  auto bias = t.getBool("bias");
  auto blockBias = ctx.block.getBool("bias");
  bool withBias = bias ? bias->value : (blockBias ? blockBias->value : true);
  auto oBias = t.getBool("o_bias");
  int64_t qw = a->heads * a->headDim, kvw = a->kvWidth();
  a->fusedQkv = ctx.schemeFuses("layer.attn.qkv");
  if (!readSwitchHead(ctx, *a, a->fusedQkv, loc))
    return nullptr;
  if (a->fusedQkv) {
    a->qkv = ctx.linear("layer.attn.qkv", dim, qw + 2 * kvw, withBias, loc);
  } else {
    a->q = ctx.linear("layer.attn.q", dim, qw, withBias, loc);
    a->k = ctx.linear("layer.attn.k", dim, kvw, withBias, loc);
    if (!a->switchExperts)
      a->v = ctx.linear("layer.attn.v", dim, kvw, withBias, loc);
  }
  if (!a->switchExperts)
    a->o = ctx.linear("layer.attn.o", qw, dim, oBias ? oBias->value : withBias,
                      loc);
  if (auto m = t.getInt("memory", 0); m && m->value > 0) {
    a->memory = m->value;
    a->memoryKey = ctx.weight("layer.attn.memory_k", m->keyLoc);
    a->memoryValue = ctx.weight("layer.attn.memory_v", m->keyLoc);
  }
  if (auto th = t.getBool("talking_heads"); th && th->value) {
    a->talkPre = ctx.weight("layer.attn.talk_pre", th->keyLoc);
    a->talkPost = ctx.weight("layer.attn.talk_post", th->keyLoc);
  }
  return a;
}

} // namespace

void registerAttentionMixer() {
  std::vector<std::string> slots;
  for (const char *p : {"qkv", "q", "k", "v", "o", "v_router", "o_router"})
    for (const char *leaf : {"weight", "bias"})
      slots.push_back(std::string("layer.attn.") + p + "." + leaf);
  for (const char *s :
       {"memory_k", "memory_v", "talk_pre", "talk_post",
        "relative_position_bias_table", "v_experts", "o_experts"})
    slots.push_back(std::string("layer.attn.") + s);
  registerMixer({"attention",
                 "attention",
                 {{"heads", Kind::Int},
                  {"kv_heads", Kind::Int},
                  {"head_dim", Kind::Int},
                  {"causal", Kind::Bool},
                  {"bias", Kind::Bool},
                  {"o_bias", Kind::Bool},
                  {"scale", Kind::Float},
                  {"window", Kind::Int},
                  {"block_size", Kind::Int},
                  {"grid_window", Kind::Int},
                  {"grid_shift", Kind::Int, {}, 0},
                  {"relative_position_bias", Kind::Bool},
                  {"memory", Kind::Int, {}, 0},
                  {"talking_heads", Kind::Bool},
                  {"softmax", Kind::String, {"softmax", "clipped", "power"}},
                  {"clip_gamma", Kind::Number},
                  {"clip_eta", Kind::Number},
                  {"power", Kind::Int},
                  {"value_residual", Kind::Bool},
                  {"value_lambda1", Kind::Number},
                  {"value_lambda2", Kind::Number},
                  {"switch_experts", Kind::Int},
                  {"switch_top_k", Kind::Int}},
                 slots,
                 readAttention});
}

} // namespace modelc::frontend
