//===- SpecParser.cpp - TOML spec -> ModelSpec, with diagnostics ----------===//
//
// Two passes over the TOML tree. The first checks every table on its own
// (unknown keys, value types, enum values, ranges); the second resolves each
// layer (defaults, then [block], then the [[layer]] overrides in file order)
// and checks what only the whole model can tell (divisibility, weight names).
// Errors are collected, de-duplicated (a [block] mistake would otherwise be
// reported once per layer) and emitted in file order, so one run shows all.
//
//===----------------------------------------------------------------------===//
#include "frontend/Spec.h"
#include "frontend/WeightNames.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"

#include <toml++/toml.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

using namespace llvm;
using namespace mlir;

namespace modelc::frontend {
namespace {

SpecLoc locOf(const toml::source_region &r) {
  return {static_cast<unsigned>(r.begin.line),
          static_cast<unsigned>(r.begin.column)};
}

SpecLoc firstKnown(std::initializer_list<SpecLoc> locs) {
  for (SpecLoc l : locs)
    if (l.known())
      return l;
  return {1, 1};
}

std::string typeName(toml::node_type t) {
  switch (t) {
  case toml::node_type::table:
    return "a table";
  case toml::node_type::array:
    return "an array";
  case toml::node_type::string:
    return "a string";
  case toml::node_type::integer:
    return "an integer";
  case toml::node_type::floating_point:
    return "a float";
  case toml::node_type::boolean:
    return "a boolean";
  default:
    return "a date/time";
  }
}

/// The closest candidate within a small edit distance, for "did you mean".
std::optional<StringRef> closest(StringRef word, ArrayRef<StringRef> options) {
  unsigned maxDist = std::max<unsigned>(2, word.size() / 5);
  std::optional<StringRef> best;
  unsigned bestDist = maxDist + 1;
  for (StringRef o : options) {
    unsigned d = word.lower() == o.lower()
                     ? 0
                     : StringRef(word).edit_distance(o, true, maxDist);
    // A truncated or extended key (max_sequence for max_seq) is close too.
    if (std::min(word.size(), o.size()) >= 3 &&
        (word.starts_with(o) || o.starts_with(word)))
      d = std::min(d, maxDist);
    if (d < bestDist) {
      bestDist = d;
      best = o;
    }
  }
  return best;
}

enum class Kind { Int, Float, Bool, String, Table, IndexList, Names };

struct KeySpec {
  StringRef key;
  Kind kind;
};

// The keys each table accepts (docs/spec.md).
const KeySpec kRootKeys[] = {{"model", Kind::Table}, {"embed", Kind::Table},
                             {"block", Kind::Table}, {"layer", Kind::Table},
                             {"head", Kind::Table},  {"weights", Kind::Table}};
const KeySpec kModelKeys[] = {
    {"name", Kind::String},   {"vocab", Kind::Int},
    {"dim", Kind::Int},       {"layers", Kind::Int},
    {"max_seq", Kind::Int},   {"input", Kind::String},
    {"output", Kind::String}, {"final_norm", Kind::Bool}};
const KeySpec kEmbedKeys[] = {{"position", Kind::String},
                              {"token_types", Kind::Int},
                              {"norm", Kind::Bool},
                              {"rope_theta", Kind::Float},
                              {"rope_style", Kind::String}};
const KeySpec kBlockKeys[] = {
    {"norm", Kind::String},      {"norm_eps", Kind::Float},
    {"placement", Kind::String}, {"mixer", Kind::String},
    {"channel", Kind::String},   {"bias", Kind::Bool},
    {"attention", Kind::Table},  {"mlp", Kind::Table}};
const KeySpec kLayerKeys[] = {
    {"index", Kind::IndexList}, {"norm", Kind::String},
    {"norm_eps", Kind::Float},  {"placement", Kind::String},
    {"mixer", Kind::String},    {"channel", Kind::String},
    {"bias", Kind::Bool},       {"attention", Kind::Table},
    {"mlp", Kind::Table}};
const KeySpec kAttentionKeys[] = {{"heads", Kind::Int},
                                  {"kv_heads", Kind::Int},
                                  {"head_dim", Kind::Int},
                                  {"causal", Kind::Bool},
                                  {"bias", Kind::Bool}};
const KeySpec kMlpKeys[] = {{"kind", Kind::String},
                            {"hidden", Kind::Int},
                            {"activation", Kind::String},
                            {"bias", Kind::Bool}};
const KeySpec kHeadKeys[] = {{"tied", Kind::Bool}, {"bias", Kind::Bool}};
const KeySpec kWeightsKeys[] = {
    {"scheme", Kind::String}, {"prefix", Kind::String}, {"names", Kind::Names}};

/// An enum-valued key: the values built today and those planned for later
/// issues (which get a "not supported yet" message instead of "invalid").
struct EnumSpec {
  std::vector<StringRef> supported, planned;
};

const std::map<std::string, EnumSpec> &enumSpecs() {
  static const std::map<std::string, EnumSpec> specs = {
      {"input", {{"tokens"}, {}}},
      {"output", {{"logits", "hidden"}, {}}},
      {"position", {{"learned", "rope", "none"}, {"sinusoidal", "alibi"}}},
      {"rope_style", {{"half", "interleaved"}, {}}},
      {"norm", {{"layernorm", "rmsnorm"}, {"batchnorm", "none"}}},
      {"placement", {{"pre", "post"}, {"peri", "deepnorm", "parallel"}}},
      {"mixer",
       {{"attention"}, {"linear_attention", "pooling", "identity", "mamba"}}},
      {"channel", {{"mlp"}, {"moe"}}},
      {"kind", {{"mlp", "glu"}, {}}},
      {"activation", {{"gelu", "gelu_tanh", "relu", "silu"}, {}}},
      {"scheme", {{"modelc", "gpt2", "bert", "llama"}, {}}},
  };
  return specs;
}

// Sizes are bounded so products of them (weight element counts) fit int64.
constexpr int64_t kMaxSize = int64_t(1) << 31;

template <typename T> struct Val {
  T value;
  SpecLoc keyLoc, valueLoc;
};

/// One block-level scope: [block] itself or one [[layer]] override.
struct Scope {
  const toml::table *block = nullptr, *attn = nullptr, *mlp = nullptr;
  std::string where, attnWhere, mlpWhere;
  SpecLoc loc, attnLoc, mlpLoc;
};

enum class Member { Block, Attn, Mlp };

class SpecReader {
public:
  SpecReader(StringRef path, MLIRContext &ctx) : path(path.str()), ctx(ctx) {}

