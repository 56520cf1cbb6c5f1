//===- NNInterfaceTypes.h - what the nn op interfaces speak in --*- C++ -*-===//
//
// The enums and types of the interfaces of NNInterfaces.td.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_DIALECT_NNINTERFACETYPES_H
#define MODELC_DIALECT_NNINTERFACETYPES_H

#include "mlir/IR/OpDefinition.h"

#include <cstdint>
#include <vector>

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
  GemmWeight,      // the [in, out] matrix of a GEMM: packed into panels
  GatedGemmWeight, // [in, 2 hidden] = [gate | up] of a gated GEMM: packed
                   // into panels, gate and up panels alternating
  Matrix,          // any other matrix or table (synthetic init: N(0, 0.02))
  Scale,           // multiplies (a norm's gamma; synthetic init: ~1)
  Shift,           // adds (a bias or a norm's beta; synthetic init: ~0)
};

/// A weight tensor's value at compile time (WeightExprOpInterface).
struct WeightData {
  std::vector<int64_t> shape;
  std::vector<float> values; // row-major
};

/// Ops whose result is a weight (nn.weight and the weight expressions): they
/// stay outside kernels, and codegen passes their values as weights.
template <typename ConcreteType>
class WeightValued
    : public mlir::OpTrait::TraitBase<ConcreteType, WeightValued> {};

/// Ops a GEMM kernel takes in as a prologue (NN_GemmPrologue).
template <typename ConcreteType>
class GemmPrologue
    : public mlir::OpTrait::TraitBase<ConcreteType, GemmPrologue> {};

/// Whether `v` is a weight: the result of a WeightValued op.
inline bool isWeightValue(mlir::Value v) {
  mlir::Operation *def = v.getDefiningOp();
  return def && def->hasTrait<WeightValued>();
}

} // namespace modelc::nn

#endif // MODELC_DIALECT_NNINTERFACETYPES_H
