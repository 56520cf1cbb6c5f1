//===- BlockAPI.h - what a block family implements --------------*- C++ -*-===//
//
// A block family (a token mixer, a channel mixer, a norm, a placement, a
// position scheme, the model input or output) is one file under
// frontend/blocks/ that registers itself here: the keys of its table, the
// weight slots it may use, a reader that resolves its table for one layer
// into a BlockSpec (checking what only it can check), and the spec's build()
// that emits its nn ops. The spec reader core and MLIRGen dispatch through
// these registries and name no family (docs/architecture.md, "Adding a
// block").
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_BLOCKAPI_H
#define MODELC_FRONTEND_BLOCKAPI_H

#include "frontend/Spec.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/Twine.h"

#include <functional>
#include <map>

namespace modelc::frontend {

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

/// The largest size a key takes: Halide's extents are int32 (docs/spec.md,
/// "Limits"; tensors are checked for their own limits too).
constexpr int64_t kMaxSize = (int64_t(1) << 31) - 1;
/// The largest tensor, in bytes: a Halide buffer without 64-bit indexing.
constexpr int64_t kMaxTensorBytes = (int64_t(1) << 31) - 1;

enum class Kind {
  Int,
  Float,  // a positive number (integers accepted)
  Number, // a number of any sign (integers accepted)
  Bool,
  String,     // with `values`: one of them
  StringList, // a string or an array of strings (a per-layer pattern)
  FloatList,  // an array of numbers
  IntList,    // an integer or an array of integers
  Table,
  Names, // [weights.names]
};

/// A key a table accepts. For a String/StringList key with `values`, the
/// value must be one of them (else an error with a did-you-mean).
struct KeySpec {
  std::string key;
  Kind kind;
  std::vector<std::string> values = {};
  int64_t min = 1;        // Int keys: the smallest accepted value
  int64_t max = kMaxSize; // Int keys: the largest
};

template <typename T> struct Val {
  T value;
  SpecLoc keyLoc, valueLoc;
};

class SpecReader;
struct Scope;

/// One table as a layer sees it: the innermost [[layer]] table that sets a
/// key wins, then [block.<table>] (or [block] for block keys). For
/// model-level tables ([model], [embed], [head]) there is one scope.
/// Getters report a wrong type or range (once, at the value) and return
/// nullopt; they return nullopt silently for an absent key.
class TableView {
public:
  TableView() = default;
  TableView(SpecReader *reader, std::vector<const Scope *> scopes,
            const std::vector<KeySpec> *keys, SpecLoc fallback)
      : reader(reader), scopes(std::move(scopes)), keys(keys),
        fallback(fallback) {}

  bool has(llvm::StringRef key) const { return find(key) != nullptr; }
  /// `min`: the smallest accepted value (1: positive, 0: non-negative).
  std::optional<Val<int64_t>> getInt(llvm::StringRef key,
                                     int64_t min = 1) const;
  /// A positive size: `key`'s value, or `fallback` when absent; a bad value
  /// (reported) clears `ok`, so a reader can report every bad key first.
  int64_t getSize(llvm::StringRef key, int64_t fallback, bool &ok) const;
  /// A positive, finite number.
  std::optional<Val<double>> getFloat(llvm::StringRef key) const;
  /// Any finite number.
  std::optional<Val<double>> getNumber(llvm::StringRef key) const;
  std::optional<Val<bool>> getBool(llvm::StringRef key) const;
  /// A string; checked against the key's `values` when it has some.
  std::optional<Val<std::string>> getString(llvm::StringRef key) const;
  /// A string or a list of strings (each checked against `values`).
  std::optional<Val<std::vector<std::string>>>
  getStrings(llvm::StringRef key) const;
  std::optional<Val<std::vector<double>>> getNumbers(llvm::StringRef key) const;
  /// An integer or a list of integers, each at least `min`.
  std::optional<Val<std::vector<int64_t>>> getInts(llvm::StringRef key,
                                                   int64_t min = 0) const;

  /// "missing required key 'K' in [block.T]" at the innermost table (or
  /// the fallback location), unless the table itself is malformed (then
  /// that was reported already).
  void missing(llvm::StringRef key) const;
  /// The innermost table present for this layer (else the fallback, which
  /// is unknown for a model-level table that is absent): where the
  /// family's ops point.
  SpecLoc loc() const;
  /// The name of the innermost table that sets `key` (else the outermost
  /// table), for messages: "[block.attention]", "[layer.mlp]".
  std::string where(llvm::StringRef key = "") const;
  SpecLoc keyLoc(llvm::StringRef key) const;

private:
  const Scope *find(llvm::StringRef key) const;
  SpecReader *reader = nullptr;
  std::vector<const Scope *> scopes; // innermost first
  const std::vector<KeySpec> *keys = nullptr;
  SpecLoc fallback;
};

/// What a family's reader works with: the tables it reads, the model read so
/// far (sizes, the position scheme), diagnostics and weight naming.
class ReadContext {
public:
  ReadContext(SpecReader &reader, const ModelSpec &model,
              std::optional<int64_t> layer, TableView table, TableView block)
      : reader(reader), model(model), layer(layer), table(std::move(table)),
        block(std::move(block)) {
    streamAt(layer.value_or(0));
  }

