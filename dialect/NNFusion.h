//===- NNFusion.h - the vocabulary of the nn op interfaces ------*- C++ -*-===//
#ifndef MODELC_DIALECT_NNFUSION_H
#define MODELC_DIALECT_NNFUSION_H

namespace modelc::nn {

/// How an op's result depends on its operands (FusionOpInterface).
enum class FusionKind {
  Pointwise,  // out[t, c] from operands at [t, c] (add, mul, activation)
  Reindex,    // out[t, c] = in[t, f(c)] (slice)
  Positional, // per token, but a function of its position (rope, positions)
  Row,        // per token, over the whole row of channels (norms)
  Opaque,     // anything else: contractions, sequence mixers, gathers
};

/// Whether a seed's kernel takes in a neighbouring op (FusionOpInterface).
enum class Absorb {
  No,
  Exclusive, // only if the value between them has no use outside the kernel
  Shared,    // also if it has (it then becomes a kernel result as well)
};

/// What a weight operand is (WeightRolesOpInterface).
enum class WeightRole {
  GemmWeight, // the [in, out] matrix of a GEMM: packed into panels
  Matrix,     // any other matrix or table (synthetic init: N(0, 0.02))
  Scale,      // multiplies (a norm's gamma; synthetic init: ~1)
  Shift,      // adds (a bias or a norm's beta; synthetic init: ~0)
};

} // namespace modelc::nn

#endif // MODELC_DIALECT_NNFUSION_H
