//===- SpecFuzzer.cpp - the spec reader through to verified nn IR ---------===//
//
// The input is a spec file. modelc::frontend::parseSpec either reports errors
// (fine) or returns a spec; then buildModule must give a module that
// mlir::verify accepts: a spec the reader accepts but whose IR does not
// verify is a bug of the reader (it should have said why), and aborts.
//
//===----------------------------------------------------------------------===//

#include "frontend/MLIRGen.h"
#include "frontend/Spec.h"
#include "fuzz/FuzzSupport.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <memory>

using namespace modelc;

namespace {

// One context for many inputs (creating one costs more than a parse); it is
// replaced now and then so that uniqued locations and attributes stay few.
mlir::MLIRContext &context() {
  static std::unique_ptr<mlir::MLIRContext> ctx;
  static unsigned uses = 0;
  if (!ctx || ++uses % 2000 == 0) {
    ctx = std::make_unique<mlir::MLIRContext>(
        mlir::MLIRContext::Threading::DISABLED);
  }
  return *ctx;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = fuzz::scratchPath("-spec.toml");
  fuzz::writeFile(path, data, size);
  mlir::MLIRContext &ctx = context();
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler quiet(&ctx, [&](mlir::Diagnostic &d) {
    if (d.getSeverity() == mlir::DiagnosticSeverity::Error)
      diagnostics += d.str() + "\n";
    return mlir::success();
  });
  mlir::FailureOr<frontend::ModelSpec> spec = frontend::parseSpec(path, ctx);
  if (mlir::failed(spec))
    return 0;
  diagnostics.clear();
  mlir::OwningOpRef<mlir::ModuleOp> module = frontend::buildModule(*spec, ctx);
  if (!module)
    return 0; // buildModule reported why
  if (mlir::failed(mlir::verify(*module)))
    fuzz::bug("a spec the reader accepted gave nn IR that does not verify:\n" +
              diagnostics);
  return 0;
}
