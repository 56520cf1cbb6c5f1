//===- Passes.h - modelc's nn passes ----------------------------*- C++ -*-===//
//
// Declarations generated from Passes.td: for every pass `X`, `createX()`,
// `createX(const XOptions &)` where it has options, and `registerX()`;
// `registerNNPasses()` registers them all.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_PASSES_PASSES_H
#define MODELC_PASSES_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>

namespace modelc {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace modelc

#endif // MODELC_PASSES_PASSES_H