  FailureOr<ModelSpec> read();

private:
  // Diagnostics ------------------------------------------------------------
  void error(SpecLoc loc, const Twine &msg) { report(loc, msg, false); }
  void warning(SpecLoc loc, const Twine &msg) { report(loc, msg, true); }
  void report(SpecLoc loc, const Twine &msg, bool isWarning) {
    auto key = std::make_tuple(loc.line, loc.col, msg.str());
    if (!seen.insert(key).second)
      return;
    diags.push_back({loc, std::get<2>(key), isWarning});
    if (!isWarning)
      ++numErrors;
  }
  void flush();

  // Pass 1: per-table checks -----------------------------------------------
  void checkTable(const toml::table &t, ArrayRef<KeySpec> keys,
                  StringRef where);
  void checkValue(const toml::table &t, StringRef key, Kind kind,
                  StringRef where);
  void checkLayerTables();
  void checkNames(const toml::table &names);

  // Typed getters (report a type or range error and return nullopt) ---------
  std::optional<Val<int64_t>> getInt(const toml::table *t, StringRef key,
                                     StringRef where, int64_t min = 1);
  std::optional<Val<double>> getFloat(const toml::table *t, StringRef key,
                                      StringRef where);
  std::optional<Val<bool>> getBool(const toml::table *t, StringRef key,
                                   StringRef where);
  std::optional<Val<std::string>> getString(const toml::table *t, StringRef key,
                                            StringRef where);
  std::optional<Val<std::string>> getEnum(const toml::table *t, StringRef key,
                                          StringRef where);
  SpecLoc keyLoc(const toml::table *t, StringRef key);

  // Pass 2: resolution ------------------------------------------------------
  void readModel(ModelSpec &spec);
  void readEmbed(ModelSpec &spec);
  void readLayers(ModelSpec &spec);
  void readLayer(ModelSpec &spec, int64_t i, LayerSpec &layer);
  void readTail(ModelSpec &spec);
  void readWeights();

  /// The innermost scope of layer `i` whose `member` table sets `key`.
  const Scope *scopeFor(int64_t i, Member member, StringRef key);
  const toml::table *tableOf(const Scope &s, Member m) {
    return m == Member::Block ? s.block : m == Member::Attn ? s.attn : s.mlp;
  }
  StringRef whereOf(const Scope &s, Member m) {
    return m == Member::Block  ? s.where
           : m == Member::Attn ? s.attnWhere
                               : s.mlpWhere;
  }
  template <typename T, typename Getter>
  std::optional<Val<T>> layerValue(int64_t i, Member m, StringRef key,
                                   Getter get) {
    if (const Scope *s = scopeFor(i, m, key))
      return (this->*get)(tableOf(*s, m), key, whereOf(*s, m));
    return std::nullopt;
  }
  std::optional<Val<int64_t>> layerInt(int64_t i, Member m, StringRef key,
                                       int64_t min = 1) {
    if (const Scope *s = scopeFor(i, m, key))
      return getInt(tableOf(*s, m), key, whereOf(*s, m), min);
    return std::nullopt;
  }

