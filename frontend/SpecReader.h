//===- SpecReader.h - the spec reader core (internal) -----------*- C++ -*-===//
//
// The generic part of reading a spec: the TOML tree, typed access with
// diagnostics, [[layer]] scopes, weight naming. It knows the structure of a
// model (input, position, layers of placement + norms + mixer + channel,
// final norm, output) and asks the registered families (BlockAPI.h) for
// everything else. Errors are collected, de-duplicated (a [block] mistake
// would otherwise be reported once per layer) and emitted in file order.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_SPECREADER_H
#define MODELC_FRONTEND_SPECREADER_H

#include "frontend/BlockAPI.h"
#include "frontend/Schemes.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <set>
#include <toml++/toml.h>
#include <tuple>

namespace modelc::frontend {

/// One table of the spec, with how messages name it and where it starts.
struct Scope {
  const toml::table *table = nullptr;
  std::string where; // "[block.attention]", "[[layer]]", "[embed]"
  SpecLoc loc;
  bool malformed = false; // the key names a non-table value (reported)
};

SpecLoc locOf(const toml::source_region &r);
/// The first known location, else 1:1.
SpecLoc firstKnown(std::initializer_list<SpecLoc> locs);
/// "a string", "an integer", ...
std::string typeName(toml::node_type t);
/// The closest candidate within a small edit distance, for "did you mean".
std::optional<std::string> closest(llvm::StringRef word,
                                   llvm::ArrayRef<std::string> options);

class SpecReader {
public:
  SpecReader(llvm::StringRef path, mlir::MLIRContext &ctx)
      : path(path.str()), ctx(ctx) {}

  mlir::FailureOr<ModelSpec> read();

  // Diagnostics ------------------------------------------------------------
  void error(SpecLoc loc, const llvm::Twine &msg) { report(loc, msg, false); }
  void warning(SpecLoc loc, const llvm::Twine &msg) { report(loc, msg, true); }

  // Typed values (report a type or range error and return nullopt) ---------
  std::optional<Val<int64_t>> getInt(const Scope &s, llvm::StringRef key,
                                     int64_t min, int64_t max = kMaxSize);
  std::optional<Val<double>> getNumber(const Scope &s, llvm::StringRef key,
                                       bool positive);
  std::optional<Val<bool>> getBool(const Scope &s, llvm::StringRef key);
  std::optional<Val<std::string>> getString(const Scope &s, llvm::StringRef key,
                                            const KeySpec *spec);
  std::optional<Val<std::vector<std::string>>>
  getStrings(const Scope &s, llvm::StringRef key, const KeySpec *spec);
  std::optional<Val<std::vector<double>>> getNumbers(const Scope &s,
                                                     llvm::StringRef key);
  std::optional<Val<std::vector<int64_t>>>
  getInts(const Scope &s, llvm::StringRef key, int64_t min);
  SpecLoc keyLoc(const Scope &s, llvm::StringRef key);

  // Weight naming ------------------------------------------------------------
  TensorRef weightName(llvm::StringRef slot, std::optional<int64_t> layer,
                       SpecLoc needLoc);
  const Scheme *scheme() const { return schemeInUse; }
  /// The first layer of each stage (a hierarchical model's; one stage
  /// otherwise): {stage} and {in_stage} in names are a layer's stage and its
  /// index in the stage.
  void setStageFirsts(std::vector<int64_t> firsts) {
    stageFirsts = std::move(firsts);
  }
  /// Checks a weight of `shape` (named `what`) against kMaxTensorBytes, at
  /// `loc`, and counts it in the model's weight bytes.
  void noteTensor(SpecLoc loc, const llvm::Twine &what,
                  llvm::ArrayRef<int64_t> shape);
  /// Checks an activation [max_seq, channels] against kMaxTensorBytes.
  void noteActivation(SpecLoc loc, const llvm::Twine &what, int64_t channels);
  /// Records projection `base` of layer `layer` (LayerSpec::projections).
  void noteProjection(int64_t layer, llvm::StringRef base,
                      const LinearSpec &l) {
    projections[layer].push_back({base.str(), l});
  }
  TableView modelTable(llvm::StringRef name);

private:
  void report(SpecLoc loc, const llvm::Twine &msg, bool isWarning);
  void flush();

  // Pass 1: every table on its own.
  void checkTable(const toml::table &t, llvm::ArrayRef<KeySpec> keys,
                  llvm::StringRef where);
  void checkValue(const toml::table &t, const KeySpec &k,
                  llvm::StringRef where);
  void checkSubLayerTables(const toml::table &parent,
                           std::map<std::string, Scope> &into,
                           llvm::StringRef owner);
  void checkLayerTables();
  void checkNames(const toml::table &names);
  void checkKeyTables();

  // Pass 2: resolution.
  void readWeights();
  void readModel(ModelSpec &spec);
  void readInputAndPosition(ModelSpec &spec);
  void readLayer(ModelSpec &spec, int64_t i);
  void checkPlacementKeys(const ModelSpec &spec);
  void readDepth(ModelSpec &spec);
  void readTail(ModelSpec &spec);

  TableView blockView(std::optional<int64_t> layer);
  TableView subLayerView(std::optional<int64_t> layer,
                         const SubLayerFamily &family);
  /// The sub-layer family name of layer i for `key` (mixer / channel),
  /// from the innermost [[layer]] override, else [block]'s value or pattern.
  std::optional<Val<std::string>>
  subLayerChoice(int64_t i, const std::string &key, const std::string &dflt);

  std::string path;
  mlir::MLIRContext &ctx;
  struct Diag {
    SpecLoc loc;
    std::string msg;
    bool warning;
  };
  std::vector<Diag> diags;
  std::set<std::tuple<unsigned, unsigned, std::string>> seen;
  unsigned numErrors = 0;

  toml::table root;
  Scope model, embed, head, weights, block, depth;
  std::map<std::string, Scope> depthTables; // [depth.<family>] present
  // [block.<table>] of each sub-layer family table present.
  std::map<std::string, Scope> blockSubTables;
  struct LayerScope {
    Scope table;
    std::map<std::string, Scope> subTables;
  };
  std::vector<LayerScope> layerScopes;          // [[layer]] in file order
  std::vector<std::vector<unsigned>> layerUses; // per layer, into layerScopes
  std::set<std::string> usedSubTables;
  bool layersKnown = false;
  int64_t numLayers = 0;

  // Key lists of the tables (built from the registered families).
  std::vector<KeySpec> modelKeys, embedKeys, headKeys, blockKeys, layerKeys;
  std::map<std::string, std::vector<KeySpec>> subLayerKeys; // by table
  std::map<std::string, std::vector<KeySpec>> depthKeys;    // by family

  const Scheme *schemeInUse = nullptr;
  std::string prefix;
  struct NameOverride {
    std::string name;
    SpecLoc loc;
  };
  llvm::StringMap<NameOverride> overrides;
  std::vector<int64_t> stageFirsts = {0};
  llvm::StringSet<> usedSlots;
  int64_t maxSeq = 0;          // for activation sizes
  std::string inputName;       // [model] input
  double weightBytes = 0;      // every checked tensor (double: no overflow)
  std::set<std::string> noted; // tensors counted once
  std::map<int64_t, std::vector<ProjectionSpec>> projections; // by layer
};

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_SPECREADER_H
