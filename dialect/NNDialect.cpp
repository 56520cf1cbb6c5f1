//===- NNDialect.cpp - the nn dialect -------------------------------------===//
#include "dialect/NNDialect.h"
#include "dialect/NNOps.h"

#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace modelc::nn;

#include "dialect/NNDialect.cpp.inc"

void NNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/NNOps.cpp.inc"
      >();
}

namespace {
// A discardable nn attribute: where it may appear and what it must be.
LogicalResult checkAttr(Operation *op, NamedAttribute attr, bool onModule,
                        bool onValue) {
  StringRef name = attr.getName().getValue();
  Attribute value = attr.getValue();
  auto bad = [&](StringRef what) {
    return op->emitError() << "'" << name << "' " << what;
  };
  if (name == NNDialect::ModelNameAttrHelper::getNameStr() ||
      name == NNDialect::MaxSeqAttrHelper::getNameStr() ||
      name == NNDialect::FixedSeqAttrHelper::getNameStr() ||
      name == NNDialect::ArenaFloatsPerTokenAttrHelper::getNameStr()) {
    if (!onModule)
      return bad("belongs on the builtin.module");
    if (name == NNDialect::ModelNameAttrHelper::getNameStr())
      return isa<StringAttr>(value) ? success() : bad("must be a string");
    auto i = dyn_cast<IntegerAttr>(value);
    if (name == NNDialect::FixedSeqAttrHelper::getNameStr()) {
      if (!i || i.getInt() <= 0)
        return bad("must be a positive integer");
      // The runtime runs a model whose inputs fix seq at max_seq.
      auto maxSeq = op->getAttrOfType<IntegerAttr>(
          NNDialect::MaxSeqAttrHelper::getNameStr());
      if (maxSeq && maxSeq.getInt() != i.getInt())
        return bad("is " + std::to_string(i.getInt()) +
                   " but 'nn.max_seq' is " + std::to_string(maxSeq.getInt()) +
                   ": a model whose inputs fix the sequence runs at max_seq");
      return success();
    }
    if (!i || i.getInt() < 0)
      return bad("must be a non-negative integer");
    return success();
  }
  if (name == NNDialect::TensorNameAttrHelper::getNameStr()) {
    if (!onValue)
      return bad("belongs on a function argument or result");
    return isa<StringAttr>(value) ? success() : bad("must be a string");
  }
  if (name == NNDialect::IdLimitAttrHelper::getNameStr()) {
    if (!onValue)
      return bad("belongs on a function argument");
    auto i = dyn_cast<IntegerAttr>(value);
    if (!i || i.getInt() <= 0)
      return bad("must be a positive integer");
    return success();
  }
  return bad("is not an attribute of the nn dialect");
}
} // namespace

LogicalResult NNDialect::verifyOperationAttribute(Operation *op,
                                                  NamedAttribute attr) {
  return checkAttr(op, attr, isa<ModuleOp>(op), false);
}

LogicalResult NNDialect::verifyRegionArgAttribute(Operation *op, unsigned,
                                                  unsigned,
                                                  NamedAttribute attr) {
  return checkAttr(op, attr, false, true);
}

LogicalResult NNDialect::verifyRegionResultAttribute(Operation *op, unsigned,
                                                     unsigned,
                                                     NamedAttribute attr) {
  return checkAttr(op, attr, false, true);
}
