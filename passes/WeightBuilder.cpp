//===- WeightBuilder.cpp - building weight expressions in passes ----------===//
#include "passes/WeightBuilder.h"

#include "dialect/NNOps.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace modelc {

namespace {
RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

RankedTensorType f32Tensor(MLIRContext *ctx, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, Float32Type::get(ctx));
}

/// Moves the weight or weight expression `def`, with the ones it reads,
/// above `expr` (a new expression at the block's head) where it is below
/// it: the frontend builds some among the compute ops (a looped layer's
/// nn.weight.select).
void hoistAbove(Operation *def, Operation *expr) {
  if (!def || def->getBlock() != expr->getBlock() ||
      !def->hasTrait<nn::WeightValued>() || def->isBeforeInBlock(expr))
    return;
  for (Value v : def->getOperands())
    hoistAbove(v.getDefiningOp(), expr);
  def->moveBefore(expr);
}
} // namespace

template <typename Op, typename... Args>
Value WeightBuilder::make(Args &&...args) {
  OpBuilder::InsertionGuard guard(b);
  Block *block = anchor->getBlock();
  auto it = llvm::find_if(
      *block, [](Operation &op) { return !op.hasTrait<nn::WeightValued>(); });
  b.setInsertionPoint(block, it);
  Operation *op = b.create<Op>(loc, std::forward<Args>(args)...);
  for (Value v : op->getOperands())
    hoistAbove(v.getDefiningOp(), op);
  return op->getResult(0);
}

Value WeightBuilder::stored(StringRef name, ArrayRef<int64_t> shape) {
  return make<nn::WeightOp>(f32Tensor(b.getContext(), shape),
                            b.getStringAttr(name), UnitAttr());
}

Value WeightBuilder::splat(ArrayRef<int64_t> shape, float value) {
  return make<nn::WeightSplatOp>(f32Tensor(b.getContext(), shape),
                                 b.getF32FloatAttr(value));
}

Value WeightBuilder::scale(Value w, Value vec, int64_t axis) {
  return make<nn::WeightScaleOp>(w.getType(), w, vec,
                                 b.getI64IntegerAttr(axis));
}

Value WeightBuilder::mulScalar(Value w, float value) {
  return make<nn::WeightMulScalarOp>(w.getType(), w, b.getF32FloatAttr(value));
}

Value WeightBuilder::matmul(Value lhs, Value rhs) {
  ArrayRef<int64_t> a = typeOf(lhs).getShape();
  int64_t n = typeOf(rhs).getDimSize(1);
  SmallVector<int64_t> shape;
  if (a.size() == 2)
    shape.push_back(a[0]);
  shape.push_back(n);
  return make<nn::WeightMatmulOp>(f32Tensor(b.getContext(), shape), lhs, rhs);
}

Value WeightBuilder::add(Value x, Value y) {
  if (!x)
    return y;
  if (!y)
    return x;
  return make<nn::WeightAddOp>(x.getType(), x, y);
}

Value WeightBuilder::concat(ValueRange parts, int64_t axis) {
  if (parts.size() == 1)
    return parts.front();
  SmallVector<int64_t> shape(typeOf(parts.front()).getShape());
  shape[axis] = 0;
  for (Value p : parts)
    shape[axis] += typeOf(p).getDimSize(axis);
  return make<nn::WeightConcatOp>(f32Tensor(b.getContext(), shape), parts,
                                  b.getI64IntegerAttr(axis));
}

Value WeightBuilder::center(Value w, int64_t axis) {
  return make<nn::WeightCenterOp>(w.getType(), w, b.getI64IntegerAttr(axis));
}

Value WeightBuilder::bnScale(Value gamma, Value variance, Value alpha,
                             APFloat epsilon) {
  return make<nn::WeightBnScaleOp>(gamma.getType(), gamma, variance, alpha,
                                   epsilon);
}

Value WeightBuilder::bnShift(Value beta, Value mean, Value gamma,
                             Value variance, APFloat epsilon) {
  return make<nn::WeightBnShiftOp>(beta.getType(), beta, mean, gamma, variance,
                                   epsilon);
}

