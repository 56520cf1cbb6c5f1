//===- VisionOps.cpp - patch embedding, grid patches and token pooling ----===//
#include "dialect/NNOps.h"
#include "dialect/ops/OpHelpers.h"

using namespace mlir;

namespace modelc::nn {

namespace {

/// "[?, b, c]" for messages.
std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") +
         (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
  return s + "]";
}

/// Conv2d's output size along an axis of `size`, rounded down.
int64_t convOutputSize(int64_t size, int64_t kernel, int64_t stride,
                       int64_t padding) {
  return (size + 2 * padding - kernel) / stride + 1;
}

/// A `kernel` window with `stride` and `padding` over a [rows, cols] area:
/// each output position's window starts inside the padded area and holds
/// at least one position of the area.
LogicalResult verifyConvWindow(Operation *op, ArrayRef<int64_t> area,
                               int64_t kernel, int64_t stride,
                               int64_t padding) {
  if (kernel < 1 || stride < 1 || padding < 0)
    return op->emitOpError("kernel and stride must be positive and padding "
                           "non-negative, got ")
           << kernel << ", " << stride << ", " << padding;
  if (padding >= kernel)
    return op->emitOpError("padding ")
           << padding << " must be less than the kernel " << kernel;
  for (int64_t size : area)
    if (size + 2 * padding < kernel)
      return op->emitOpError("kernel ")
             << kernel << " is larger than the padded size "
             << size + 2 * padding;
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// PatchEmbedOp
//===----------------------------------------------------------------------===//

int64_t PatchEmbedOp::getStep() {
  return static_cast<int64_t>(getStride().value_or(getPatch()));
}
int64_t PatchEmbedOp::getBorder() {
  return static_cast<int64_t>(getPadding().value_or(0));
}
int64_t PatchEmbedOp::getGridWidth() {
  return convOutputSize(rankedType(getImage()).getDimSize(3), getPatch(),
                        getStep(), getBorder());
}
int64_t PatchEmbedOp::getGridHeight() {
  return convOutputSize(rankedType(getImage()).getDimSize(2), getPatch(),
                        getStep(), getBorder());
}
int64_t PatchEmbedOp::getPrefixTokens() {
  return getCls() ? rankedType(getCls()).getDimSize(1) : 0;
}
int64_t PatchEmbedOp::getTokens() {
  return getGridWidth() * getGridHeight() + getPrefixTokens();
}

LogicalResult PatchEmbedOp::inferReturnTypes(MLIRContext *ctx,
                                             std::optional<Location>,
                                             ValueRange operands,
                                             DictionaryAttr, OpaqueProperties,
                                             RegionRange,
                                             SmallVectorImpl<Type> &results) {
  int64_t dyn = ShapedType::kDynamic;
  int64_t d = rankedType(operands[1]).getDimSize(0);
  return inferredAs(
      results, RankedTensorType::get({dyn, dyn, d}, Float32Type::get(ctx)));
}

LogicalResult PatchEmbedOp::verify() {
  // I64Attr's accessor is unsigned: read it back as signed.
  int64_t p = static_cast<int64_t>(getPatch());
  auto image = rankedType(getImage()).getShape();
  if (p < 1)
    return emitOpError("patch must be positive, got ") << p;
  if (!getStride() && !getPadding()) {
    if (image[2] % p != 0 || image[3] % p != 0)
      return emitOpError("image ") << image[2] << "x" << image[3]
                                   << " is not divisible by patch " << p;
  } else if (failed(verifyConvWindow(*this, {image[2], image[3]}, p, getStep(),
                                     getBorder()))) {
    return failure();
  }
  auto w = getWeight().getType().getShape();
  int64_t d = channels(getResult());
  if (w.size() != 4 || w[1] != image[1] || w[2] != p || w[3] != p)
    return emitOpError("weight must be [D, ")
           << image[1] << ", " << p << ", " << p
           << "] (Conv2d: out, in channels, patch, patch), got "
           << shapeString(w);
  if (getBias())
    if (failed(verifyChannelVector(*this, getBias(), d, "bias")))
      return failure();
  if (Value cls = getCls()) {
    auto shape = rankedType(cls).getShape();
    if (shape.size() != 3 || shape[0] != 1 || shape[1] < 1 || shape[2] != d)
      return emitOpError("cls must be [1, P, ")
             << d << "] (P prefix tokens), got " << shapeString(shape);
  }
  if (Value pos = getPositions()) {
    auto shape = rankedType(pos).getShape();
    if (shape != ArrayRef<int64_t>{1, getTokens(), d})
      return emitOpError("positions must be [1, ")
             << getTokens() << ", " << d << "] (one row per token), got "
             << shapeString(shape);
  }
  return success();
}

// Fusion: the patch kernel is the model's first; what follows it (the first
// block's norm) reads the stream it writes.
FusionKind PatchEmbedOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> PatchEmbedOp::getSeedClass() {
  return KernelClass::patch_embed;
}
int PatchEmbedOp::getSeedPriority() { return 0; }
Absorb PatchEmbedOp::absorbsProducer(OpOperand &, Operation *) {
  return Absorb::No;
}
Absorb PatchEmbedOp::absorbsConsumer(Value, Operation *) { return Absorb::No; }

double PatchEmbedOp::getFlopsPerToken() {
  auto w = getWeight().getType().getShape();
  // A multiply-add per weight element, per patch token (the class token
  // and positions are copies and adds).
  return 2.0 * double(w[0] * w[1] * w[2] * w[3]);
}

WeightRole PatchEmbedOp::getWeightRole(unsigned index) {
  Value v = getOperation()->getOperand(index);
  return v == getBias() ? WeightRole::Shift : WeightRole::Matrix;
}

//===----------------------------------------------------------------------===//
// GridPatchesOp
//===----------------------------------------------------------------------===//

int64_t GridPatchesOp::getOutRows() {
  return convOutputSize(getGrid()[0], getKernel(), getStride(), getPadding());
}
int64_t GridPatchesOp::getOutCols() {
  return convOutputSize(getGrid()[1], getKernel(), getStride(), getPadding());
}

LogicalResult GridPatchesOp::verify() {
  if (failed(verifyTokenGrid(*this, getGrid(), getInput())))
    return failure();
  int64_t k = static_cast<int64_t>(getKernel());
  if (failed(verifyConvWindow(*this, getGrid(), k,
                              static_cast<int64_t>(getStride()),
                              static_cast<int64_t>(getPadding()))))
    return failure();
  auto in = rankedType(getInput()), out = rankedType(getResult());
  std::vector<int64_t> want{in.getDimSize(0), getOutRows() * getOutCols(),
                            channels(getInput()) * k * k};
  if (out.getShape() != ArrayRef<int64_t>(want))
    return emitOpError("result must be ")
           << shapeString(want) << " (batch, the output grid's tokens, "
           << "in channels x kernel x kernel), got "
           << shapeString(out.getShape());
  return success();
}

// Fusion: a gather of its own; the GEMM after it reads what it writes.
FusionKind GridPatchesOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> GridPatchesOp::getSeedClass() {
  return KernelClass::elementwise;
}
int GridPatchesOp::getSeedPriority() { return 0; }
Absorb GridPatchesOp::absorbsProducer(OpOperand &, Operation *) {
  return Absorb::No;
}
Absorb GridPatchesOp::absorbsConsumer(Value, Operation *) { return Absorb::No; }

// A copy: no arithmetic.
double GridPatchesOp::getFlopsPerToken() { return 0.0; }

//===----------------------------------------------------------------------===//
// TokenPoolOp
//===----------------------------------------------------------------------===//

LogicalResult TokenPoolOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location>,
                                            ValueRange operands, DictionaryAttr,
                                            OpaqueProperties, RegionRange,
                                            SmallVectorImpl<Type> &results) {
  auto in = rankedType(operands[0]);
  return inferredAs(
      results, RankedTensorType::get({in.getDimSize(0), 1, in.getDimSize(2)},
                                     Float32Type::get(ctx)));
}

LogicalResult TokenPoolOp::verify() {
  int64_t start = static_cast<int64_t>(getStart());
  if (start < 0)
    return emitOpError("start must be non-negative, got ") << start;
  int64_t seq = rankedType(getInput()).getDimSize(1);
  if (!ShapedType::isDynamic(seq) && start >= seq)
    return emitOpError("start ")
           << start << " leaves no token of the " << seq << " to pool";
  return success();
}

// Fusion: a pool kernel reads the whole sequence; the classifier after it
// (a norm, the head) works on one token per sequence.
FusionKind TokenPoolOp::getFusionKind() { return FusionKind::Opaque; }
std::optional<KernelClass> TokenPoolOp::getSeedClass() {
  return KernelClass::token_pool;
}
int TokenPoolOp::getSeedPriority() { return 12; }
Absorb TokenPoolOp::absorbsProducer(OpOperand &, Operation *) {
  return Absorb::No;
}
Absorb TokenPoolOp::absorbsConsumer(Value, Operation *) { return Absorb::No; }

// Per input token: one add into the mean (nothing for `first`).
double TokenPoolOp::getFlopsPerToken() {
  return getMode() == TokenPoolMode::mean ? (double)channels(getInput()) : 0.0;
}

} // namespace modelc::nn
