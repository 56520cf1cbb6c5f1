//===- HalideLowering.h - the Halide lowering op interface ------*- C++ -*-===//
#ifndef MODELC_CODEGEN_LOWERING_HALIDELOWERING_H
#define MODELC_CODEGEN_LOWERING_HALIDELOWERING_H

#include "mlir/IR/OpDefinition.h"

namespace modelc::codegen {
class LoweringContext;
} // namespace modelc::codegen

#include "codegen/lowering/HalideLowering.h.inc"

#endif // MODELC_CODEGEN_LOWERING_HALIDELOWERING_H
