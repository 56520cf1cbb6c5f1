//===- SpecReader.cpp - TOML spec -> ModelSpec, with diagnostics ----------===//
//
// Two passes over the TOML tree. The first checks every table on its own
// (unknown keys, value types, enum values, ranges), with key lists built
// from the registered families; the second resolves the model part by part,
// each family reading its own table as the layer sees it (defaults, then
// [block], then the [[layer]] overrides in file order), and checks what only
// the whole model can tell (divisibility, weight names).
//
//===----------------------------------------------------------------------===//
#include "frontend/SpecReader.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"

#include <algorithm>
#include <cmath>
#include <unistd.h>

using namespace llvm;
using namespace mlir;

namespace modelc::frontend {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

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

std::optional<std::string> closest(StringRef word,
                                   ArrayRef<std::string> options) {
  unsigned maxDist = std::max<unsigned>(2, word.size() / 5);
  std::optional<std::string> best;
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
      best = o.str();
    }
  }
  return best;
}

namespace {

// docs/spec.md, "Limits".
constexpr int64_t kMaxLayers = 16384;       // beyond it the IR alone takes GBs
constexpr size_t kMaxNameLength = 128;      // it names files: lib<name>.so
constexpr uint64_t kMaxSpecBytes = 1 << 20; // a spec is a page of TOML
// The per-layer placeholders of weight names: the layer, its stage, its
// index in the stage, the stage before it (Hugging Face's Swin keeps the
// patch merging that enters stage s at the end of stage s - 1).
constexpr llvm::StringLiteral kLayerPlaceholders[] = {
    "{i}", "{stage}", "{in_stage}", "{stage-1}"};

std::string_view sv(StringRef s) { return {s.data(), s.size()}; }

/// The machine's physical memory, in bytes (0 when unknown).
double physicalMemory() {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? double(pages) * double(size) : 0;
}

std::string gib(double bytes) {
  return llvm::formatv("{0:f1} GiB", bytes / double(1ull << 30)).str();
}

/// Values that name a family planned for a later issue get "not supported
/// yet" instead of "invalid" (until a family of that name registers).
const std::map<std::string, std::vector<std::string>> &plannedValues() {
  static const std::map<std::string, std::vector<std::string>> planned = {
      {"norm", {"none"}},
      {"mixer", {"identity"}},
  };
  return planned;
}

template <typename F> std::vector<std::string> namesOf(const F &families) {
  std::vector<std::string> r;
  for (const auto &f : families)
    r.push_back(f.name);
  return r;
}

const KeySpec *findKey(ArrayRef<KeySpec> keys, StringRef key) {
  for (const KeySpec &k : keys)
    if (k.key == key)
      return &k;
  return nullptr;
}

void appendUnique(std::vector<KeySpec> &to, const std::vector<KeySpec> &from) {
  for (const KeySpec &k : from)
    if (!findKey(to, k.key))
      to.push_back(k);
}

} // namespace

//===----------------------------------------------------------------------===//
// Diagnostics
//===----------------------------------------------------------------------===//

void SpecReader::report(SpecLoc loc, const Twine &msg, bool isWarning) {
  auto key = std::make_tuple(loc.line, loc.col, msg.str());
  if (!seen.insert(key).second)
    return;
  diags.push_back({loc, std::get<2>(key), isWarning});
  if (!isWarning)
    ++numErrors;
}

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
// Typed values
//===----------------------------------------------------------------------===//

SpecLoc SpecReader::keyLoc(const Scope &s, StringRef key) {
  if (!s.table)
    return {};
  auto it = s.table->find(sv(key));
  return it == s.table->end() ? SpecLoc{} : locOf(it->first.source());
}

static const toml::node *nodeOf(const Scope &s, StringRef key) {
  return s.table ? s.table->get(sv(key)) : nullptr;
}

std::optional<Val<int64_t>> SpecReader::getInt(const Scope &s, StringRef key,
                                               int64_t min, int64_t max) {
  const toml::node *n = nodeOf(s, key);
  if (!n)
    return std::nullopt;
  SpecLoc vl = locOf(n->source());
  auto v = n->value_exact<int64_t>();
  if (!v) {
    error(vl, "'" + key + "' in " + s.where + " must be an integer, got " +
                  typeName(n->type()));
    return std::nullopt;
  }
  if (*v < min) {
    error(vl, "'" + key + "' in " + s.where + " must be " +
                  (min == 1   ? "positive"
                   : min == 0 ? "non-negative"
                              : "at least " + std::to_string(min)) +
                  ", got " + Twine(*v));
    return std::nullopt;
  }
  if (*v > max) {
    error(vl, "'" + key + "' in " + s.where + " is too large: " + Twine(*v) +
                  " (at most " +
                  (max == kMaxSize ? std::string("2^31 - 1")
                                   : std::to_string(max)) +
                  ")");
    return std::nullopt;
  }
  return Val<int64_t>{*v, keyLoc(s, key), vl};
}

std::optional<Val<double>> SpecReader::getNumber(const Scope &s, StringRef key,
                                                 bool positive) {
  const toml::node *n = nodeOf(s, key);
  if (!n)
    return std::nullopt;
  SpecLoc vl = locOf(n->source());
  // Integers are accepted where a number is expected (rope_theta = 10000).
  std::optional<double> v;
  if (n->is_floating_point() || n->is_integer())
    v = n->value<double>();
  if (!v) {
    error(vl, "'" + key + "' in " + s.where + " must be a number, got " +
                  typeName(n->type()));
    return std::nullopt;
  }
  // The IR holds these as float32: 1e-56 would become a zero epsilon.
  float f = static_cast<float>(*v);
  if (!std::isfinite(f) || (positive && !(f > 0.0f))) {
    bool rounds = std::isfinite(*v) && (!positive || *v > 0.0);
    error(vl, "'" + key + "' in " + s.where + " must be a " +
                  (positive ? "positive" : "finite") + " number" +
                  (rounds ? " in float32 (it rounds to " +
                                std::string(f == 0.0f ? "0" : "infinity") + ")"
                          : ""));
    return std::nullopt;
  }
  return Val<double>{*v, keyLoc(s, key), vl};
}