  // Weight names --------------------------------------------------------------
  TensorRef weightName(StringRef slot, std::optional<int64_t> layer,
                       SpecLoc needLoc);
  LinearSpec linear(StringRef base, int64_t layer, int64_t in, int64_t out,
                    bool bias, SpecLoc loc);
  NormSpec norm(StringRef base, std::optional<int64_t> layer, NormKind kind,
                double eps, SpecLoc loc);

  std::string path;
  MLIRContext &ctx;
  struct Diag {
    SpecLoc loc;
    std::string msg;
    bool warning;
  };
  std::vector<Diag> diags;
  std::set<std::tuple<unsigned, unsigned, std::string>> seen;
  unsigned numErrors = 0;

  toml::table root;
  const toml::table *model = nullptr, *embed = nullptr, *block = nullptr,
                    *head = nullptr, *weights = nullptr;
  SpecLoc modelLoc;
  std::vector<Scope> scopes; // [0] = [block], then [[layer]] in file order
  std::vector<std::vector<unsigned>> layerScopes; // per layer, into scopes
  bool layersKnown = false;
  int64_t numLayers = 0;

  const SchemeInfo *scheme = nullptr;
  std::string prefix;
  struct NameOverride {
    std::string name;
    SpecLoc loc;
  };
  StringMap<NameOverride> overrides;
  llvm::StringSet<> usedSlots;
};

//===----------------------------------------------------------------------===//
// Diagnostics
//===----------------------------------------------------------------------===//

void SpecReader::flush() {
  std::stable_sort(diags.begin(), diags.end(),
                   [](const Diag &a, const Diag &b) {
                     return std::tie(a.loc.line, a.loc.col) <
                            std::tie(b.loc.line, b.loc.col);
                   });
  for (const Diag &d : diags) {
    Location loc = FileLineColLoc::get(&ctx, path, d.loc.line, d.loc.col);
    if (d.warning)
      emitWarning(loc) << d.msg;
    else
      emitError(loc) << d.msg;
  }
}

//===----------------------------------------------------------------------===//
// Pass 1
//===----------------------------------------------------------------------===//

void SpecReader::checkTable(const toml::table &t, ArrayRef<KeySpec> keys,
                            StringRef where) {
  SmallVector<StringRef> names;
  for (const KeySpec &k : keys)
    names.push_back(k.key);
  for (auto &&[k, v] : t) {
    StringRef key(k.str().data(), k.str().size());
    auto it =
        llvm::find_if(keys, [&](const KeySpec &s) { return s.key == key; });
    if (it == std::end(keys)) {
      std::string msg = ("unknown key '" + key + "' in " + where).str();
      if (auto best = closest(key, names))
        msg += ("; did you mean '" + *best + "'?").str();
      else
        msg += " (expected one of: " + join(names, ", ") + ")";
      error(locOf(k.source()), msg);
      continue;
    }
    checkValue(t, key, it->kind, where);
  }
}

void SpecReader::checkValue(const toml::table &t, StringRef key, Kind kind,
                            StringRef where) {
  const toml::node &v = *t.get(std::string_view(key.data(), key.size()));
  switch (kind) {
  case Kind::Int:
    getInt(&t, key, where, key == "token_types" ? 0 : 1);
    return;
  case Kind::Float:
    getFloat(&t, key, where);
    return;
  case Kind::Bool:
    getBool(&t, key, where);
    return;
  case Kind::String:
    if (enumSpecs().count(key.str()))
      getEnum(&t, key, where);
    else
      getString(&t, key, where);
    return;
  case Kind::Table:
  case Kind::Names:
    // [[layer]] is an array of tables; the root check sees it as an array.
    if (key == "layer" && where == "the spec") {
      if (!v.is_array_of_tables())
        error(locOf(v.source()),
              "'layer' must be an array of tables ([[layer]]), got " +
                  typeName(v.type()));
      return;
    }
    if (!v.is_table())
      error(locOf(v.source()), "'" + key + "' in " + where +
                                   " must be a table, got " +
                                   typeName(v.type()));
    return;
  case Kind::IndexList:
    return; // checked with the layer count, in checkLayerTables
  }
}

SpecLoc SpecReader::keyLoc(const toml::table *t, StringRef key) {
  if (!t)
    return {};
  auto it = t->find(std::string_view(key.data(), key.size()));
  return it == t->end() ? SpecLoc{} : locOf(it->first.source());
}

std::optional<Val<int64_t>> SpecReader::getInt(const toml::table *t,
                                               StringRef key, StringRef where,
                                               int64_t min) {
  const toml::node *n =
      t ? t->get(std::string_view(key.data(), key.size())) : nullptr;
  if (!n)
    return std::nullopt;
  SpecLoc vl = locOf(n->source());
  auto v = n->value_exact<int64_t>();
  if (!v) {
    error(vl, "'" + key + "' in " + where + " must be an integer, got " +
                  typeName(n->type()));
    return std::nullopt;
  }
  if (*v < min) {
    error(vl, "'" + key + "' in " + where + " must be " +
                  (min == 1 ? "positive" : "non-negative") + ", got " +
                  Twine(*v));
    return std::nullopt;
  }
  if (*v > kMaxSize) {
    error(vl, "'" + key + "' in " + where + " is too large: " + Twine(*v) +
                  " (at most 2^31)");
    return std::nullopt;
  }
  return Val<int64_t>{*v, keyLoc(t, key), vl};
}

std::optional<Val<double>>
SpecReader::getFloat(const toml::table *t, StringRef key, StringRef where) {
  const toml::node *n =
      t ? t->get(std::string_view(key.data(), key.size())) : nullptr;
  if (!n)
    return std::nullopt;
  SpecLoc vl = locOf(n->source());
  // Integers are accepted where a float is expected (rope_theta = 10000).
  std::optional<double> v;
  if (n->is_floating_point() || n->is_integer())
    v = n->value<double>();
  if (!v) {
    error(vl, "'" + key + "' in " + where + " must be a number, got " +
                  typeName(n->type()));
    return std::nullopt;
  }
  if (!(*v > 0.0) || std::isinf(*v)) {
    error(vl, "'" + key + "' in " + where + " must be a positive number");
    return std::nullopt;
  }
  return Val<double>{*v, keyLoc(t, key), vl};
}

std::optional<Val<bool>> SpecReader::getBool(const toml::table *t,
                                             StringRef key, StringRef where) {
  const toml::node *n =
      t ? t->get(std::string_view(key.data(), key.size())) : nullptr;
  if (!n)
    return std::nullopt;
  SpecLoc vl = locOf(n->source());
  auto v = n->value_exact<bool>();
  if (!v) {
    error(vl, "'" + key + "' in " + where + " must be a boolean, got " +
                  typeName(n->type()));
    return std::nullopt;
  }
  return Val<bool>{*v, keyLoc(t, key), vl};
}

std::optional<Val<std::string>>
SpecReader::getString(const toml::table *t, StringRef key, StringRef where) {
  const toml::node *n =
      t ? t->get(std::string_view(key.data(), key.size())) : nullptr;
  if (!n)
    return std::nullopt;
  SpecLoc vl = locOf(n->source());
  auto v = n->value_exact<std::string>();
  if (!v) {
    error(vl, "'" + key + "' in " + where + " must be a string, got " +
                  typeName(n->type()));
    return std::nullopt;
  }
  return Val<std::string>{*v, keyLoc(t, key), vl};
}

std::optional<Val<std::string>>
SpecReader::getEnum(const toml::table *t, StringRef key, StringRef where) {
  auto v = getString(t, key, where);
  if (!v)
    return std::nullopt;
  const EnumSpec &spec = enumSpecs().at(key.str());
  if (llvm::is_contained(spec.supported, v->value))
    return v;
  std::string allowed = join(spec.supported, ", ");
  if (llvm::is_contained(spec.planned, v->value)) {
    error(v->valueLoc, key + " = \"" + v->value + "\" in " + where +
                           " is not supported yet; supported: " + allowed);
  } else {
    std::string msg = ("invalid value \"" + v->value + "\" for '" + key +
                       "' in " + where + "; expected one of: " + allowed)
                          .str();
    if (auto best = closest(v->value, spec.supported))
      msg += ("; did you mean \"" + *best + "\"?").str();
    error(v->valueLoc, msg);
  }
  return std::nullopt;
}

void SpecReader::checkNames(const toml::table &names) {
  for (auto &&[k, v] : names) {
    StringRef slot(k.str().data(), k.str().size());
    SpecLoc kl = locOf(k.source());
    if (!llvm::is_contained(allSlots(), slot)) {
      std::string msg =
          ("unknown weight slot '" + slot + "' in [weights.names]").str();
      if (auto best = closest(slot, allSlots()))
        msg += ("; did you mean '" + *best + "'?").str();
      error(kl, msg);
      continue;
    }
    auto name = v.value_exact<std::string>();
    if (!name) {
      error(locOf(v.source()),
            "weight name for '" + slot +
                "' in [weights.names] must be a string, got " +
                typeName(v.type()));
      continue;
    }
    if (name->empty()) {
      error(locOf(v.source()),
            "weight name for '" + slot + "' in [weights.names] is empty");
      continue;
    }
    if (!isLayerSlot(slot) && StringRef(*name).contains("{i}")) {
      error(locOf(v.source()), "'{i}' in the name of '" + slot +
                                   "': only layer.* slots are per layer");
      continue;
    }
    overrides[slot] = {*name, locOf(v.source())};
  }
}

void SpecReader::checkLayerTables() {
  const toml::node *layerNode = root.get("layer");
  const toml::array *arr = layerNode ? layerNode->as_array() : nullptr;
  if (layersKnown)
    layerScopes.assign(numLayers, {});
  if (!arr || !arr->is_array_of_tables())
    return;
  for (const toml::node &n : *arr) {
    const toml::table &t = *n.as_table();
    Scope s;
    s.block = &t;
    s.where = "[[layer]]";
    s.attnWhere = "[layer.attention]";
    s.mlpWhere = "[layer.mlp]";
    s.loc = locOf(t.source());
    checkTable(t, kLayerKeys, s.where);
    if (auto *a = t.get_as<toml::table>("attention")) {
      s.attn = a;
      s.attnLoc = locOf(a->source());
      checkTable(*a, kAttentionKeys, s.attnWhere);
    }
    if (auto *m = t.get_as<toml::table>("mlp")) {
      s.mlp = m;
      s.mlpLoc = locOf(m->source());
      checkTable(*m, kMlpKeys, s.mlpWhere);
    }
    scopes.push_back(s);
    unsigned scopeIndex = scopes.size() - 1;

    // index: one layer index or a list of them.
    const toml::node *idx = t.get("index");
    if (!idx) {
      error(s.loc, "[[layer]] needs 'index' (a layer index or a list of "
                   "them)");
      continue;
    }
    SmallVector<const toml::node *> items;
    if (auto *list = idx->as_array())
      for (const toml::node &item : *list)
        items.push_back(&item);
    else
      items.push_back(idx);
    if (items.empty())
      error(locOf(idx->source()), "'index' in [[layer]] is an empty list");
    for (const toml::node *item : items) {
      SpecLoc il = locOf(item->source());
      auto v = item->value_exact<int64_t>();
      if (!v) {
        error(il, "'index' in [[layer]] must be an integer or a list of "
                  "integers, got " +
                      typeName(item->type()));
        continue;
      }
      if (!layersKnown)
        continue;
      if (*v < 0 || *v >= numLayers) {
        error(il, "layer index " + Twine(*v) +
                      " is out of range: the model "
                      "has " +
                      Twine(numLayers) + " layers (0.." + Twine(numLayers - 1) +
                      ")");
        continue;
      }
      auto &list = layerScopes[*v];
      if (list.empty() || list.back() != scopeIndex)
        list.push_back(scopeIndex);
    }
  }
}

//===----------------------------------------------------------------------===//
// Pass 2
//===----------------------------------------------------------------------===//

const Scope *SpecReader::scopeFor(int64_t i, Member m, StringRef key) {
  std::string_view k(key.data(), key.size());
  if (i >= 0 && i < (int64_t)layerScopes.size())
    for (unsigned si : llvm::reverse(layerScopes[i]))
      if (const toml::table *t = tableOf(scopes[si], m); t && t->contains(k))
        return &scopes[si];
  if (const toml::table *t = tableOf(scopes[0], m); t && t->contains(k))
    return &scopes[0];
  return nullptr;
}

TensorRef SpecReader::weightName(StringRef slot, std::optional<int64_t> layer,
                                 SpecLoc needLoc) {
  usedSlots.insert(slot);
  std::string tmpl;
  SpecLoc loc;
  auto it = overrides.find(slot);
  if (it != overrides.end()) {
    tmpl = it->second.name;
    loc = it->second.loc;
  } else if (!scheme) {
    return {"<unnamed>", {}}; // the scheme itself was wrong; reported
  } else if (auto t = schemeTemplate(scheme->name, slot)) {
    tmpl = *t;
  } else {
    error(needLoc, "weight scheme '" + scheme->name +
                       "' has no checkpoint name for slot '" + slot +
                       "'; name it in [weights.names]");
    return {"<unnamed>", {}};
  }
  std::string name = prefix + tmpl;
  if (layer) {
    std::string idx = std::to_string(*layer);
    for (size_t pos; (pos = name.find("{i}")) != std::string::npos;)
      name.replace(pos, 3, idx);
  }
  return {name, loc};
}

LinearSpec SpecReader::linear(StringRef base, int64_t layer, int64_t in,
                              int64_t out, bool bias, SpecLoc loc) {
  LinearSpec l;
  l.in = in;
  l.out = out;
  l.transposed = !(scheme && scheme->inOut);
  l.weight = weightName((base + ".weight").str(), layer, loc);
  if (bias)
    l.bias = weightName((base + ".bias").str(), layer, loc);
  return l;
}

NormSpec SpecReader::norm(StringRef base, std::optional<int64_t> layer,
                          NormKind kind, double eps, SpecLoc loc) {
  NormSpec n;
  n.kind = kind;
  n.eps = eps;
  n.loc = loc;
  n.weight = weightName((base + ".weight").str(), layer, loc);
  if (kind == NormKind::LayerNorm)
    n.bias = weightName((base + ".bias").str(), layer, loc);
  return n;
}

static NormKind normKind(StringRef s) {
  return s == "rmsnorm" ? NormKind::RMSNorm : NormKind::LayerNorm;
}

void SpecReader::readModel(ModelSpec &spec) {
  spec.sourcePath = path;
  SpecLoc where = firstKnown({modelLoc});
  auto required = [&](StringRef key) {
    // Without [model] at all, "missing required table" says it once.
    if (model && !model->contains(std::string_view(key.data(), key.size())))
      error(where, "missing required key '" + key + "' in [model]");
  };
  for (StringRef key : {"name", "vocab", "dim", "layers", "max_seq"})
    required(key);
  if (auto v = getString(model, "name", "[model]")) {
    spec.name = v->value;
    bool ok = !v->value.empty() && llvm::all_of(v->value, [](char c) {
      return isAlnum(c) || c == '_' || c == '-';
    });
    if (!ok)
      error(v->valueLoc, "model name \"" + v->value +
                             "\" must be non-empty and use only [A-Za-z0-9_-]"
                             " (it names the output files)");
  }
  if (auto v = getInt(model, "vocab", "[model]"))
    spec.vocab = v->value;
  if (auto v = getInt(model, "dim", "[model]"))
    spec.dim = v->value;
  if (auto v = getInt(model, "max_seq", "[model]"))
    spec.maxSeq = v->value;
  if (auto v = getInt(model, "layers", "[model]")) {
    numLayers = v->value;
    layersKnown = true;
  }
  if (auto v = getEnum(model, "output", "[model]")) {
    spec.outputName = v->value;
    spec.outputLoc = v->keyLoc;
  }
}

void SpecReader::readEmbed(ModelSpec &spec) {
  EmbedSpec &e = spec.embed;
  e.tokensLoc = firstKnown({keyLoc(model, "vocab"), modelLoc});
  e.tokens = weightName("embed.tokens", std::nullopt, e.tokensLoc);
  SpecLoc embedLoc = embed ? locOf(embed->source()) : SpecLoc{};
  auto pos = getEnum(embed, "position", "[embed]");
  e.positionsLoc =
      firstKnown({pos ? pos->keyLoc : SpecLoc{}, embedLoc, e.tokensLoc});
  if (pos)
    e.position = pos->value == "rope"   ? PositionKind::Rope
                 : pos->value == "none" ? PositionKind::None
                                        : PositionKind::Learned;
  if (e.position == PositionKind::Learned)
    e.positions = weightName("embed.positions", std::nullopt, e.positionsLoc);
  e.ropeLoc = e.positionsLoc;

  for (StringRef key : {"rope_theta", "rope_style"})
    if (embed && e.position != PositionKind::Rope &&
        embed->contains(std::string_view(key.data(), key.size())))
      error(keyLoc(embed, key), "'" + key +
                                    "' in [embed] only applies with "
                                    "position = \"rope\"");
  if (auto v = getFloat(embed, "rope_theta", "[embed]"))
    e.ropeTheta = v->value;
  if (auto v = getEnum(embed, "rope_style", "[embed]"))
    e.ropeStyle = v->value == "interleaved" ? nn::RopeStyle::interleaved
                                            : nn::RopeStyle::half;

  if (auto v = getInt(embed, "token_types", "[embed]", 0)) {
    e.tokenTypes = v->value;
    e.tokenTypesLoc = v->keyLoc;
    if (e.tokenTypes > 0)
      e.tokenTypeTable =
          weightName("embed.token_types", std::nullopt, e.tokenTypesLoc);
  }

  if (auto v = getBool(embed, "norm", "[embed]"); v && v->value) {
    auto kind = getEnum(block, "norm", "[block]");
    auto eps = getFloat(block, "norm_eps", "[block]");
    e.hasNorm = true;
    e.norm = norm("embed.norm", std::nullopt,
                  normKind(kind ? kind->value : "layernorm"),
                  eps ? eps->value : 1e-5, v->keyLoc);
  }
}

void SpecReader::readLayer(ModelSpec &spec, int64_t i, LayerSpec &layer) {
  const Scope &base = scopes[0];
  // Where a sub-layer's ops point: its innermost table for this layer.
  SpecLoc attnLoc, mlpLoc, blockLoc;
  for (unsigned si : layerScopes[i]) {
    if (scopes[si].attn)
      attnLoc = scopes[si].attnLoc;
    if (scopes[si].mlp)
      mlpLoc = scopes[si].mlpLoc;
  }
  blockLoc = firstKnown({base.loc, modelLoc});
  attnLoc = firstKnown({attnLoc, base.attnLoc, blockLoc});
  mlpLoc = firstKnown({mlpLoc, base.mlpLoc, blockLoc});

  auto normV =
      layerValue<std::string>(i, Member::Block, "norm", &SpecReader::getEnum);
  auto epsV =
      layerValue<double>(i, Member::Block, "norm_eps", &SpecReader::getFloat);
  auto placeV = layerValue<std::string>(i, Member::Block, "placement",
                                        &SpecReader::getEnum);
  auto biasV = layerValue<bool>(i, Member::Block, "bias", &SpecReader::getBool);
  NormKind nk = normKind(normV ? normV->value : "layernorm");
  double eps = epsV ? epsV->value : 1e-5;
  SpecLoc normLoc = firstKnown({normV ? normV->keyLoc : SpecLoc{}, blockLoc});
  layer.placement =
      placeV && placeV->value == "post" ? Placement::Post : Placement::Pre;
  bool bias = biasV ? biasV->value : true;
  layer.attnNorm = norm("layer.attn_norm", i, nk, eps, normLoc);
  layer.mlpNorm = norm("layer.mlp_norm", i, nk, eps, normLoc);

  // Attention.
  AttentionSpec &a = layer.attn;
  a.loc = attnLoc;
  auto heads = layerInt(i, Member::Attn, "heads");
  if (!heads) {
    // A non-table `attention` was reported already; heads is not missing.
    bool malformed = block && block->contains("attention") && !base.attn;
    if (!scopeFor(i, Member::Attn, "heads") && !malformed)
      error(firstKnown({base.attnLoc, blockLoc}),
            "missing required key 'heads' in [block.attention]");
    return;
  }
  a.heads = heads->value;
  auto kv = layerInt(i, Member::Attn, "kv_heads");
  a.kvHeads = kv ? kv->value : a.heads;
  if (a.heads % a.kvHeads != 0) {
    error(kv->valueLoc, "kv_heads = " + Twine(a.kvHeads) +
                            " must divide heads = " + Twine(a.heads));
    return;
  }
  auto hd = layerInt(i, Member::Attn, "head_dim");
  if (hd) {
    a.headDim = hd->value;
  } else if (spec.dim > 0) {
    if (spec.dim % a.heads != 0) {
      error(heads->valueLoc, "dim = " + Twine(spec.dim) +
                                 " is not divisible by heads = " +
                                 Twine(a.heads) + "; set head_dim");
      return;
    }
    a.headDim = spec.dim / a.heads;
  }
  if (spec.embed.position == PositionKind::Rope && a.headDim % 2 != 0) {
    error(hd ? hd->valueLoc : heads->valueLoc,
          "rope needs an even head_dim, got " + Twine(a.headDim));
    return;
  }
  if (auto c =
          layerValue<bool>(i, Member::Attn, "causal", &SpecReader::getBool))
    a.causal = c->value;
  auto aBias = layerValue<bool>(i, Member::Attn, "bias", &SpecReader::getBool);
  bool attnBias = aBias ? aBias->value : bias;
  int64_t d = spec.dim, qw = a.heads * a.headDim, kvw = a.kvHeads * a.headDim;
  a.fusedQkv = scheme && scheme->fusesQkv;
  if (a.fusedQkv) {
    a.qkv = linear("layer.attn.qkv", i, d, qw + 2 * kvw, attnBias, attnLoc);
  } else {
    a.q = linear("layer.attn.q", i, d, qw, attnBias, attnLoc);
    a.k = linear("layer.attn.k", i, d, kvw, attnBias, attnLoc);
    a.v = linear("layer.attn.v", i, d, kvw, attnBias, attnLoc);
  }
  a.o = linear("layer.attn.o", i, qw, d, attnBias, attnLoc);

  // MLP.
  MlpSpec &m = layer.mlp;
  m.loc = mlpLoc;
  auto hidden = layerInt(i, Member::Mlp, "hidden");
  if (!hidden) {
    bool malformed = block && block->contains("mlp") && !base.mlp;
    if (!scopeFor(i, Member::Mlp, "hidden") && !malformed)
      error(firstKnown({base.mlpLoc, blockLoc}),
            "missing required key 'hidden' in [block.mlp]");
    return;
  }
  m.hidden = hidden->value;
  if (auto k =
          layerValue<std::string>(i, Member::Mlp, "kind", &SpecReader::getEnum))
    m.kind = k->value == "glu" ? MlpKind::Glu : MlpKind::Mlp;
  if (auto act = layerValue<std::string>(i, Member::Mlp, "activation",
                                         &SpecReader::getEnum))
    m.activation = *nn::symbolizeActivation(act->value);
  auto mBias = layerValue<bool>(i, Member::Mlp, "bias", &SpecReader::getBool);
  bool mlpBias = mBias ? mBias->value : bias;
  m.up = linear("layer.mlp.up", i, d, m.hidden, mlpBias, mlpLoc);
  if (m.kind == MlpKind::Glu)
    m.gate = linear("layer.mlp.gate", i, d, m.hidden, mlpBias, mlpLoc);
  m.down = linear("layer.mlp.down", i, m.hidden, d, mlpBias, mlpLoc);
}

void SpecReader::readLayers(ModelSpec &spec) {
  if (!layersKnown)
    return;
  spec.layers.resize(numLayers);
  for (int64_t i = 0; i < numLayers; ++i)
    readLayer(spec, i, spec.layers[i]);
}

void SpecReader::readTail(ModelSpec &spec) {
  // The final norm and the embedding norm take [block]'s kind, not a layer's.
  auto kind = getEnum(block, "norm", "[block]");
  auto eps = getFloat(block, "norm_eps", "[block]");
  auto place = getEnum(block, "placement", "[block]");
  auto fn = getBool(model, "final_norm", "[model]");
  spec.finalNorm = fn ? fn->value : !(place && place->value == "post");
  if (spec.finalNorm) {
    SpecLoc loc =
        firstKnown({fn ? fn->keyLoc : SpecLoc{},
                    kind ? kind->keyLoc : SpecLoc{}, scopes[0].loc, modelLoc});
    spec.finalNormSpec = norm("final_norm", std::nullopt,
                              normKind(kind ? kind->value : "layernorm"),
                              eps ? eps->value : 1e-5, loc);
  }

  SpecLoc headLoc = head ? locOf(head->source()) : SpecLoc{};
  if (spec.outputName != "logits") {
    if (head)
      error(headLoc, "[head] only applies with output = \"logits\"");
    return;
  }
  HeadSpec &h = spec.head;
  h.loc = firstKnown({headLoc, spec.outputLoc, modelLoc});
  if (auto v = getBool(head, "tied", "[head]"))
    h.tied = v->value;
  if (!h.tied)
    h.weight = weightName("head.weight", std::nullopt, h.loc);
  if (auto v = getBool(head, "bias", "[head]"); v && v->value)
    h.bias = weightName("head.bias", std::nullopt, h.loc);
}

void SpecReader::readWeights() {
  auto s = getEnum(weights, "scheme", "[weights]");
  if (s)
    scheme = lookupScheme(s->value);
  else if (!weights || !weights->contains("scheme"))
    scheme = lookupScheme("modelc");
  if (auto p = getString(weights, "prefix", "[weights]"))
    prefix = p->value;
  if (weights)
    if (auto *names = weights->get_as<toml::table>("names"))
      checkNames(*names);
}

FailureOr<ModelSpec> SpecReader::read() {
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer) {
    emitError(FileLineColLoc::get(&ctx, path, 0, 0))
        << "cannot read spec file '" << path
        << "': " << buffer.getError().message();
    return failure();
  }
  StringRef text = (*buffer)->getBuffer();
  try {
    root = toml::parse(std::string_view(text.data(), text.size()),
                       std::string_view(path));
  } catch (const toml::parse_error &e) {
    SpecLoc loc = locOf(e.source());
    emitError(FileLineColLoc::get(&ctx, path, loc.line, loc.col))
        << "invalid TOML: " << std::string(e.description());
    return failure();
  }

