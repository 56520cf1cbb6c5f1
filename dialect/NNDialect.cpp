//===- NNDialect.cpp - the nn dialect -------------------------------------===//
#include "dialect/NNDialect.h"
#include "dialect/NNOps.h"

using namespace mlir;
using namespace modelc::nn;

#include "dialect/NNDialect.cpp.inc"

void NNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/NNOps.cpp.inc"
      >();
}