std::optional<Val<bool>> SpecReader::getBool(const Scope &s, StringRef key) {
  const toml::node *n = nodeOf(s, key);
  if (!n)
    return std::nullopt;
  SpecLoc vl = locOf(n->source());
  auto v = n->value_exact<bool>();
  if (!v) {
    error(vl, "'" + key + "' in " + s.where + " must be a boolean, got " +
                  typeName(n->type()));
    return std::nullopt;
  }
  return Val<bool>{*v, keyLoc(s, key), vl};
}

/// Checks `value` of `key` against the allowed values of `spec`.
static std::optional<std::string>
enumError(const KeySpec &spec, const std::string &value, StringRef where) {
  if (spec.values.empty() || llvm::is_contained(spec.values, value))
    return std::nullopt;
  std::string allowed = join(spec.values, ", ");
  auto planned = plannedValues().find(spec.key);
  if (planned != plannedValues().end() &&
      llvm::is_contained(planned->second, value))
    return spec.key + " = \"" + value + "\" in " + where.str() +
           " is not supported yet; supported: " + allowed;
  std::string msg = "invalid value \"" + value + "\" for '" + spec.key +
                    "' in " + where.str() + "; expected one of: " + allowed;
  if (auto best = closest(value, spec.values))
    msg += "; did you mean \"" + *best + "\"?";
  return msg;
}

std::optional<Val<std::string>>
SpecReader::getString(const Scope &s, StringRef key, const KeySpec *spec) {
  const toml::node *n = nodeOf(s, key);
  if (!n)
    return std::nullopt;
  SpecLoc vl = locOf(n->source());
  auto v = n->value_exact<std::string>();
  if (!v) {
    error(vl, "'" + key + "' in " + s.where + " must be a string, got " +
                  typeName(n->type()));
    return std::nullopt;
  }
  if (spec)
    if (auto msg = enumError(*spec, *v, s.where)) {
      error(vl, *msg);
      return std::nullopt;
    }
  return Val<std::string>{*v, keyLoc(s, key), vl};
}

std::optional<Val<std::vector<std::string>>>
SpecReader::getStrings(const Scope &s, StringRef key, const KeySpec *spec) {
  const toml::node *n = nodeOf(s, key);
  if (!n)
    return std::nullopt;
  if (!n->is_array()) {
    auto one = getString(s, key, spec);
    if (!one)
      return std::nullopt;
    return Val<std::vector<std::string>>{
        {one->value}, one->keyLoc, one->valueLoc};
  }
  SpecLoc vl = locOf(n->source());
  std::vector<std::string> values;
  bool ok = true;
  for (const toml::node &item : *n->as_array()) {
    SpecLoc il = locOf(item.source());
    auto v = item.value_exact<std::string>();
    if (!v) {
      error(il, "'" + key + "' in " + s.where +
                    " must be a string or a list of strings, got " +
                    typeName(item.type()) + " in the list");
      ok = false;
      continue;
    }
    if (spec)
      if (auto msg = enumError(*spec, *v, s.where)) {
        error(il, *msg);
        ok = false;
        continue;
      }
    values.push_back(*v);
  }
  if (ok && values.empty()) {
    error(vl, "'" + key + "' in " + s.where + " is an empty list");
    ok = false;
  }
  if (!ok)
    return std::nullopt;
  return Val<std::vector<std::string>>{values, keyLoc(s, key), vl};
}

std::optional<Val<std::vector<double>>> SpecReader::getNumbers(const Scope &s,
                                                               StringRef key) {
  const toml::node *n = nodeOf(s, key);
  if (!n)
    return std::nullopt;
  SpecLoc vl = locOf(n->source());
  const toml::array *arr = n->as_array();
  if (!arr) {
    error(vl, "'" + key + "' in " + s.where +
                  " must be a list of numbers, got " + typeName(n->type()));
    return std::nullopt;
  }
  std::vector<double> values;
  for (const toml::node &item : *arr) {
    std::optional<double> v;
    if (item.is_floating_point() || item.is_integer())
      v = item.value<double>();
    if (!v || !std::isfinite(*v)) {
      error(locOf(item.source()), "'" + key + "' in " + s.where +
                                      " must be a list of finite numbers");
      return std::nullopt;
    }
    values.push_back(*v);
  }
  return Val<std::vector<double>>{values, keyLoc(s, key), vl};
}

std::optional<Val<std::vector<int64_t>>>
SpecReader::getInts(const Scope &s, StringRef key, int64_t min) {
  const toml::node *n = nodeOf(s, key);
  if (!n)
    return std::nullopt;
  SpecLoc vl = locOf(n->source());
  SmallVector<const toml::node *> items;
  if (const toml::array *arr = n->as_array())
    for (const toml::node &item : *arr)
      items.push_back(&item);
  else
    items.push_back(n);
  std::vector<int64_t> values;
  for (const toml::node *item : items) {
    auto v = item->value_exact<int64_t>();
    if (!v) {
      error(locOf(item->source()),
            "'" + key + "' in " + s.where +
                " must be an integer or a list of integers, got " +
                typeName(item->type()));
      return std::nullopt;
    }
    if (*v < min) {
      error(locOf(item->source()), "'" + key + "' in " + s.where +
                                       " must be at least " + Twine(min) +
                                       ", got " + Twine(*v));
      return std::nullopt;
    }
    values.push_back(*v);
  }
  return Val<std::vector<int64_t>>{values, keyLoc(s, key), vl};
}

//===----------------------------------------------------------------------===//
// Pass 1
//===----------------------------------------------------------------------===//

