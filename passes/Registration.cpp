//===- Registration.cpp - every dialect and pass modelc knows -------------===//
#include "passes/Registration.h"

#include "dialect/NNOps.h"
#include "passes/Passes.h"
#include "passes/Pipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/Passes.h"

void modelc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<nn::NNDialect, mlir::func::FuncDialect>();
}

void modelc::registerAllPasses() {
  mlir::registerTransformsPasses();
  registerNNPasses();
  registerPipelines();
}
