//===- MLIRGen.h - ModelSpec -> nn IR ---------------------------*- C++ -*-===//
#ifndef MODELC_FRONTEND_MLIRGEN_H
#define MODELC_FRONTEND_MLIRGEN_H

#include "frontend/Spec.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace modelc::frontend {

/// Builds the nn-level module (docs/architecture.md, "IR at each stage" 1):
/// func.func @forward(%tokens[, %token_types]) -> tensor<?x?xNxf32>, the
/// nn.weight ops first, every op located at the spec key that caused it
/// (NameLoc("layer3.attn.q", spec.toml:L:C)). Module attributes
/// nn.model_name and nn.max_seq; every argument and the result carry
/// nn.tensor_name, the id arguments nn.id_limit (NNDialect.td). Loads the
/// nn and func dialects into `ctx`.
mlir::OwningOpRef<mlir::ModuleOp> buildModule(const ModelSpec &spec,
                                              mlir::MLIRContext &ctx);

} // namespace modelc::frontend

#endif // MODELC_FRONTEND_MLIRGEN_H