void SpecReader::checkTable(const toml::table &t, ArrayRef<KeySpec> keys,
                            StringRef where) {
  std::vector<std::string> names;
  for (const KeySpec &k : keys)
    names.push_back(k.key);
  Scope s{&t, where.str(), locOf(t.source())};
  for (auto &&[k, v] : t) {
    StringRef key(k.str().data(), k.str().size());
    const KeySpec *spec = findKey(keys, key);
    if (!spec) {
      std::string msg = ("unknown key '" + key + "' in " + where).str();
      if (auto best = closest(key, names))
        msg += "; did you mean '" + *best + "'?";
      else
        msg += " (expected one of: " + join(names, ", ") + ")";
      error(locOf(k.source()), msg);
      continue;
    }
    checkValue(t, *spec, where);
  }
}

void SpecReader::checkValue(const toml::table &t, const KeySpec &k,
                            StringRef where) {
  Scope s{&t, where.str(), locOf(t.source())};
  const toml::node &v = *t.get(k.key);
  switch (k.kind) {
  case Kind::Int:
    getInt(s, k.key, k.min, k.max);
    return;
  case Kind::Float:
    getNumber(s, k.key, /*positive=*/true);
    return;
  case Kind::Number:
    getNumber(s, k.key, /*positive=*/false);
    return;
  case Kind::Bool:
    getBool(s, k.key);
    return;
  case Kind::String:
    getString(s, k.key, &k);
    return;
  case Kind::StringList:
    getStrings(s, k.key, &k);
    return;
  case Kind::FloatList:
    getNumbers(s, k.key);
    return;
  case Kind::Table:
  case Kind::Names:
    // [[layer]] is an array of tables; the root check sees it as an array.
    if (k.key == "layer" && where == "the spec") {
      if (!v.is_array_of_tables())
        error(locOf(v.source()),
              "'layer' must be an array of tables ([[layer]]), got " +
                  typeName(v.type()));
      return;
    }
    if (!v.is_table())
      error(locOf(v.source()), "'" + k.key + "' in " + where +
                                   " must be a table, got " +
                                   typeName(v.type()));
    return;
  case Kind::IntList:
    return; // `index`: checked with the layer count, in checkLayerTables
  }
}

void SpecReader::checkSubLayerTables(const toml::table &parent,
                                     std::map<std::string, Scope> &into,
                                     StringRef owner) {
  for (auto &[table, keys] : subLayerKeys) {
    const toml::node *n = parent.get(table);
    if (!n)
      continue;
    Scope s;
    s.where = ("[" + owner + "." + table + "]").str();
    s.malformed = !n->is_table();
    if (const toml::table *t = n->as_table()) {
      s.table = t;
      s.loc = locOf(t->source());
      checkTable(*t, keys, s.where);
    }
    into[table] = s;
  }
}

