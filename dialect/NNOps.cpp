//===- NNOps.cpp - nn dialect operations: shapes, verifiers, folders ------===//
//
// Every compute op infers its result type from its operands
// (InferTypeOpInterface), so a builder never spells a result type and the
// verifier catches an IR whose declared type disagrees.
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace modelc::nn;

#include "dialect/NNEnums.cpp.inc"

namespace {
RankedTensorType rankedType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

int64_t channels(Value v) { return rankedType(v).getShape().back(); }

// [batch, seq] of an activation or id tensor, with `c` channels appended.
RankedTensorType activationsLike(Value tokens, int64_t c) {
  auto shape = rankedType(tokens).getShape();
  Type f32 = Float32Type::get(tokens.getContext());
  return RankedTensorType::get({shape[0], shape[1], c}, f32);
}

LogicalResult inferredAs(SmallVectorImpl<Type> &results, Type t) {
  results.push_back(t);
  return success();
}

// A dynamic dimension matches anything; static ones must be equal.
bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

LogicalResult verifySameTokens(Operation *op, Value a, Value b) {
  auto sa = rankedType(a).getShape(), sb = rankedType(b).getShape();
  if (!dimsCompatible(sa[0], sb[0]) || !dimsCompatible(sa[1], sb[1]))
    return op->emitOpError("operands disagree on [batch, seq]");
  return success();
}

LogicalResult verifyChannelVector(Operation *op, Value vec, int64_t c,
                                  StringRef what) {
  int64_t n = rankedType(vec).getDimSize(0);
  if (n != c)
    return op->emitOpError() << what << " has " << n << " elements but the "
                             << "input has " << c << " channels";
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// WeightOp
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  if (getName().empty())
    return emitOpError("needs a non-empty weight name");
  if (!getType().getElementType().isF32())
    return emitOpError("weights are f32");
  if (getTransposed() && getType().getRank() != 2)
    return emitOpError("only a matrix can be transposed");
  return success();
}

//===----------------------------------------------------------------------===//
// EmbeddingOp / AddPositionsOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location>,
                                            ValueRange operands, DictionaryAttr,
                                            OpaqueProperties, RegionRange,
                                            SmallVectorImpl<Type> &results) {
  return inferredAs(results,
                    activationsLike(operands[1], channels(operands[0])));
}

LogicalResult EmbeddingOp::verify() { return success(); }

LogicalResult AddPositionsOp::verify() {
  if (channels(getTable()) != channels(getInput()))
    return emitOpError("position table width ")
           << channels(getTable()) << " != input channels "
           << channels(getInput());
  int64_t seq = getInput().getType().getDimSize(1);
  int64_t rows = getTable().getType().getDimSize(0);
  if (!ShapedType::isDynamic(seq) && seq > rows)
    return emitOpError("sequence length ")
           << seq << " exceeds the " << rows << " position rows";
  return success();
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                         ValueRange operands, DictionaryAttr,
                                         OpaqueProperties, RegionRange,
                                         SmallVectorImpl<Type> &results) {
  int64_t n = rankedType(operands[1]).getDimSize(1);
  return inferredAs(results, activationsLike(operands[0], n));
}

LogicalResult LinearOp::verify() {
  int64_t k = getWeight().getType().getDimSize(0);
  if (k != channels(getInput()))
    return emitOpError("weight is [")
           << k << ", " << getWeight().getType().getDimSize(1)
           << "] (in, out) but the input has " << channels(getInput())
           << " channels";
  if (getBias())
    return verifyChannelVector(*this, getBias(),
                               getWeight().getType().getDimSize(1), "bias");
  return success();
}

//===----------------------------------------------------------------------===//
// Element-wise
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

LogicalResult MulOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                      ValueRange operands, DictionaryAttr,
                                      OpaqueProperties, RegionRange,
                                      SmallVectorImpl<Type> &results) {
  return inferBinary(operands, results);
}
LogicalResult MulOp::verify() {
  return verifyBinary(*this, getLhs(), getRhs());
}

LogicalResult ActivationOp::verify() { return success(); }

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

//===----------------------------------------------------------------------===//
// Norms
//===----------------------------------------------------------------------===//

static LogicalResult verifyEpsilon(Operation *op, APFloat eps) {
  if (!(eps.convertToFloat() > 0.0f))
    return op->emitOpError("epsilon must be positive");
  return success();
}

LogicalResult LayerNormOp::verify() {
  int64_t c = channels(getInput());
  if (failed(verifyChannelVector(*this, getGamma(), c, "gamma")) ||
      failed(verifyChannelVector(*this, getBeta(), c, "beta")))
    return failure();
  return verifyEpsilon(*this, getEpsilon());
}

LogicalResult RMSNormOp::verify() {
  if (failed(verifyChannelVector(*this, getGamma(), channels(getInput()),
                                 "gamma")))
    return failure();
  return verifyEpsilon(*this, getEpsilon());
}

//===----------------------------------------------------------------------===//
// RopeOp / AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  int64_t c = channels(getInput()), heads = getHeads();
  if (heads <= 0 || c % heads != 0)
    return emitOpError("channels ") << c << " are not " << heads << " heads";
  if ((c / heads) % 2 != 0)
    return emitOpError("head_dim ") << c / heads << " must be even";
  if (!(getTheta().convertToFloat() > 0.0f))
    return emitOpError("theta must be positive");
  return success();
}

int64_t AttentionOp::getHeadDim() { return channels(getQuery()) / getHeads(); }

LogicalResult AttentionOp::verify() {
  int64_t heads = getHeads(), kvHeads = getKvHeads();
  if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
    return emitOpError("kv_heads ")
           << kvHeads << " must divide heads " << heads;
  int64_t q = channels(getQuery());
  if (q % heads != 0)
    return emitOpError("query channels ")
           << q << " are not " << heads << " heads";
  int64_t kvWidth = kvHeads * (q / heads);
  if (channels(getKey()) != kvWidth || channels(getValue()) != kvWidth)
    return emitOpError("key/value need ") << kvWidth << " channels (" << kvHeads
                                          << " heads of " << q / heads << ")";
  if (failed(verifySameTokens(*this, getQuery(), getKey())) ||
      failed(verifySameTokens(*this, getQuery(), getValue())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// KernelOp
//===----------------------------------------------------------------------===//

LogicalResult KernelOp::verify() {
  if (getName().empty())
    return emitOpError("needs a non-empty kernel name");
  Block &block = getBlock();
  if (block.empty() || !isa<YieldOp>(block.back()))
    return emitOpError("body must end in nn.yield");
  if (block.getNumArguments() != getInputs().size())
    return emitOpError("body takes ")
           << block.getNumArguments() << " arguments for " << getInputs().size()
           << " inputs";
  for (auto [arg, in] : llvm::zip(block.getArguments(), getInputs()))
    if (arg.getType() != in.getType())
      return emitOpError("body argument type ")
             << arg.getType() << " differs from input type " << in.getType();
  auto yield = cast<YieldOp>(block.back());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ") << yield.getValues().getTypes()
                                  << " but returns " << getResultTypes();
  if (auto offsets = getArenaOffsets()) {
    if (offsets->size() != getNumResults())
      return emitOpError("has ") << offsets->size() << " arena offsets for "
                                 << getNumResults() << " results";
    for (int64_t offset : *offsets)
      if (offset < -1)
        return emitOpError("arena offset ")
               << offset << " is negative (only -1, the caller's buffer, is)";
  }
  return success();
}

#define GET_OP_CLASSES
#include "dialect/NNOps.cpp.inc"
