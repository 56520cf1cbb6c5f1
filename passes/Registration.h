//===- Registration.h - every dialect and pass modelc knows ------*- C++
//-*-===//
#ifndef MODELC_PASSES_REGISTRATION_H
#define MODELC_PASSES_REGISTRATION_H

#include "mlir/IR/DialectRegistry.h"

namespace modelc {
/// The dialects nn IR uses: nn and func.
void registerAllDialects(mlir::DialectRegistry &registry);
/// modelc's passes plus MLIR's generic ones (canonicalize, cse, ...).
void registerAllPasses();
} // namespace modelc

#endif // MODELC_PASSES_REGISTRATION_H
