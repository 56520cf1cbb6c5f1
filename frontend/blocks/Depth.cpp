//===- Depth.cpp - [depth.loop], [depth.skip], [depth.dwa] ----------------===//
//
// Depth structures: they rewrite the schedule of layer applications and hook
// into the build (BlockAPI.h, DepthSpec).
//   loop  layers first..last applied `times` times, their weights shared
//         (every pass names the same tensors, so each exists once and the
//         passes' kernels deduplicate); with lora_rank, per-loop LoRA
//         (Relaxed Recursive Transformers): pass p of projection W computes
//         x W + scale (x A_p) B_p as one GEMM with a low-rank epilogue, A and
//         B stacked per pass in one tensor each;
//   skip  the listed layers are routed past (the stream passes unchanged);
//   dwa   DenseFormer's depth-weighted average after block i:
//         x' = sum_t alpha_i[t] x_(t*dilation + (i+1) % dilation), over the
//         embedding x_0 and the block outputs x_j so far, every `period`
//         blocks.
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/SpecReader.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"
#include "llvm/ADT/StringExtras.h"

#include <set>

using namespace mlir;

namespace modelc::frontend {

namespace {

/// A range error for layer index `key` = v ("the model has N layers").
bool inRange(const ReadContext &ctx, const Val<int64_t> &v, StringRef key) {
  int64_t n = ctx.model.layers.size();
  if (v.value < n)
    return true;
  ctx.error(v.valueLoc, "'" + key + "' = " + Twine(v.value) + " in " +
                            ctx.table.where(key) +
                            " is out of range: the model has " + Twine(n) +
                            " layers (0.." + Twine(n - 1) + ")");
  return false;
}

//===----------------------------------------------------------------------===//
// loop
//===----------------------------------------------------------------------===//

class Loop : public DepthSpec {
public:
  int64_t first = 0, last = 0, times = 1;
  int64_t rank = 0; // 0: no LoRA
  double scale = 1.0;
  struct Lora {
    LinearSpec base;
    TensorRef a, b; // [times, rank, in] and [times, out, rank] (out_in)
  };
  std::map<int64_t, std::vector<Lora>> lora; // by layer

  bool repeats(int64_t layer) const { return first <= layer && layer <= last; }

  void schedule(std::vector<LayerApplication> &apps) const override {
    std::vector<LayerApplication> out;
    for (const LayerApplication &app : apps) {
      if (app.layer == first)
        for (int64_t pass = 0; pass < times; ++pass)
          for (int64_t l = first; l <= last; ++l)
            out.push_back({l, pass});
      if (!repeats(app.layer))
        out.push_back(app);
    }
    apps = std::move(out);
  }

  Value linear(BuildContext &ctx, Value x, const LinearSpec &l, StringRef what,
               SpecLoc at) const override {
    if (!ctx.layer)
      return nullptr;
    auto it = lora.find(*ctx.layer);
    if (it == lora.end())
      return nullptr;
    for (const Lora &p : it->second)
      if (p.base.weight.name == l.weight.name)
        return build(ctx, x, l, p, what, at);
    return nullptr;
  }

private:
  /// Pass `iteration`'s slice of a stacked LoRA tensor as the [in, out]
  /// operand of a GEMM: `in`, `out` its logical sizes.
  Value slice(BuildContext &ctx, const TensorRef &t, bool outIn, int64_t in,
              int64_t out, StringRef what, SpecLoc at) const {
    SmallVector<int64_t> stored = {times, outIn ? out : in, outIn ? in : out};
    Value all = ctx.weight(t, false, stored, what, at);
    auto type = RankedTensorType::get({in, out}, ctx.b.getF32Type());
    return ctx.b.create<nn::WeightSelectOp>(
        ctx.loc(what, at), type, all, ctx.b.getI64IntegerAttr(ctx.iteration),
        outIn ? ctx.b.getUnitAttr() : nullptr);
  }

