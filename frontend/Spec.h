//===- Spec.h - the model spec, resolved ------------------------*- C++ -*-===//
//
// The in-memory form of a spec TOML (docs/spec.md): every default applied,
// every [[layer]] override merged into its layer, every weight slot resolved
// to its final checkpoint name. MLIRGen reads only this; it never sees TOML.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_FRONTEND_SPEC_H
#define MODELC_FRONTEND_SPEC_H

#include "dialect/NNOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace modelc::frontend {

/// A 1-based position in the spec file; line 0 means "unknown".
struct SpecLoc {
  unsigned line = 0, col = 0;
  bool known() const { return line != 0; }
};

enum class NormKind { LayerNorm, RMSNorm };
enum class Placement { Pre, Post };
enum class PositionKind { Learned, Rope, None };
enum class MlpKind { Mlp, Glu };

/// One checkpoint tensor. `loc` is the [weights.names] entry that named it,
/// when one did (weight diagnostics then point there); otherwise unknown.
struct TensorRef {
  std::string name; // empty: the tensor is absent (e.g. no bias)
  SpecLoc loc;
  bool present() const { return !name.empty(); }
};

struct NormSpec {
  NormKind kind = NormKind::LayerNorm;
  double eps = 1e-5;
  TensorRef weight, bias; // bias only for layernorm
  SpecLoc loc;            // the key that chose this norm
};

/// A projection; in/out are the logical sizes (the nn.linear weight is
/// [in, out]). `transposed`: the checkpoint stores [out, in].
struct LinearSpec {
  int64_t in = 0, out = 0;
  bool transposed = true;
  TensorRef weight, bias;
};

struct AttentionSpec {
  int64_t heads = 0, kvHeads = 0, headDim = 0;
  bool causal = true;
  bool fusedQkv = false; // one [dim, (heads+2 kv_heads) head_dim] projection
  LinearSpec qkv, q, k, v, o;
  SpecLoc loc; // [block.attention] or the [layer.attention] override
};

struct MlpSpec {
  MlpKind kind = MlpKind::Mlp;
  int64_t hidden = 0;
  nn::Activation activation = nn::Activation::gelu;
  LinearSpec up, gate, down; // gate only for glu
  SpecLoc loc;               // [block.mlp] or the [layer.mlp] override
};

struct LayerSpec {
  Placement placement = Placement::Pre;
  NormSpec attnNorm, mlpNorm;
  AttentionSpec attn;
  MlpSpec mlp;
};

struct EmbedSpec {
  PositionKind position = PositionKind::Learned;
  int64_t tokenTypes = 0;
  double ropeTheta = 10000.0;
  nn::RopeStyle ropeStyle = nn::RopeStyle::half;
  TensorRef tokens, positions, tokenTypeTable;
  bool hasNorm = false;
  NormSpec norm;
  SpecLoc tokensLoc, positionsLoc, tokenTypesLoc, ropeLoc;
};

struct HeadSpec {
  bool tied = true;
  TensorRef weight, bias; // weight: the untied [vocab, dim] table
  SpecLoc loc;
};

struct ModelSpec {
  std::string name, sourcePath;
  int64_t vocab = 0, dim = 0, maxSeq = 0;
  std::string outputName = "logits"; // "logits" | "hidden"
  std::string scheme = "modelc";
  EmbedSpec embed;
  std::vector<LayerSpec> layers;
  bool finalNorm = true;
  NormSpec finalNormSpec;
  HeadSpec head; // only meaningful for outputName == "logits"
  SpecLoc outputLoc;

  int64_t outputChannels() const {
    return outputName == "logits" ? vocab : dim;
  }
};

/// Reads and checks a spec. Every error of the file is reported (not just the
/// first) through the context's diagnostic engine at a FileLineColLoc of the
/// offending key or value; fails if there was any.
mlir::FailureOr<ModelSpec> parseSpec(llvm::StringRef path,
                                     mlir::MLIRContext &ctx);

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_SPEC_H
