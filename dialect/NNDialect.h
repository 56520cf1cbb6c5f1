//===- NNDialect.h - the nn dialect -----------------------------*- C++ -*-===//
#ifndef MODELC_DIALECT_NNDIALECT_H
#define MODELC_DIALECT_NNDIALECT_H

#include "mlir/IR/Dialect.h"
#include "mlir/IR/Operation.h"

#include "dialect/NNDialect.h.inc"

#endif // MODELC_DIALECT_NNDIALECT_H
