//===- modelc-opt.cpp - the nn dialect's mlir-opt
//---------------------------===//
//
// Parses, verifies and prints nn IR and runs any registered pass on it, with
// MLIR's own flags (--pass-pipeline, --mlir-print-ir-after-all, ...).
//
//===----------------------------------------------------------------------===//
#include "passes/Registration.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  modelc::registerAllDialects(registry);
  modelc::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "modelc optimizer driver\n", registry));
}
