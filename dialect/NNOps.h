//===- NNOps.h - nn dialect operations --------------------------*- C++ -*-===//
#ifndef MODELC_DIALECT_NNOPS_H
#define MODELC_DIALECT_NNOPS_H

#include "dialect/NNDialect.h"
#include "dialect/NNInterfaceTypes.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/NNEnums.h.inc"

#include "dialect/NNInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialect/NNOps.h.inc"

#endif // MODELC_DIALECT_NNOPS_H
