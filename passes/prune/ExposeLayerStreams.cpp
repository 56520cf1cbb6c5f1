//===- ExposeLayerStreams.cpp - nn-expose-layer-streams -------------------===//
//
// The calibration probe's model: the function returns every layer's input
// and output stream instead of its results (and, when asked, every linear's
// input), so that a library built from it shows what each layer does to
// the stream (its angular distance) and how much each channel carries.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "passes/Passes.h"
#include "passes/prune/Structure.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/MapVector.h"

namespace modelc {
#define GEN_PASS_DEF_EXPOSELAYERSTREAMS
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;

namespace {

struct ExposeLayerStreamsPass
    : public modelc::impl::ExposeLayerStreamsBase<ExposeLayerStreamsPass> {
  using ExposeLayerStreamsBase::ExposeLayerStreamsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Operation *ret = func.getBody().front().getTerminator();
    // Each stream once, named by every boundary it is
    // ("layer0.output,layer1.input").
    llvm::MapVector<Value, std::string> streams;
    auto add = [&](Value stream, const std::string &name) {
      std::string &names = streams[stream];
      names += (names.empty() ? "" : ",") + name;
    };
    for (auto &[index, ops] : opsByLayer(func)) {
      FailureOr<LayerBoundary> boundary =
          layerBoundary(index, ops, "nn-expose-layer-streams",
                        "its streams cannot be measured");
      if (failed(boundary))
        return signalPassFailure();
      std::string layer = "layer" + std::to_string(index);
      add(boundary->input, layer + ".input");
      add(boundary->output, layer + ".output");
    }
    if (linearInputs)
      func.walk([&](nn::LinearOp linear) {
        StringRef instance = instanceName(linear);
        if (!instance.empty())
          add(linear.getInput(), (instance + ".input").str());
      });
    SmallVector<DictionaryAttr> attrs;
    SmallVector<Value> results;
    Builder b(&getContext());
    for (auto &[stream, names] : streams) {
      results.push_back(stream);
      attrs.push_back(b.getDictionaryAttr(
          b.getNamedAttr(nn::NNDialect::TensorNameAttrHelper::getNameStr(),
                         b.getStringAttr(names))));
    }
    ret->setOperands(results);
    func.setType(
        b.getFunctionType(func.getArgumentTypes(), ret->getOperandTypes()));
    func.setAllResultAttrs(attrs);
    // What only the old results read (the head) goes.
    for (Operation *op = ret->getPrevNode(); op;) {
      Operation *before = op->getPrevNode();
      if (isOpTriviallyDead(op))
        op->erase();
      op = before;
    }
  }
};

} // namespace
