//===- MLIRGen.cpp - ModelSpec -> nn IR -----------------------------------===//
//
// A straight walk over the resolved spec (Toy Ch2 style): the input's ops,
// each layer application of the depth schedule through its placement (which
// builds its norms, mixer and channel), the final norm, the output. Every part
// builds itself (its family's BlockSpec::build); this file names no block.
// Result types come from the ops' type inference; weights are created once per
// tensor at the top of @forward (WeightTable).
//
//===----------------------------------------------------------------------===//
#include "frontend/MLIRGen.h"
#include "frontend/BlockAPI.h"
#include "frontend/WeightTable.h"

#include "dialect/NNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace modelc::frontend {

OwningOpRef<ModuleOp> buildModule(const ModelSpec &spec, MLIRContext &ctx) {
  ctx.getOrLoadDialect<nn::NNDialect>();
  ctx.getOrLoadDialect<func::FuncDialect>();
  using D = nn::NNDialect;
  OpBuilder b(&ctx);
  Location fileLoc = FileLineColLoc::get(&ctx, spec.sourcePath, 1, 1);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  (*module)->setAttr(D::ModelNameAttrHelper::getNameStr(),
                     b.getStringAttr(spec.name));
  (*module)->setAttr(D::MaxSeqAttrHelper::getNameStr(),
                     b.getI64IntegerAttr(spec.maxSeq));
  if (std::optional<int64_t> tokens = spec.input->fixedTokens())
    (*module)->setAttr(D::FixedSeqAttrHelper::getNameStr(),
                       b.getI64IntegerAttr(*tokens));

  std::vector<InputDesc> inputs = spec.input->arguments(ctx);
  SmallVector<Type> argTypes;
  for (const InputDesc &in : inputs)
    argTypes.push_back(in.type);
  // The result type is the output's ([batch, seq, C], or [batch, 1, C]
  // pooled): set once it is built.
  auto forwardLoc = NameLoc::get(b.getStringAttr("forward"), fileLoc);
  auto func = func::FuncOp::create(forwardLoc, "forward",
                                   b.getFunctionType(argTypes, {}));
  module->push_back(func);
  for (auto [i, in] : llvm::enumerate(inputs)) {
    func.setArgAttr(i, D::TensorNameAttrHelper::getNameStr(),
                    b.getStringAttr(in.name));
    if (in.idLimit > 0)
      func.setArgAttr(i, D::IdLimitAttrHelper::getNameStr(),
                      b.getI64IntegerAttr(in.idLimit));
  }
  Block *body = func.addEntryBlock();
  b.setInsertionPointToEnd(body);
  WeightTable weights(body);

  BuildContext top(b, weights, spec, std::nullopt);
  SmallVector<Value> args(body->getArguments());
  Value x = spec.input->build(top, args);
  // The depth schedule: every layer once, in order, as the depth structures
  // (loops, skips) rewrite it.
  std::vector<LayerApplication> apps;
  for (int64_t i = 0; i < (int64_t)spec.layers.size(); ++i)
    apps.push_back({i, 0});
  for (const auto &d : spec.depth)
    d->schedule(apps);
  for (const auto &d : spec.depth)
    x = d->beforeLayers(top, x);
  for (auto [position, app] : llvm::enumerate(apps)) {
    const LayerSpec &layer = spec.layers[app.layer];
    BuildContext lc(b, weights, spec, app.layer, app.iteration);
    x = spec.input->beforeLayer(lc, x, app.layer);
    x = layer.placement->build(lc, x, layer);
    for (const auto &d : spec.depth)
      x = d->afterLayer(lc, x, position);
  }
  if (spec.finalNorm)
    x = top.norm(x, *spec.finalNorm, "final_norm");
  x = spec.output->build(top, x);
  SpecLoc at = spec.outputLoc.known() ? spec.outputLoc : SpecLoc{1, 1};
  b.create<func::ReturnOp>(top.loc("output", at), x);
  func.setType(b.getFunctionType(argTypes, {x.getType()}));
  func.setResultAttr(0, D::TensorNameAttrHelper::getNameStr(),
                     b.getStringAttr(spec.outputName));
  return module;
}

} // namespace modelc::frontend