  Value build(BuildContext &ctx, Value x, const LinearSpec &l, const Lora &p,
              StringRef what, SpecLoc at) const {
    Value a =
        slice(ctx, p.a, l.transposed, l.in, rank, (what + ".lora_a").str(), at);
    Value b = slice(ctx, p.b, l.transposed, rank, l.out,
                    (what + ".lora_b").str(), at);
    // The scale is folded into B at compile time: the GEMM adds (x A) B.
    if (scale != 1.0)
      b = ctx.b.create<nn::WeightMulScalarOp>(
          ctx.loc((what + ".lora_b").str(), at), b.getType(), b,
          ctx.b.getF32FloatAttr(static_cast<float>(scale)));
    Value xa = ctx.b.create<nn::LinearOp>(ctx.loc((what + ".lora_a").str(), at),
                                          x, a, Value());
    Value w = ctx.weight(l.weight, l.transposed, {l.in, l.out},
                         (what + ".weight").str(), at);
    Value bias;
    if (l.bias.present())
      bias = ctx.weight(l.bias, false, {l.out}, (what + ".bias").str(), at);
    return ctx.b.create<nn::LoraLinearOp>(ctx.loc(what, at), x, w, bias, xa, b,
                                          ctx.b.getF32FloatAttr(1.0f));
  }
};

/// The projections of `layer` by target name ("attn.q": its base without
/// "layer.").
std::vector<std::pair<std::string, const ProjectionSpec *>>
targetsOf(const LayerSpec &layer) {
  std::vector<std::pair<std::string, const ProjectionSpec *>> r;
  for (const ProjectionSpec &p : layer.projections) {
    StringRef name(p.base);
    name.consume_front("layer.");
    r.push_back({name.str(), &p});
  }
  return r;
}

bool readLora(const ReadContext &ctx, Loop &loop) {
  const TableView &t = ctx.table;
  auto rank = t.getInt("lora_rank");
  for (const char *key : {"lora_targets", "lora_scale"})
    if (t.has(key) && !rank && !t.has("lora_rank"))
      ctx.error(t.keyLoc(key), Twine("'") + key +
                                   "' in [depth.loop] only applies with "
                                   "lora_rank");
  if (!rank)
    return !t.has("lora_rank");
  loop.rank = rank->value;
  if (auto s = t.getFloat("lora_scale"))
    loop.scale = s->value;
  auto targets = t.getStrings("lora_targets");
  if (!targets && t.has("lora_targets"))
    return false;
  bool ok = true;
  std::set<std::string> reported; // a bad target once, not once per layer
  for (int64_t i = loop.first; i <= loop.last; ++i) {
    auto available = targetsOf(ctx.model.layers[i]);
    std::vector<std::string> names;
    for (auto &[name, p] : available)
      names.push_back(name);
    std::vector<std::string> chosen = targets ? targets->value : names;
    ReadContext lc(ctx.reader, ctx.model, i, ctx.table, ctx.block);
    for (const std::string &name : chosen) {
      auto it = llvm::find_if(available,
                              [&](const auto &a) { return a.first == name; });
      if (it == available.end()) {
        ok = false;
        if (!reported.insert(name).second)
          continue;
        std::string msg =
            "LoRA target '" + name + "' is not a projection of layer " +
            std::to_string(i) + " (it has: " + llvm::join(names, ", ") + ")";
        if (auto best = closest(name, names))
          msg += "; did you mean '" + *best + "'?";
        ctx.error(targets->valueLoc, msg);
        continue;
      }
      const LinearSpec &l = it->second->linear;
      std::string base = it->second->base;
      SpecLoc at = rank->keyLoc;
      loop.lora[i].push_back(
          {l, lc.weight(base + ".lora_a", at, {loop.times, loop.rank, l.in}),
           lc.weight(base + ".lora_b", at, {loop.times, l.out, loop.rank})});
    }
  }
  return ok;
}

std::unique_ptr<DepthSpec> readLoop(const ReadContext &ctx) {
  const TableView &t = ctx.table;
  auto loop = std::make_unique<Loop>();
  int64_t n = ctx.model.layers.size();
  auto first = t.getInt("first", 0), last = t.getInt("last", 0);
  auto times = t.getInt("times");
  bool ok = (t.has("first") == bool(first)) && (t.has("last") == bool(last));
  if (!times) {
    if (!t.has("times"))
      t.missing("times");
    ok = false;
  }
  if ((first && !inRange(ctx, *first, "first")) ||
      (last && !inRange(ctx, *last, "last")) || !ok)
    return nullptr;
  loop->times = times->value;
  loop->first = first ? first->value : 0;
  loop->last = last ? last->value : n - 1;
  if (loop->first > loop->last) {
    ctx.error(first ? first->keyLoc : t.loc(),
              "a loop over an empty group: first = " + Twine(loop->first) +
                  " is after last = " + Twine(loop->last));
    return nullptr;
  }
  if (!readLora(ctx, *loop))
    return nullptr;
  return loop;
}

//===----------------------------------------------------------------------===//
// skip
//===----------------------------------------------------------------------===//

class Skip : public DepthSpec {
public:
  std::set<int64_t> layers;