void SpecReader::checkNames(const toml::table &names) {
  std::vector<std::string> slots;
  const Families &f = families();
  auto add = [&](const std::vector<std::string> &list) {
    slots.insert(slots.end(), list.begin(), list.end());
  };
  for (const auto &x : f.inputs)
    add(x.slots);
  for (const auto &x : f.positions)
    add(x.slots);
  for (const auto &x : f.outputs)
    add(x.slots);
  for (const auto &x : f.mixers)
    add(x.slots);
  for (const auto &x : f.channels)
    add(x.slots);
  for (const auto &x : f.placements)
    add(x.slots);
  for (const auto &x : f.depths)
    add(x.slots);
  for (const NormFamily &n : f.norms)
    for (const char *base :
         {"embed.norm", "layer.attn_norm", "layer.mlp_norm", "final_norm"})
      for (const std::string &leaf : n.leaves)
        slots.push_back(std::string(base) + "." + leaf);
  for (auto &&[k, v] : names) {
    StringRef slot(k.str().data(), k.str().size());
    SpecLoc kl = locOf(k.source());
    if (!llvm::is_contained(slots, slot)) {
      std::string msg =
          ("unknown weight slot '" + slot + "' in [weights.names]").str();
      if (auto best = closest(slot, slots))
        msg += "; did you mean '" + *best + "'?";
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
    if (!slot.starts_with("layer."))
      if (auto p = llvm::find_if(
              kLayerPlaceholders,
              [&](StringRef p) { return StringRef(*name).contains(p); });
          p != std::end(kLayerPlaceholders)) {
        error(locOf(v.source()), "'" + Twine(*p) + "' in the name of '" + slot +
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
    layerUses.assign(numLayers, {});
  if (!arr || !arr->is_array_of_tables())
    return;
  for (const toml::node &n : *arr) {
    const toml::table &t = *n.as_table();
    layerScopes.push_back({});
    LayerScope &ls = layerScopes.back();
    ls.table = Scope{&t, "[[layer]]", locOf(t.source())};
    checkTable(t, layerKeys, "[[layer]]");
    checkSubLayerTables(t, ls.subTables, "layer");
    unsigned scopeIndex = layerScopes.size() - 1;

    // index: one layer index or a list of them.
    const toml::node *idx = t.get("index");
    if (!idx) {
      error(ls.table.loc, "[[layer]] needs 'index' (a layer index or a list "
                          "of them)");
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
      auto &list = layerUses[*v];
      if (list.empty() || list.back() != scopeIndex)
        list.push_back(scopeIndex);
    }
  }
}

/// The key lists of the tables, from the registered families.
void SpecReader::checkKeyTables() {
  const Families &f = families();
  modelKeys = {{"name", Kind::String},
               {"vocab", Kind::Int},
               {"dim", Kind::Int},
               {"layers", Kind::Int, {}, 1, kMaxLayers},
               {"max_seq", Kind::Int},
               {"input", Kind::String, namesOf(f.inputs)},
               {"output", Kind::String, namesOf(f.outputs)},
               {"final_norm", Kind::Bool}};
  embedKeys = {{"position", Kind::String, namesOf(f.positions)}};
  for (const auto &x : f.inputs)
    appendUnique(embedKeys, x.keys);
  for (const auto &x : f.positions)
    appendUnique(embedKeys, x.keys);
  headKeys.clear();
  for (const auto &x : f.outputs)
    appendUnique(headKeys, x.keys);
  std::vector<std::string> channelNames = namesOf(f.channels);
  channelNames.push_back("none");
  blockKeys = {{"norm", Kind::String, namesOf(f.norms)},
               {"norm_eps", Kind::Float},
               {"placement", Kind::String, namesOf(f.placements)},
               {"mixer", Kind::StringList, namesOf(f.mixers)},
               {"channel", Kind::StringList, channelNames},
               {"bias", Kind::Bool}};
  for (const PlacementFamily &p : f.placements)
    appendUnique(blockKeys, p.keys);
  depthKeys.clear();
  for (const DepthFamily &d : f.depths)
    depthKeys[d.name] = d.keys;
  subLayerKeys.clear();
  for (const auto *list : {&f.mixers, &f.channels})
    for (const SubLayerFamily &x : *list) {
      if (!subLayerKeys.count(x.table))
        blockKeys.push_back({x.table, Kind::Table});
      appendUnique(subLayerKeys[x.table], x.keys);
    }
  layerKeys = blockKeys;
  layerKeys.insert(layerKeys.begin(), {"index", Kind::IntList});
  // A [[layer]] sets one mixer and one channel, not a pattern.
  for (KeySpec &k : layerKeys)
    if (k.kind == Kind::StringList)
      k.kind = Kind::String;
}

//===----------------------------------------------------------------------===//
// Pass 2
//===----------------------------------------------------------------------===//

TensorRef SpecReader::weightName(StringRef slot, std::optional<int64_t> layer,
                                 SpecLoc needLoc) {
  usedSlots.insert(slot);
  std::string tmpl;
  SpecLoc loc;
  auto it = overrides.find(slot);
  if (it != overrides.end()) {
    tmpl = it->second.name;
    loc = it->second.loc;
  } else if (!schemeInUse) {
    return {"<unnamed>", {}}; // the scheme itself was wrong; reported
  } else if (auto t = schemeInUse->nameOf(slot)) {
    tmpl = *t;
  } else {
    error(needLoc, "weight scheme '" + schemeInUse->name +
                       "' has no checkpoint name for slot '" + slot +
                       "'; name it in [weights.names]");
    return {"<unnamed>", {}};
  }
  std::string name = prefix + tmpl;
  if (layer) {
    // {i}: the layer; {stage}, {in_stage}: its stage and its index there;
    // {stage-1}: the stage before.
    size_t stage = llvm::upper_bound(stageFirsts, *layer) - stageFirsts.begin();
    int64_t values[] = {*layer, int64_t(stage) - 1,
                        *layer - stageFirsts[stage - 1], int64_t(stage) - 2};
    if (stage == 1 && StringRef(name).contains("{stage-1}"))
      error(loc.known() ? loc : needLoc,
            "'{stage-1}' in the name of '" + slot + "' at layer " +
                Twine(*layer) + ": the first stage has no stage before it");
    for (size_t k = 0; k < std::size(kLayerPlaceholders); ++k) {
      std::string idx = std::to_string(values[k]);
      for (size_t pos;
           (pos = name.find(kLayerPlaceholders[k])) != std::string::npos;)
        name.replace(pos, kLayerPlaceholders[k].size(), idx);
    }
  }
  return {name, loc};
}

TableView SpecReader::modelTable(StringRef name) {
  if (name == "model")
    return TableView(this, {&model}, &modelKeys, model.loc);
  if (name == "embed")
    return TableView(this, {&embed}, &embedKeys, {});
  if (name == "head")
    return TableView(this, {&head}, &headKeys, {});
  return TableView(this, {&block}, &blockKeys,
                   firstKnown({block.loc, model.loc}));
}

TableView SpecReader::blockView(std::optional<int64_t> layer) {
  std::vector<const Scope *> scopes;
  if (layer && *layer < (int64_t)layerUses.size())
    for (unsigned si : llvm::reverse(layerUses[*layer]))
      scopes.push_back(&layerScopes[si].table);
  scopes.push_back(&block);
  return TableView(this, scopes, &layerKeys,
                   firstKnown({block.loc, model.loc}));
}

TableView SpecReader::subLayerView(std::optional<int64_t> layer,
                                   const SubLayerFamily &family) {
  std::vector<const Scope *> scopes;
  if (layer && *layer < (int64_t)layerUses.size())
    for (unsigned si : llvm::reverse(layerUses[*layer])) {
      auto &subs = layerScopes[si].subTables;
      if (auto it = subs.find(family.table); it != subs.end())
        scopes.push_back(&it->second);
    }
  // [block.<table>] always heads the list: it names the table in messages.
  auto [it, fresh] = blockSubTables.try_emplace(family.table);
  if (fresh)
    it->second.where = "[block." + family.table + "]";
  scopes.push_back(&it->second);
  return TableView(this, scopes, &subLayerKeys[family.table],
                   firstKnown({block.loc, model.loc}));
}

void SpecReader::readWeights() {
  std::vector<std::string> names;
  for (const Scheme &s : schemes())
    names.push_back(s.name);
  KeySpec schemeKey{"scheme", Kind::String, names};
  if (auto s = getString(weights, "scheme", &schemeKey))
    schemeInUse = lookupScheme(s->value);
  else if (!weights.table || !weights.table->contains("scheme"))
    schemeInUse = lookupScheme("modelc");
  if (auto p = getString(weights, "prefix", nullptr))
    prefix = p->value;
  if (weights.table)
    if (auto *names = weights.table->get_as<toml::table>("names"))
      checkNames(*names);
}

void SpecReader::readModel(ModelSpec &spec) {
  spec.sourcePath = path;
  auto required = [&](StringRef key) {
    // Without [model] at all, "missing required table" says it once.
    if (model.table && !model.table->contains(sv(key)))
      error(firstKnown({model.loc}),
            "missing required key '" + key + "' in [model]");
  };
  for (StringRef key : {"name", "dim", "layers"})
    required(key);
  // The input-specific keys: required by the chosen input, an error with
  // another ("'vocab' in [model] only applies with input = "tokens"").
  KeySpec *inputKey = nullptr;
  for (KeySpec &k : modelKeys)
    if (k.key == "input")
      inputKey = &k;
  inputName = "tokens";
  if (auto v = getString(model, "input", inputKey))
    inputName = v->value;
  const InputFamily *chosen = nullptr;
  for (const InputFamily &in : families().inputs)
    if (in.name == inputName)
      chosen = &in;
  for (const InputFamily &in : families().inputs)
    for (const std::string &key : in.modelKeys) {
      if (!chosen) // an unknown input was reported
        break;
      if (llvm::is_contained(chosen->modelKeys, key)) {
        if (&in == chosen)
          required(key);
      } else if (model.table && model.table->contains(key)) {
        error(keyLoc(model, key), "'" + key +
                                      "' in [model] only applies with input "
                                      "= \"" +
                                      in.name + "\"");
      }
    }
  if (auto v = getString(model, "name", nullptr)) {
    spec.name = v->value;
    bool ok = !v->value.empty() && llvm::all_of(v->value, [](char c) {
      return isAlnum(c) || c == '_' || c == '-';
    });
    if (!ok)
      error(v->valueLoc, "model name \"" + v->value +
                             "\" must be non-empty and use only [A-Za-z0-9_-]"
                             " (it names the output files)");
    else if (v->value.size() > kMaxNameLength)
      error(v->valueLoc, "model name is " + Twine(v->value.size()) +
                             " characters long; at most " +
                             Twine(kMaxNameLength) +
                             " (it names the output files)");
  }
  if (auto v = getInt(model, "vocab", 1))
    spec.vocab = v->value;
  if (auto v = getInt(model, "dim", 1))
    spec.dim = v->value;
  if (auto v = getInt(model, "max_seq", 1))
    spec.maxSeq = maxSeq = v->value;
  if (auto v = getInt(model, "layers", 1, kMaxLayers)) {
    numLayers = v->value;
    layersKnown = true;
  }
}

/// `family`'s keys that are set in `view` although `family` is not the one
/// chosen: "'rope_theta' in [embed] only applies with position = "rope"".
template <typename F>
static void checkForeignKeys(SpecReader &r, const Scope &table,
                             const std::vector<F> &families,
                             const std::string &chosen, StringRef selector,
                             const std::vector<KeySpec> &shared) {
  if (!table.table)
    return;
  for (const F &f : families) {
    if (f.name == chosen)
      continue;
    for (const KeySpec &k : f.keys) {
      const F *owner = nullptr;
      for (const F &g : families)
        if (g.name == chosen && findKey(g.keys, k.key))
          owner = &g;
      if (owner || findKey(shared, k.key) || !table.table->contains(k.key))
        continue;
      std::vector<std::string> users;
      for (const F &g : families)
        if (findKey(g.keys, k.key))
          users.push_back("\"" + g.name + "\"");
      auto it = table.table->find(k.key);
      r.error(locOf(it->first.source()), "'" + k.key + "' in " + table.where +
                                             " only applies with " + selector +
                                             " = " + join(users, " or "));
    }
  }
}

void SpecReader::readInputAndPosition(ModelSpec &spec) {
  const Families &f = families();
  KeySpec *outputKey = nullptr;
  for (KeySpec &k : modelKeys)
    if (k.key == "output")
      outputKey = &k;
  const std::string &input = inputName;
  if (auto v = getString(model, "output", outputKey)) {
    spec.outputName = v->value;
    spec.outputLoc = v->keyLoc;
  }
  std::string position = "learned";
  if (auto v = getString(embed, "position", &embedKeys.front()))
    position = v->value;
  checkForeignKeys(*this, embed, f.positions, position, "position", {});
  checkForeignKeys(*this, embed, f.inputs, input, "input", {});
  for (const PositionFamily &p : f.positions)
    if (p.name == position) {
      ReadContext rc(*this, spec, std::nullopt, modelTable("embed"),
                     modelTable("block"));
      spec.position = p.read(rc);
      if (spec.position)
        spec.position->family = p.name;
    }
  for (const InputFamily &in : f.inputs)
    if (in.name == input) {
      ReadContext rc(*this, spec, std::nullopt, modelTable("embed"),
                     modelTable("block"));
      spec.input = in.read(rc);
      if (spec.input)
        spec.input->family = in.name;
      // An input that fixes the sequence length (an image) sets max_seq.
      if (spec.input && spec.input->fixedTokens())
        spec.maxSeq = maxSeq = *spec.input->fixedTokens();
    }
}

std::optional<Val<std::string>>
SpecReader::subLayerChoice(int64_t i, const std::string &key,
                           const std::string &dflt) {
  const KeySpec *layerSpec = findKey(layerKeys, key);
  for (unsigned si : llvm::reverse(layerUses[i]))
    if (layerScopes[si].table.table->contains(key))
      return getString(layerScopes[si].table, key, layerSpec);
  if (block.table && block.table->contains(key)) {
    auto v = getStrings(block, key, findKey(blockKeys, key));
    if (!v)
      return std::nullopt;
    return Val<std::string>{v->value[i % v->value.size()], v->keyLoc,
                            v->valueLoc};
  }
  return Val<std::string>{dflt, {}, {}};
}

void SpecReader::readLayer(ModelSpec &spec, int64_t i) {
  const Families &f = families();
  LayerSpec &layer = spec.layers[i];
  TableView bv = blockView(i);

  auto normV = bv.getString("norm");
  auto epsV = bv.getFloat("norm_eps");
  std::string normKind = normV ? normV->value : "layernorm";
  double eps = epsV ? epsV->value : 1e-5;
  SpecLoc normLoc = firstKnown({normV ? normV->keyLoc : SpecLoc{}, bv.loc()});

  auto read = [&](const std::vector<SubLayerFamily> &list,
                  const std::string &name) -> std::unique_ptr<SubLayerSpec> {
    for (const SubLayerFamily &fam : list)
      if (fam.name == name) {
        usedSubTables.insert(fam.table);
        TableView view = subLayerView(i, fam);
        ReadContext rc(*this, spec, i, view, bv);
        std::unique_ptr<SubLayerSpec> s = fam.read(rc);
        if (s) {
          s->family = fam.name;
          s->loc = view.loc();
        }
        return s;
      }
    return nullptr;
  };
  if (auto mixer = subLayerChoice(i, "mixer", "attention")) {
    ReadContext rc(*this, spec, i, bv, bv);
    layer.mixerNorm = rc.norm("layer.attn_norm", normKind, eps, normLoc);
    layer.mixer = read(f.mixers, mixer->value);
  }
  if (auto channel = subLayerChoice(i, "channel", "mlp");
      channel && channel->value != "none") {
    ReadContext rc(*this, spec, i, bv, bv);
    layer.channelNorm = rc.norm("layer.mlp_norm", normKind, eps, normLoc);
    layer.channel = read(f.channels, channel->value);
  }
  layer.projections = std::move(projections[i]);

  // Last: a placement may check the sub-layers it wires (spec.layers[i]).
  auto placeV = bv.getString("placement");
  std::string place = placeV ? placeV->value : "pre";
  for (const PlacementFamily &p : f.placements)
    if (p.name == place) {
      ReadContext rc(*this, spec, i, bv, bv);
      layer.placement = p.read(rc);
      if (layer.placement) {
        layer.placement->family = p.name;
        layer.placement->loc = placeV ? placeV->keyLoc : bv.loc();
      }
    }
}

void SpecReader::checkPlacementKeys(const ModelSpec &spec) {
  const Families &f = families();
  // A placement key set where no layer's placement reads it is a mistake
  // ("'layer_scale' in [block] only applies with placement = ...").
  auto reads = [&](const LayerSpec &l, const std::string &key) {
    for (const PlacementFamily &p : f.placements)
      if (l.placement && p.name == l.placement->family && findKey(p.keys, key))
        return true;
    return false;
  };
  auto check = [&](const Scope &s, const std::vector<int64_t> &layers) {
    if (!s.table)
      return;
    for (const PlacementFamily &p : f.placements)
      for (const KeySpec &k : p.keys) {
        if (!s.table->contains(k.key) || llvm::any_of(layers, [&](int64_t i) {
              return reads(spec.layers[i], k.key);
            }))
          continue;
        std::vector<std::string> users;
        for (const PlacementFamily &g : f.placements)
          if (findKey(g.keys, k.key))
            users.push_back("\"" + g.name + "\"");
        error(keyLoc(s, k.key),
              "'" + k.key + "' in " + s.where +
                  " only applies with placement = " + join(users, " or "));
      }
  };
  std::vector<int64_t> all;
  for (int64_t i = 0; i < numLayers; ++i)
    all.push_back(i);
  check(block, all);
  for (unsigned si = 0; si < layerScopes.size(); ++si) {
    std::vector<int64_t> covered;
    for (int64_t i = 0; i < numLayers; ++i)
      if (llvm::is_contained(layerUses[i], si))
        covered.push_back(i);
    check(layerScopes[si].table, covered);
  }
}

void SpecReader::readDepth(ModelSpec &spec) {
  for (const DepthFamily &d : families().depths) {
    auto it = depthTables.find(d.name);
    if (it == depthTables.end())
      continue;
    TableView view(this, {&it->second}, &depthKeys[d.name], it->second.loc);
    if (spec.input && spec.input->staged()) {
      error(it->second.loc,
            "[depth." + d.name +
                "] does not apply with "
                "[embed] stage_layers (a depth structure repeats "
                "or mixes layers of one width)");
      continue;
    }
    ReadContext rc(*this, spec, std::nullopt, view, modelTable("block"));
    if (std::unique_ptr<DepthSpec> s = d.read(rc)) {
      s->family = d.name;
      s->loc = it->second.loc;
      spec.depth.push_back(std::move(s));
    }
  }
}

void SpecReader::readTail(ModelSpec &spec) {
  const Families &f = families();
  TableView bv = modelTable("block");
  // The final norm takes [block]'s kind and placement, not a layer's.
  auto kind = bv.getString("norm");
  auto eps = bv.getFloat("norm_eps");
  auto place = bv.getString("placement");
  auto fn = getBool(model, "final_norm");
  bool finalNorm = true;
  for (const PlacementFamily &p : f.placements)
    if (p.name == (place ? place->value : "pre"))
      finalNorm = p.finalNorm;
  if (fn)
    finalNorm = fn->value;
  if (finalNorm) {
    SpecLoc loc =
        firstKnown({fn ? fn->keyLoc : SpecLoc{},
                    kind ? kind->keyLoc : SpecLoc{}, block.loc, model.loc});
    ReadContext rc(*this, spec, std::nullopt, bv, bv);
    rc.streamAt(numLayers);
    spec.finalNorm = rc.norm("final_norm", kind ? kind->value : "layernorm",
                             eps ? eps->value : 1e-5, loc);
  }

  for (const OutputFamily &o : f.outputs)
    if (o.name == spec.outputName) {
      if (o.keys.empty() && head.table) {
        std::vector<std::string> users;
        for (const OutputFamily &g : f.outputs)
          if (!g.keys.empty())
            users.push_back("\"" + g.name + "\"");
        error(head.loc,
              "[head] only applies with output = " + join(users, " or "));
        return;
      }
      ReadContext rc(*this, spec, std::nullopt, modelTable("head"), bv);
      rc.streamAt(numLayers);
      spec.output = o.read(rc);
      if (spec.output)
        spec.output->family = o.name;
    }
}

FailureOr<ModelSpec> SpecReader::read() {
  registerBuiltinBlocks();
  // A spec is a small regular file: never read a device or a huge file.
  sys::fs::file_status st;
  if (!sys::fs::status(path, st) && sys::fs::exists(st)) {
    if (!sys::fs::is_regular_file(st)) {
      emitError(FileLineColLoc::get(&ctx, path, 0, 0))
          << "cannot read spec file '" << path << "': not a regular file";
      return failure();
    }
    if (st.getSize() > kMaxSpecBytes) {
      emitError(FileLineColLoc::get(&ctx, path, 0, 0))
          << "spec file '" << path << "' is " << st.getSize()
          << " bytes; a spec may be at most " << kMaxSpecBytes << " bytes";
      return failure();
    }
  }
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer) {
    emitError(FileLineColLoc::get(&ctx, path, 0, 0))
        << "cannot read spec file '" << path
        << "': " << buffer.getError().message();
    return failure();
  }
  StringRef text = (*buffer)->getBuffer();
  try {
    root = toml::parse(sv(text), sv(path));
  } catch (const toml::parse_error &e) {
    SpecLoc loc = locOf(e.source());
    emitError(FileLineColLoc::get(&ctx, path, loc.line, loc.col))
        << "invalid TOML: " << std::string(e.description());
    return failure();
  }

  // Pass 1: every table on its own.
  checkKeyTables();
  const std::vector<KeySpec> rootKeys = {
      {"model", Kind::Table},  {"embed", Kind::Table}, {"block", Kind::Table},
      {"layer", Kind::Table},  {"depth", Kind::Table}, {"head", Kind::Table},
      {"weights", Kind::Table}};
  checkTable(root, rootKeys, "the spec");
  auto scope = [&](const char *key, const char *where) {
    Scope s;
    s.where = where;
    if (const toml::table *t = root.get_as<toml::table>(key)) {
      s.table = t;
      s.loc = locOf(t->source());
    }
    return s;
  };
  model = scope("model", "[model]");
  embed = scope("embed", "[embed]");
  block = scope("block", "[block]");
  head = scope("head", "[head]");
  weights = scope("weights", "[weights]");
  depth = scope("depth", "[depth]");
  if (model.table)
    checkTable(*model.table, modelKeys, "[model]");
  else
    error({1, 1}, "missing required table [model]");
  model.loc = model.table ? model.loc : SpecLoc{1, 1};
  if (embed.table)
    checkTable(*embed.table, embedKeys, "[embed]");
  if (block.table) {
    checkTable(*block.table, blockKeys, "[block]");
    checkSubLayerTables(*block.table, blockSubTables, "block");
  }
  if (head.table)
    checkTable(*head.table, headKeys, "[head]");
  if (depth.table) {
    std::vector<KeySpec> tables;
    for (auto &[name, keys] : depthKeys)
      tables.push_back({name, Kind::Table});
    checkTable(*depth.table, tables, "[depth]");
    for (auto &[name, keys] : depthKeys)
      if (const toml::table *t = depth.table->get_as<toml::table>(name)) {
        depthTables[name] =
            Scope{t, "[depth." + name + "]", locOf(t->source())};
        checkTable(*t, keys, depthTables[name].where);
      }
  }
  if (weights.table)
    checkTable(*weights.table,
               {{"scheme", Kind::String},
                {"prefix", Kind::String},
                {"names", Kind::Names}},
               "[weights]");

  // Pass 2: resolve.
  ModelSpec spec;
  readWeights();
  readModel(spec);
  checkLayerTables();
  readInputAndPosition(spec);
  if (layersKnown) {
    spec.layers.resize(numLayers);
    for (int64_t i = 0; i < numLayers; ++i)
      readLayer(spec, i);
    checkPlacementKeys(spec);
  }
  readDepth(spec);
  readTail(spec);

  // The weights must fit the machine (they are mmap'ed at run time).
  double memory = physicalMemory();
  if (memory > 0 && weightBytes > memory)
    error(firstKnown({model.loc}), "the model's weights need " +
                                       gib(weightBytes) +
                                       ", more than this "
                                       "machine's " +
                                       gib(memory) + " of memory");

  // Only meaningful when the whole model resolved.
  if (!numErrors) {
    for (auto &[slot, o] : overrides)
      if (!usedSlots.contains(slot))
        warning(o.loc, "weight slot '" + slot +
                           "' in [weights.names] is not used by this model");
    for (auto &[table, s] : blockSubTables)
      if (s.table && !usedSubTables.count(table))
        warning(s.loc, s.where + " is not used by any layer");
  }

  flush();
  if (numErrors)
    return failure();
  return spec;
}

//===----------------------------------------------------------------------===//
// Size limits
//===----------------------------------------------------------------------===//

void SpecReader::noteTensor(SpecLoc loc, const Twine &what,
                            ArrayRef<int64_t> shape) {
  double elems = 1;
  std::string dims;
  for (int64_t d : shape) {
    elems *= double(d);
    dims += (dims.empty() ? "" : " x ") + std::to_string(d);
  }
  double bytes = 4 * elems;
  if (bytes > double(kMaxTensorBytes))
    error(loc, what + " is [" + dims + "] floats, " + gib(bytes) +
                   "; one tensor may be at most 2 GiB (Halide's buffers "
                   "without 64-bit indexing)");
  if (noted.insert(what.str()).second)
    weightBytes += bytes;
}

void SpecReader::noteActivation(SpecLoc loc, const Twine &what,
                                int64_t channels) {
  double bytes = 4.0 * double(maxSeq) * double(channels);
  if (bytes > double(kMaxTensorBytes))
    error(loc, what + " of max_seq = " + Twine(maxSeq) + " tokens x " +
                   Twine(channels) + " channels is " + gib(bytes) +
                   "; one activation may be at most 2 GiB: lower max_seq");
}

//===----------------------------------------------------------------------===//
// TableView
//===----------------------------------------------------------------------===//

const Scope *TableView::find(StringRef key) const {
  for (const Scope *s : scopes)
    if (s->table && s->table->contains(sv(key)))
      return s;
  return nullptr;
}

static const KeySpec *specOf(const std::vector<KeySpec> *keys, StringRef key) {
  return keys ? findKey(*keys, key) : nullptr;
}

std::optional<Val<int64_t>> TableView::getInt(StringRef key,
                                              int64_t min) const {
  const Scope *s = find(key);
  return s ? reader->getInt(*s, key, min) : std::nullopt;
}
int64_t TableView::getSize(StringRef key, int64_t fallback, bool &ok) const {
  if (auto v = getInt(key))
    return v->value;
  if (has(key))
    ok = false;
  return fallback;
}
std::optional<Val<double>> TableView::getFloat(StringRef key) const {
  const Scope *s = find(key);
  return s ? reader->getNumber(*s, key, true) : std::nullopt;
}
std::optional<Val<double>> TableView::getNumber(StringRef key) const {
  const Scope *s = find(key);
  return s ? reader->getNumber(*s, key, false) : std::nullopt;
}
std::optional<Val<bool>> TableView::getBool(StringRef key) const {
  const Scope *s = find(key);
  return s ? reader->getBool(*s, key) : std::nullopt;
}
std::optional<Val<std::string>> TableView::getString(StringRef key) const {
  const Scope *s = find(key);
  return s ? reader->getString(*s, key, specOf(keys, key)) : std::nullopt;
}
std::optional<Val<std::vector<std::string>>>
TableView::getStrings(StringRef key) const {
  const Scope *s = find(key);
  return s ? reader->getStrings(*s, key, specOf(keys, key)) : std::nullopt;
}
std::optional<Val<std::vector<double>>>
TableView::getNumbers(StringRef key) const {
  const Scope *s = find(key);
  return s ? reader->getNumbers(*s, key) : std::nullopt;
}
std::optional<Val<std::vector<int64_t>>> TableView::getInts(StringRef key,
                                                            int64_t min) const {
  const Scope *s = find(key);
  return s ? reader->getInts(*s, key, min) : std::nullopt;
}

void TableView::missing(StringRef key) const {
  for (const Scope *s : scopes)
    if (s->malformed)
      return;
  const Scope *outer = scopes.back();
  reader->error(firstKnown({outer->loc, fallback}),
                "missing required key '" + key + "' in " + outer->where);
}

SpecLoc TableView::loc() const {
  for (const Scope *s : scopes)
    if (s->table)
      return s->loc;
  return fallback;
}

std::string TableView::where(StringRef key) const {
  if (const Scope *s = key.empty() ? nullptr : find(key))
    return s->where;
  return scopes.back()->where;
}

SpecLoc TableView::keyLoc(StringRef key) const {
  const Scope *s = find(key);
  return s ? reader->keyLoc(*s, key) : SpecLoc{};
}

//===----------------------------------------------------------------------===//
// ReadContext
//===----------------------------------------------------------------------===//

void ReadContext::error(SpecLoc loc, const Twine &msg) const {
  reader.error(loc, msg);
}
void ReadContext::warning(SpecLoc loc, const Twine &msg) const {
  reader.warning(loc, msg);
}
TableView ReadContext::modelTable(StringRef name) const {
  return reader.modelTable(name);
}

TensorRef ReadContext::weight(StringRef slot, SpecLoc need) const {
  return reader.weightName(slot, layer, need);
}

void ReadContext::checkActivation(SpecLoc loc, const Twine &what,
                                  int64_t channels) const {
  reader.noteActivation(loc, what, channels);
}

TensorRef ReadContext::weight(StringRef slot, SpecLoc need,
                              ArrayRef<int64_t> shape) const {
  TensorRef t = weight(slot, need);
  reader.noteTensor(need, "weight '" + t.name + "' (" + slot + ")", shape);
  return t;
}

LinearSpec ReadContext::linear(StringRef base, int64_t in, int64_t out,
                               bool bias, SpecLoc loc) const {
  LinearSpec l;
  l.in = in;
  l.out = out;
  l.transposed = !(reader.scheme() && reader.scheme()->inOut);
  l.weight = weight((base + ".weight").str(), loc, {out, in});
  if (bias)
    l.bias = weight((base + ".bias").str(), loc, {out});
  reader.noteActivation(loc, "the output of " + base, out);
  if (layer)
    reader.noteProjection(*layer, base, l);
  return l;
}

NormSpec ReadContext::norm(StringRef base, StringRef kind, double eps,
                           SpecLoc loc) const {
  NormSpec n;
  n.eps = eps;
  n.loc = loc;
  for (const NormFamily &f : families().norms)
    if (f.name == kind)
      n.family = &f;
  if (!n.family)
    return n; // an invalid kind was reported
  for (const std::string &leaf : n.family->leaves)
    n.tensors.push_back(weight((base + "." + leaf).str(), loc));
  return n;
}

void ReadContext::setStages(std::vector<int64_t> firsts) const {
  reader.setStageFirsts(std::move(firsts));
}

NormSpec ReadContext::blockNorm(StringRef base, SpecLoc loc) const {
  auto kind = block.getString("norm");
  auto eps = block.getFloat("norm_eps");
  return norm(base, kind ? StringRef(kind->value) : "layernorm",
              eps ? eps->value : 1e-5, loc);
}

bool ReadContext::schemeFuses(StringRef base) const {
  const Scheme *s = reader.scheme();
  return s && s->fused.count(base.str());
}

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

FailureOr<ModelSpec> parseSpec(StringRef path, MLIRContext &ctx) {
  return SpecReader(path, ctx).read();
}

} // namespace modelc::frontend