  SpecReader &reader;
  const ModelSpec &model;
  /// The layer being read (nullopt for model-level families).
  std::optional<int64_t> layer;
  /// The width and patch grid of the stream the family reads: the layer's
  /// (its stage's, in a hierarchical model); for a model-level family the
  /// first layer's, unless streamAt chose another.
  int64_t dim = 0;
  std::optional<std::pair<int64_t, int64_t>> grid;
  /// Reads the stream entering `layer` (the layer count: after the last).
  void streamAt(int64_t layer);
  /// The family's own table ([block.<table>], [embed], [head], ...).
  TableView table;
  /// [block] and this layer's [[layer]] tables (block-level keys).
  TableView block;

  void error(SpecLoc loc, const llvm::Twine &msg) const;
  void warning(SpecLoc loc, const llvm::Twine &msg) const;
  /// A model-level table: "model", "embed", "head".
  TableView modelTable(llvm::StringRef name) const;

  /// The checkpoint name of `slot` (e.g. "layer.attn.q.weight"; {i} is the
  /// layer); an error at `need` when the scheme has none.
  TensorRef weight(llvm::StringRef slot, SpecLoc need) const;
  /// The checkpoint name of `slot` whose tensor has `shape`: also checks
  /// the tensor against the size limits (an error at `need`) and counts it
  /// in the model's weight bytes.
  TensorRef weight(llvm::StringRef slot, SpecLoc need,
                   llvm::ArrayRef<int64_t> shape) const;
  /// Checks an activation of `channels` at max_seq tokens against the size
  /// limits (an error at `loc` naming `what`).
  void checkActivation(SpecLoc loc, const llvm::Twine &what,
                       int64_t channels) const;
  /// A projection `base` (slots base.weight, base.bias), size-checked: the
  /// weight, and the [max_seq, out] activation it produces.
  LinearSpec linear(llvm::StringRef base, int64_t in, int64_t out, bool bias,
                    SpecLoc loc) const;
  /// A norm of family `kind` with slots base.<leaf>.
  NormSpec norm(llvm::StringRef base, llvm::StringRef kind, double eps,
                SpecLoc loc) const;
  /// Declares the model's stages by their first layers (for {stage} and
  /// {in_stage} in weight names); before the layers' weights are named.
  void setStages(std::vector<int64_t> firsts) const;
  /// A norm of [block]'s kind and norm_eps (layernorm, 1e-5 without them)
  /// with slots base.<leaf>: the embedding's and the classifier's.
  NormSpec blockNorm(llvm::StringRef base, SpecLoc loc) const;
  /// Whether the scheme stores the slots grouped under `base` (e.g.
  /// layer.attn.qkv = q, k, v) as one concatenated tensor.
  bool schemeFuses(llvm::StringRef base) const;

  /// A multi-head block's `heads` (required) and `head_dim` (default
  /// dim / heads, which must then divide) from its table.
  struct Heads {
    Val<int64_t> heads;
    int64_t headDim = 0;
    SpecLoc headDimLoc; // head_dim's value, else heads'
  };
  /// Reports a missing `heads` or an indivisible dim and returns nullopt.
  std::optional<Heads> heads() const;
};

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

/// An argument of @forward.
struct InputDesc {
  std::string name;
  mlir::Type type;
  int64_t idLimit = 0; // ids: valid values are [0, idLimit)
};

class WeightTable;

/// What a family's build() works with: the builder, and helpers that create
/// weights (once per tensor, at the top of @forward), projections and norms,
/// every op located at the spec key that caused it, named by its instance
/// (NameLoc "layer3.attn.q").
class BuildContext {
public:
  BuildContext(mlir::OpBuilder &b, WeightTable &weights, const ModelSpec &model,
               std::optional<int64_t> layer, int64_t iteration = 0)
      : b(b), model(model), layer(layer), iteration(iteration),
        weights(weights) {}

  mlir::OpBuilder &b;
  const ModelSpec &model;
  std::optional<int64_t> layer;
  /// The pass of the loop this layer application is in (0 outside loops).
  int64_t iteration;

