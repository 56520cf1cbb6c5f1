//===- LoweringContext.cpp - what an op's Halide lowering works with ------===//
#include "codegen/lowering/LoweringContext.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

using namespace Halide;

namespace modelc::codegen {

namespace {
int vectorWidth(const Target &target) {
  return target.has_feature(Target::AVX512) ? 16 : 8;
}
} // namespace

LoweringContext::LoweringContext(const Target &target, bool flat)
    : target(target), gpu(target.has_gpu_feature()), V(vectorWidth(target)),
      flat(flat) {}

const KernelArg *LoweringContext::argOf(mlir::Value v) const {
  auto arg = mlir::dyn_cast<mlir::BlockArgument>(v);
  if (!arg || arg.getArgNumber() >= kernelArgs.size())
    return nullptr;
  return &kernelArgs[arg.getArgNumber()];
}

bool LoweringContext::readsInPlace(mlir::Value v) const {
  while (!argOf(v)) {
    auto it = views.find(v);
    if (it == views.end())
      return false;
    v = it->second;
  }
  return true;
}

std::vector<Var> LoweringContext::tokenVars() const {
  return flat ? std::vector<Var>{m} : std::vector<Var>{s, b};
}

std::vector<Expr> LoweringContext::tokenArgs() const {
  std::vector<Expr> r;
  for (const Var &v : tokenVars())
    r.push_back(v);
  return r;
}

std::vector<Var> LoweringContext::actVars() const {
  std::vector<Var> r{c};
  for (const Var &v : tokenVars())
    r.push_back(v);
  return r;
}

Expr LoweringContext::at(const Func &f, Expr cc, const std::vector<Expr> &t) {
  std::vector<Expr> a{cc};
  a.insert(a.end(), t.begin(), t.end());
  return Func(f)(a);
}

Func LoweringContext::def(
    const std::string &name,
    const std::function<Expr(Expr, const std::vector<Expr> &)> &body) const {
  Func f(name);
  f(actVars()) = body(c, tokenArgs());
  return f;
}

mlir::LogicalResult LoweringContext::fail(mlir::Operation *op,
                                          const llvm::Twine &msg) const {
  op->emitError() << "codegen: " << msg;
  return mlir::failure();
}

int64_t dimOf(mlir::Value v, unsigned i) {
  return mlir::cast<mlir::RankedTensorType>(v.getType()).getDimSize(i);
}

} // namespace modelc::codegen