  void schedule(std::vector<LayerApplication> &apps) const override {
    llvm::erase_if(
        apps, [&](const LayerApplication &a) { return layers.count(a.layer); });
  }
};

std::unique_ptr<DepthSpec> readSkip(const ReadContext &ctx) {
  const TableView &t = ctx.table;
  auto list = t.getInts("layers", 0);
  if (!list) {
    if (!t.has("layers"))
      t.missing("layers");
    return nullptr;
  }
  auto skip = std::make_unique<Skip>();
  int64_t n = ctx.model.layers.size();
  for (int64_t i : list->value) {
    if (i >= n) {
      ctx.error(list->valueLoc, "skipped layer " + Twine(i) +
                                    " is out of range: the model has " +
                                    Twine(n) + " layers (0.." + Twine(n - 1) +
                                    ")");
      return nullptr;
    }
    if (!skip->layers.insert(i).second)
      ctx.warning(list->valueLoc,
                  "layer " + Twine(i) + " is listed twice in [depth.skip]");
  }
  if ((int64_t)skip->layers.size() == n) {
    ctx.error(list->keyLoc, "[depth.skip] skips every layer of the model");
    return nullptr;
  }
  for (const auto &d : ctx.model.depth)
    if (auto *loop = dynamic_cast<const Loop *>(d.get())) {
      bool all = true;
      for (int64_t i = loop->first; i <= loop->last; ++i)
        all &= skip->layers.count(i) > 0;
      if (all) {
        ctx.error(list->keyLoc,
                  "a loop over an empty group: [depth.skip] skips every "
                  "layer of [depth.loop] (" +
                      Twine(loop->first) + ".." + Twine(loop->last) + ")");
        return nullptr;
      }
    }
  return skip;
}

//===----------------------------------------------------------------------===//
// dwa
//===----------------------------------------------------------------------===//

class Dwa : public DepthSpec {
public:
  int64_t dilation = 1, period = 1;
  std::map<int64_t, TensorRef> alphas; // by block, where a DWA follows it

  /// The history entries block `i`'s average reads, ascending.
  std::vector<int64_t> inputsAfter(int64_t i) const {
    std::vector<int64_t> r;
    for (int64_t j = (i + 1) % dilation; j <= i + 1; j += dilation)
      r.push_back(j);
    return r;
  }
  static std::string historyKey(int64_t j) {
    return "dwa.x" + std::to_string(j);
  }

  Value beforeLayers(BuildContext &ctx, Value x) const override {
    ctx.carried(historyKey(0)) = x;
    return x;
  }

  Value afterLayer(BuildContext &ctx, Value x, size_t) const override {
    int64_t i = *ctx.layer;
    ctx.carried(historyKey(i + 1)) = x;
    auto it = alphas.find(i);
    if (it == alphas.end())
      return x;
    SmallVector<Value> history;
    for (int64_t j : inputsAfter(i))
      history.push_back(ctx.carried(historyKey(j)));
    int64_t n = history.size();
    Value w = ctx.weight(it->second, false, {1, n}, "dwa.weight", loc);
    return ctx.b.create<nn::WeightedSumOp>(ctx.loc("dwa", loc), w, history);
  }
};

std::unique_ptr<DepthSpec> readDwa(const ReadContext &ctx) {
  const TableView &t = ctx.table;
  for (const auto &d : ctx.model.depth)
    if (dynamic_cast<const Loop *>(d.get()) ||
        dynamic_cast<const Skip *>(d.get())) {
      ctx.error(t.loc(),
                "[depth.dwa] with [depth." + d->family +
                    "] is not supported: DenseFormer's weights belong to "
                    "the blocks of a plain stack, each applied once");
      return nullptr;
    }
  auto dwa = std::make_unique<Dwa>();
  if (auto d = t.getInt("dilation"))
    dwa->dilation = d->value;
  if (auto p = t.getInt("period"))
    dwa->period = p->value;
  int64_t n = ctx.model.layers.size();
  for (int64_t i = 0; i < n; ++i) {
    if ((i + 1) % dwa->period)
      continue;
    ReadContext lc(ctx.reader, ctx.model, i, ctx.table, ctx.block);
    int64_t inputs = dwa->inputsAfter(i).size();
    dwa->alphas[i] = lc.weight("layer.dwa.weight", t.loc(), {1, inputs});
  }
  return dwa;
}

} // namespace

void registerDepthStructures() {
  // LoRA's slots are named after the projections the mixers and channels
  // declare (registered before).
  std::vector<std::string> loraSlots;
  for (const auto *list : {&families().mixers, &families().channels})
    for (const SubLayerFamily &f : *list)
      for (StringRef slot : f.slots)
        if (slot.consume_back(".weight"))
          for (const char *leaf : {".lora_a", ".lora_b"})
            loraSlots.push_back((slot + leaf).str());
  registerDepth({"loop",
                 {{"first", Kind::Int, {}, 0},
                  {"last", Kind::Int, {}, 0},
                  {"times", Kind::Int},
                  {"lora_rank", Kind::Int},
                  {"lora_targets", Kind::StringList},
                  {"lora_scale", Kind::Float}},
                 loraSlots,
                 readLoop});
  registerDepth({"skip", {{"layers", Kind::IntList}}, {}, readSkip});
  registerDepth({"dwa",
                 {{"dilation", Kind::Int}, {"period", Kind::Int}},
                 {"layer.dwa.weight"},
                 readDwa});
}

} // namespace modelc::frontend