  /// A value that later layers read (ResFormer's value of layer 0, a
  /// DenseFormer history): one slot per key for the whole model, empty
  /// until a layer sets it.
  mlir::Value &carried(llvm::StringRef key);

  /// "layer3.<what>" inside a layer ("layer3@2.<what>" in pass 2 of a
  /// loop), else `what`.
  std::string instance(llvm::StringRef what) const;
  mlir::Location loc(llvm::StringRef what, SpecLoc at) const;
  /// The nn.weight of `t` with the given logical shape (transposed: stored
  /// as its transpose); `what` names the slot in locations.
  mlir::Value weight(const TensorRef &t, bool transposed,
                     llvm::ArrayRef<int64_t> shape, llvm::StringRef what,
                     SpecLoc use);
  /// x W (+ b); a depth structure may build it instead (per-loop LoRA).
  mlir::Value linear(mlir::Value x, const LinearSpec &l, llvm::StringRef what,
                     SpecLoc at);
  /// The plain nn.linear, whatever the depth structures say; `scale` != 1
  /// multiplies its weight and bias (nn.weight.mul_scalar).
  mlir::Value plainLinear(mlir::Value x, const LinearSpec &l,
                          llvm::StringRef what, SpecLoc at, float scale = 1.0f);
  /// Builds `n` (its family's build) on x.
  mlir::Value norm(mlir::Value x, const NormSpec &n, llvm::StringRef what);

private:
  WeightTable &weights;
};

//===----------------------------------------------------------------------===//
// Families
//===----------------------------------------------------------------------===//

template <typename Spec>
using Reader = std::function<std::unique_ptr<Spec>(const ReadContext &)>;

/// A token mixer (`mixer = "<name>"`) or a channel mixer
/// (`channel = "<name>"`), reading [block.<table>] / [layer.<table>].
struct SubLayerFamily {
  std::string name;
  std::string table;
  std::vector<KeySpec> keys;
  std::vector<std::string> slots; // every weight slot it may use
  Reader<SubLayerSpec> read;
};

/// A norm (`norm = "<name>"`): its weight leaves and its ops.
struct NormFamily {
  std::string name;
  std::vector<std::string> leaves; // "weight", "bias", ...
  std::function<mlir::Value(BuildContext &, mlir::Value, const NormSpec &,
                            llvm::StringRef what)>
      build;
};

/// Where the norms and residuals of a layer go (`placement = "<name>"`);
/// its keys sit in [block] / [[layer]] beside the generic ones.
struct PlacementFamily {
  std::string name;
  bool finalNorm; // whether the model has a final norm by default
  std::vector<KeySpec> keys;
  std::vector<std::string> slots;
  Reader<PlacementSpec> read;
};

/// A depth structure, enabled by its table [depth.<name>].
struct DepthFamily {
  std::string name;
  std::vector<KeySpec> keys;
  std::vector<std::string> slots;
  Reader<DepthSpec> read;
};

/// A position scheme (`[embed] position = "<name>"`) and its [embed] keys.
struct PositionFamily {
  std::string name;
  std::vector<KeySpec> keys;
  std::vector<std::string> slots;
  Reader<PositionSpec> read;
};

/// A model input (`[model] input = "<name>"`) and its [embed] keys.
struct InputFamily {
  std::string name;
  std::vector<KeySpec> keys;
  std::vector<std::string> slots;
  Reader<InputSpec> read;
  /// The input-specific [model] keys it requires (tokens: vocab, max_seq);
  /// another input's are an error when set.
  std::vector<std::string> modelKeys = {};
};

/// A model output (`[model] output = "<name>"`) and its [head] keys.
struct OutputFamily {
  std::string name;
  std::vector<KeySpec> keys;
  std::vector<std::string> slots;
  Reader<OutputSpec> read;
};

void registerMixer(SubLayerFamily family);
void registerChannel(SubLayerFamily family);
void registerNorm(NormFamily family);
void registerPlacement(PlacementFamily family);
void registerDepth(DepthFamily family);
void registerPosition(PositionFamily family);
void registerInput(InputFamily family);
void registerOutput(OutputFamily family);

/// The registered families (after registerBuiltinBlocks()).
struct Families {
  std::vector<SubLayerFamily> mixers, channels;
  std::vector<NormFamily> norms;
  std::vector<PlacementFamily> placements;
  std::vector<DepthFamily> depths;
  std::vector<PositionFamily> positions;
  std::vector<InputFamily> inputs;
  std::vector<OutputFamily> outputs;
};
const Families &families();

/// Registers every built-in family once (frontend/blocks/Blocks.cpp).
void registerBuiltinBlocks();

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_BLOCKAPI_H
