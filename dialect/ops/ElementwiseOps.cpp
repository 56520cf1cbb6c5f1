//===- ElementwiseOps.cpp - add, mul, activation, slice -------------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace modelc::nn {

//===----------------------------------------------------------------------===//
// Binary ops
//===----------------------------------------------------------------------===//

static LogicalResult inferBinary(ValueRange operands,
                                 SmallVectorImpl<Type> &results) {
  // The static one of two compatible shapes is the more precise.
  auto a = rankedType(operands[0]), b = rankedType(operands[1]);
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(a.getShape(), b.getShape()))
    shape.push_back(ShapedType::isDynamic(x) ? y : x);
  return inferredAs(results, RankedTensorType::get(shape, a.getElementType()));
}

static LogicalResult verifyBinary(Operation *op, Value lhs, Value rhs) {
  if (channels(lhs) != channels(rhs))
    return op->emitOpError("operands have ")
           << channels(lhs) << " and " << channels(rhs) << " channels";
  return verifySameTokens(op, lhs, rhs);
}

LogicalResult AddOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                      ValueRange operands, DictionaryAttr,
                                      OpaqueProperties, RegionRange,
                                      SmallVectorImpl<Type> &results) {
  return inferBinary(operands, results);
}
LogicalResult AddOp::verify() {
  return verifyBinary(*this, getLhs(), getRhs());
}
FusionKind AddOp::getFusionKind() { return FusionKind::Pointwise; }
double AddOp::getFlopsPerToken() { return channels(getResult()); }

LogicalResult MulOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                      ValueRange operands, DictionaryAttr,
                                      OpaqueProperties, RegionRange,
                                      SmallVectorImpl<Type> &results) {
  return inferBinary(operands, results);
}
LogicalResult MulOp::verify() {
  return verifyBinary(*this, getLhs(), getRhs());
}
FusionKind MulOp::getFusionKind() { return FusionKind::Pointwise; }
double MulOp::getFlopsPerToken() { return channels(getResult()); }

//===----------------------------------------------------------------------===//
// ActivationOp
//===----------------------------------------------------------------------===//

LogicalResult ActivationOp::verify() { return success(); }
FusionKind ActivationOp::getFusionKind() { return FusionKind::Pointwise; }
double ActivationOp::getFlopsPerToken() {
  // About 8 per element: the exp / erf polynomials of codegen/Math.cpp.
  return getKind() == Activation::identity ? 0.0 : 8.0 * channels(getResult());
}

//===----------------------------------------------------------------------===//
// SliceOp
//===----------------------------------------------------------------------===//

void SliceOp::build(OpBuilder &b, OperationState &state, Value input,
                    int64_t offset, int64_t size) {
  state.addOperands(input);
  state.addAttribute(getOffsetAttrName(state.name),
                     b.getI64IntegerAttr(offset));
  state.addTypes(activationsLike(input, size));
}

LogicalResult SliceOp::verify() {
  // I64Attr's accessor is unsigned: read the offset back as signed.
  int64_t offset = static_cast<int64_t>(getOffset());
  int64_t size = getType().getDimSize(2), in = channels(getInput());
  if (offset < 0 || size <= 0 || offset + size > in)
    return emitOpError("channels [") << offset << ", " << offset + size
                                     << ") are outside the input's " << in;
  return verifySameTokens(*this, getInput(), getResult());
}

FusionKind SliceOp::getFusionKind() { return FusionKind::Reindex; }

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getOffset() == 0 && getType() == getInput().getType())
    return getInput();
  return {};
}

namespace {
// slice(slice(x, a), b) -> slice(x, a + b)
struct ComposeSlices : OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SliceOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<SliceOp>();
    if (!inner)
      return failure();
    rewriter.replaceOpWithNewOp<SliceOp>(op, op.getType(), inner.getInput(),
                                         inner.getOffset() + op.getOffset());
    return success();
  }
};
} // namespace

void SliceOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                          MLIRContext *context) {
  results.add<ComposeSlices>(context);
}

} // namespace modelc::nn