  // Pass 1: every table on its own.
  checkTable(root, kRootKeys, "the spec");
  auto table = [&](const char *key) { return root.get_as<toml::table>(key); };
  model = table("model");
  embed = table("embed");
  block = table("block");
  head = table("head");
  weights = table("weights");
  modelLoc = model ? locOf(model->source()) : SpecLoc{1, 1};
  if (model)
    checkTable(*model, kModelKeys, "[model]");
  else
    error({1, 1}, "missing required table [model]");
  if (embed)
    checkTable(*embed, kEmbedKeys, "[embed]");
  Scope blockScope;
  blockScope.where = "[block]";
  blockScope.attnWhere = "[block.attention]";
  blockScope.mlpWhere = "[block.mlp]";
  if (block) {
    blockScope.block = block;
    blockScope.loc = locOf(block->source());
    checkTable(*block, kBlockKeys, "[block]");
    if (auto *a = block->get_as<toml::table>("attention")) {
      blockScope.attn = a;
      blockScope.attnLoc = locOf(a->source());
      checkTable(*a, kAttentionKeys, "[block.attention]");
    }
    if (auto *m = block->get_as<toml::table>("mlp")) {
      blockScope.mlp = m;
      blockScope.mlpLoc = locOf(m->source());
      checkTable(*m, kMlpKeys, "[block.mlp]");
    }
  }
  scopes.push_back(blockScope);
  if (head)
    checkTable(*head, kHeadKeys, "[head]");
  if (weights)
    checkTable(*weights, kWeightsKeys, "[weights]");

  // Pass 2: resolve.
  ModelSpec spec;
  readWeights();
  readModel(spec);
  checkLayerTables();
  readEmbed(spec);
  readLayers(spec);
  readTail(spec);

  // Only meaningful when the whole model resolved.
  for (auto &[slot, o] : overrides)
    if (!numErrors && !usedSlots.contains(slot))
      warning(o.loc, "weight slot '" + slot +
                         "' in [weights.names] is not used by this model");

  flush();
  if (numErrors)
    return failure();
  return spec;
}

} // namespace

FailureOr<ModelSpec> parseSpec(StringRef path, MLIRContext &ctx) {
  return SpecReader(path, ctx).read();
}

} // namespace modelc::frontend
