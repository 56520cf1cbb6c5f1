//===- Spec.h - the model spec, resolved ------------------------*- C++ -*-===//
//
// The in-memory form of a spec TOML (docs/spec.md): every default applied,
// every [[layer]] override merged into its layer, every weight slot resolved
// to its final checkpoint name. MLIRGen reads only this; it never sees TOML.
//
// What a block is lives with its family (frontend/blocks/): the spec holds
// each part as the object its family's reader made, and MLIRGen asks that
// object to build itself (frontend/BlockAPI.h).
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_SPEC_H
#define MODELC_FRONTEND_SPEC_H

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace modelc::frontend {

/// A 1-based position in the spec file; line 0 means "unknown".
struct SpecLoc {
  unsigned line = 0, col = 0;
  bool known() const { return line != 0; }
};

/// One checkpoint tensor. `loc` is the [weights.names] entry that named it,
/// when one did (weight diagnostics then point there); otherwise unknown.
struct TensorRef {
  std::string name; // empty: the tensor is absent (e.g. no bias)
  SpecLoc loc;
  bool present() const { return !name.empty(); }
};

/// A projection; in/out are the logical sizes (the nn.linear weight is
/// [in, out]). `transposed`: the checkpoint stores [out, in].
struct LinearSpec {
  int64_t in = 0, out = 0;
  bool transposed = true;
  TensorRef weight, bias;
};

struct NormFamily;
/// A norm: its family (layernorm, rmsnorm, ...), epsilon and one tensor per
/// leaf of the family (weight, bias, ...).
struct NormSpec {
  const NormFamily *family = nullptr;
  double eps = 1e-5;
  std::vector<TensorRef> tensors; // in the family's leaf order
  SpecLoc loc;                    // the key that chose this norm
};

class BuildContext;
struct InputDesc;

/// The residual stream where a layer reads it: its width and, when its
/// tokens are a patch grid (row by row), [rows, cols].
struct StreamShape {
  int64_t dim = 0;
  std::optional<std::pair<int64_t, int64_t>> grid;
};

/// A part of the model its family resolved and builds. The subclasses below
/// say where in the model the part sits.
class BlockSpec {
public:
  virtual ~BlockSpec() = default;
  std::string family; // the name it was chosen by (mixer = "attention")
  SpecLoc loc;        // where its ops point: its innermost table
};

/// The model input and embedding ([model] input): the function arguments
/// and the ops from them to the residual stream.
class InputSpec : public BlockSpec {
public:
  virtual std::vector<InputDesc> arguments(mlir::MLIRContext &ctx) const = 0;
  /// The sequence length when the input fixes it (an image's patches): the
  /// model's max_seq, and the seq every run has.
  virtual std::optional<int64_t> fixedTokens() const { return std::nullopt; }
  /// Tokens before the content (a class token; timm's num_prefix_tokens).
  virtual int64_t prefixTokens() const { return 0; }
  /// Whether the prefix is a class token and DeiT's distillation token (a
  /// classifier averages the heads of the two).
  virtual bool distilled() const { return false; }
  /// [rows, cols] when the content tokens are a grid (an image's patches,
  /// row by row), for mixers that work on the grid (2-D pooling).
  virtual std::optional<std::pair<int64_t, int64_t>> grid() const {
    return std::nullopt;
  }
  virtual mlir::Value build(BuildContext &ctx,
                            llvm::ArrayRef<mlir::Value> args) const = 0;
  /// The stream entering layer `layer` (the layer count: leaving the last
  /// one): the model's width and grid(), unless the input builds stages of
  /// their own widths and grids (a hierarchical image model).
  virtual StreamShape streamAt(int64_t layer, int64_t modelDim) const {
    (void)layer;
    return {modelDim, grid()};
  }
  /// Whether streamAt differs between layers: the depth structures, which
  /// mix or repeat layers, need one stream.
  virtual bool staged() const { return false; }
  /// The ops between the layers before `layer` and it (a stage's
  /// downsampling); x itself by default.
  virtual mlir::Value beforeLayer(BuildContext &ctx, mlir::Value x,
                                  int64_t layer) const {
    (void)ctx, (void)layer;
    return x;
  }
};

/// How positions enter the model ([embed] position). The embedding asks it
/// to add absolute positions; sequence mixers look for the kinds they apply
/// themselves (RoPE, ALiBi).
class PositionSpec : public BlockSpec {
public:
  virtual mlir::Value addToEmbedding(BuildContext &ctx, mlir::Value x) const {
    (void)ctx;
    return x;
  }
};

/// A token mixer or a channel mixer of one layer.
class SubLayerSpec : public BlockSpec {
public:
  /// Builds the sub-layer on its (normalized) input; returns its output,
  /// which the placement adds to the residual stream.
  virtual mlir::Value build(BuildContext &ctx, mlir::Value x) const = 0;
};

/// The model output ([model] output): from the final hidden states.
class OutputSpec : public BlockSpec {
public:
  virtual mlir::Value build(BuildContext &ctx, mlir::Value x) const = 0;
};

struct LayerSpec;
/// Where a layer's norms and residual adds go around its sub-layers
/// ([block] placement), with whatever weights of its own it has.
class PlacementSpec : public BlockSpec {
public:
  /// The layer applied to the residual stream x.
  virtual mlir::Value build(BuildContext &ctx, mlir::Value x,
                            const LayerSpec &layer) const = 0;
};

/// A projection a layer's families read (ReadContext::linear), by its slot
/// base ("layer.attn.q"): what the depth structures that act on projections
/// (per-loop LoRA) look up.
struct ProjectionSpec {
  std::string base;
  LinearSpec linear;
};

struct LayerSpec {
  std::unique_ptr<PlacementSpec> placement;
  NormSpec mixerNorm, channelNorm;         // slots layer.attn_norm, mlp_norm
  std::unique_ptr<SubLayerSpec> mixer;     // never null in a resolved spec
  std::unique_ptr<SubLayerSpec> channel;   // null: channel = "none"
  std::vector<ProjectionSpec> projections; // in reading order
};

/// One application of a layer in the depth schedule: layer `layer`, in pass
/// `iteration` of the loop that repeats it (0 outside loops).
struct LayerApplication {
  int64_t layer = 0, iteration = 0;
};

/// A depth structure ([depth.<name>]): weight-shared loops, layer skipping,
/// per-loop LoRA, dense depth connections. Each may reorder the schedule of
/// layer applications and hook into the build.
class DepthSpec : public BlockSpec {
public:
  /// Rewrites the schedule (a loop repeats a group, a skip removes layers).
  virtual void schedule(std::vector<LayerApplication> &apps) const {
    (void)apps;
  }
  /// The residual stream entering the first layer application (the
  /// embedding's output): a dense connection keeps it in its history.
  virtual mlir::Value beforeLayers(BuildContext &ctx, mlir::Value x) const {
    (void)ctx;
    return x;
  }
  /// After application `position` of the schedule built `x` (a dense
  /// connection mixes the history in); returns the new residual stream.
  virtual mlir::Value afterLayer(BuildContext &ctx, mlir::Value x,
                                 size_t position) const {
    (void)ctx;
    (void)position;
    return x;
  }
  /// Builds projection `what` of the current layer application itself (a
  /// per-loop LoRA adds its low-rank term), or returns null to leave it to
  /// the plain nn.linear.
  virtual mlir::Value linear(BuildContext &ctx, mlir::Value x,
                             const LinearSpec &l, llvm::StringRef what,
                             SpecLoc at) const {
    (void)ctx, (void)x, (void)l, (void)what, (void)at;
    return nullptr;
  }
};

struct ModelSpec {
  std::string name, sourcePath;
  int64_t vocab = 0, dim = 0, maxSeq = 0;
  std::string outputName = "logits";
  SpecLoc outputLoc; // the [model] output key
  std::unique_ptr<InputSpec> input;
  std::unique_ptr<PositionSpec> position;
  std::vector<LayerSpec> layers;
  std::vector<std::unique_ptr<DepthSpec>> depth; // in registration order
  std::optional<NormSpec> finalNorm;
  std::unique_ptr<OutputSpec> output;
};

/// Reads and checks a spec. Every error of the file is reported (not just the
/// first) through the context's diagnostic engine at a FileLineColLoc of the
/// offending key or value; fails if there was any.
mlir::FailureOr<ModelSpec> parseSpec(llvm::StringRef path,
                                     mlir::MLIRContext &ctx);

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_SPEC_H