namespace {
/// `v`'s type with `size` along `axis`.
RankedTensorType resized(Value v, int64_t axis, int64_t size) {
  SmallVector<int64_t> shape(typeOf(v).getShape());
  shape[axis] = size;
  return f32Tensor(v.getContext(), shape);
}
} // namespace

Value WeightBuilder::sqNorms(Value w, int64_t axis) {
  return make<nn::WeightSqNormsOp>(
      f32Tensor(b.getContext(), {typeOf(w).getDimSize(axis)}), w,
      b.getI64IntegerAttr(axis));
}

Value WeightBuilder::selectTop(Value w, Value score, int64_t axis,
                               int64_t group, int64_t size, int64_t segments) {
  return make<nn::WeightSelectTopOp>(
      resized(w, axis, size), w, score, b.getI64IntegerAttr(axis),
      b.getI64IntegerAttr(group), b.getI64IntegerAttr(segments));
}

Value WeightBuilder::slice(Value w, int64_t axis, int64_t offset,
                           int64_t size) {
  return make<nn::WeightSliceOp>(resized(w, axis, size), w,
                                 b.getI64IntegerAttr(axis),
                                 b.getI64IntegerAttr(offset));
}

Value WeightBuilder::svdFactor(Value w, int64_t rank, bool right) {
  return make<nn::WeightSvdFactorOp>(resized(w, right ? 0 : 1, rank), w,
                                     right ? b.getUnitAttr() : UnitAttr());
}

Value WeightBuilder::quantizeInt8(Value w, int64_t group) {
  auto type = RankedTensorType::get(typeOf(w).getShape(),
                                    IntegerType::get(b.getContext(), 8));
  return make<nn::WeightQuantizeInt8Op>(type, w, b.getI64IntegerAttr(group));
}

Value WeightBuilder::int8Scales(Value w, int64_t group) {
  return make<nn::WeightInt8ScalesOp>(
      resized(w, 0, typeOf(w).getDimSize(0) / group), w,
      b.getI64IntegerAttr(group));
}

std::optional<float> splatValue(Value w) {
  if (auto s = w.getDefiningOp<nn::WeightSplatOp>())
    return s.getValue().convertToFloat();
  return std::nullopt;
}

WeightSize weightSize(func::FuncOp func) {
  llvm::DenseSet<Value> seen;
  llvm::StringSet<> named;
  WeightSize size;
  func.walk([&](Operation *op) {
    if (op->hasTrait<nn::WeightValued>())
      return;
    for (Value v : op->getOperands()) {
      if (!nn::isWeightValue(v) || !seen.insert(v).second)
        continue;
      if (auto w = v.getDefiningOp<nn::WeightOp>())
        if (!named.insert(w.getName().str() + (w.getTransposed() ? "^T" : ""))
                 .second)
          continue;
      RankedTensorType t = typeOf(v);
      size.elements += t.getNumElements();
      size.bytes += t.getNumElements() * (t.getElementTypeBitWidth() / 8);
    }
  });
  return size;
}

int64_t weightBytes(func::FuncOp func) { return weightSize(func).bytes; }

Location mergedLoc(ArrayRef<Operation *> ops) {
  SmallVector<Location> locs;
  SmallVector<NameLoc> names;
  for (Operation *op : ops) {
    locs.push_back(op->getLoc());
    if (auto n = dyn_cast<NameLoc>(op->getLoc()))
      names.push_back(n);
  }
  MLIRContext *ctx = ops.front()->getContext();
  if (names.size() != ops.size())
    return FusedLoc::get(ctx, locs);
  StringRef first = names.front().getName().strref();
  StringRef prefix = first.substr(0, first.rfind('.') + 1);
  std::string joined;
  for (NameLoc n : names) {
    StringRef name = n.getName().strref();
    if (!joined.empty())
      joined += "+";
    joined += name.starts_with(prefix) ? name.drop_front(prefix.size()).str()
                                       : name.str();
  }
  return NameLoc::get(StringAttr::get(ctx, prefix + joined),
                      names.front().getChildLoc());
}

} // namespace modelc
