//===- WeightOps.cpp - nn.weight and the weight expressions ---------------===//
//
// A weight expression's evaluate() is its meaning: compile-time arithmetic
// on whole tensors, run by the driver when it writes <name>.weights (never
// in the generated library, never in the IR).
//
//===----------------------------------------------------------------------===//
#include "dialect/NNOps.h"
#include "dialect/ops/WeightSelect.h"

#include "mlir/IR/Builders.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace mlir;

namespace modelc::nn {

namespace {

std::vector<int64_t> shapeOf(Value v) {
  auto s = cast<RankedTensorType>(v.getType()).getShape();
  return {s.begin(), s.end()};
}

int64_t elementsOf(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// [outer, extent, inner] around `axis` of `shape`.
std::array<int64_t, 3> splitAt(ArrayRef<int64_t> shape, int64_t axis) {
  return {elementsOf(shape.take_front(axis)), shape[axis],
          elementsOf(shape.drop_front(axis + 1))};
}

WeightData like(Value result) {
  WeightData d;
  d.shape = shapeOf(result);
  d.values.assign(elementsOf(d.shape), 0.0f);
  return d;
}

LogicalResult verifyAxis(Operation *op, Value v, int64_t axis) {
  int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
  if (axis < 0 || axis >= rank)
    return op->emitOpError("axis ") << axis << " is outside rank " << rank;
  return success();
}

} // namespace

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
// Weight expressions
//===----------------------------------------------------------------------===//

LogicalResult WeightConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  int64_t axis = (int64_t)getAxis();
  if (failed(verifyAxis(*this, getInputs()[0], axis)))
    return failure();
  std::vector<int64_t> want = shapeOf(getInputs()[0]);
  int64_t total = 0;
  for (Value in : getInputs()) {
    std::vector<int64_t> s = shapeOf(in);
    if (s.size() != want.size())
      return emitOpError("inputs differ in rank");
    for (size_t d = 0; d < s.size(); ++d)
      if ((int64_t)d != axis && s[d] != want[d])
        return emitOpError("inputs differ off the concatenation axis");
    total += s[axis];
  }
  want[axis] = total;
  if (shapeOf(getResult()) != want)
    return emitOpError("result shape does not match the concatenation");
  return success();
}

WeightData WeightConcatOp::evaluate(ArrayRef<WeightData> in) {
  WeightData out = like(getResult());
  int64_t axis = (int64_t)getAxis();
  auto [outer, total, inner] = splitAt(out.shape, axis);
  int64_t offset = 0;
  for (const WeightData &w : in) {
    int64_t extent = w.shape[axis];
    for (int64_t o = 0; o < outer; ++o)
      std::copy_n(&w.values[o * extent * inner], extent * inner,
                  &out.values[(o * total + offset) * inner]);
    offset += extent;
  }
  return out;
}

LogicalResult WeightScaleOp::verify() {
  int64_t axis = (int64_t)getAxis();
  if (failed(verifyAxis(*this, getInput(), axis)))
    return failure();
  if (shapeOf(getScale())[0] != shapeOf(getInput())[axis])
    return emitOpError("scale has ")
           << shapeOf(getScale())[0] << " elements for axis " << axis
           << " of size " << shapeOf(getInput())[axis];
  if (getResult().getType() != getInput().getType())
    return emitOpError("result type differs from the input's");
  return success();
}

WeightData WeightScaleOp::evaluate(ArrayRef<WeightData> in) {
  WeightData out = in[0];
  auto [outer, extent, inner] = splitAt(out.shape, (int64_t)getAxis());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < extent; ++i)
      for (int64_t j = 0; j < inner; ++j)
        out.values[(o * extent + i) * inner + j] *= in[1].values[i];
  return out;
}

LogicalResult WeightAddOp::verify() {
  if (getLhs().getType() != getRhs().getType() ||
      getResult().getType() != getLhs().getType())
    return emitOpError("operands and result must have one type");
  return success();
}

WeightData WeightAddOp::evaluate(ArrayRef<WeightData> in) {
  WeightData out = in[0];
  for (size_t i = 0; i < out.values.size(); ++i)
    out.values[i] += in[1].values[i];
  return out;
}

LogicalResult WeightMatmulOp::verify() {
  std::vector<int64_t> a = shapeOf(getLhs()), b = shapeOf(getRhs());
  if (a.size() > 2)
    return emitOpError("lhs must be a matrix or a row vector");
  if (a.back() != b[0])
    return emitOpError("inner dimensions ")
           << a.back() << " and " << b[0] << " differ";
  std::vector<int64_t> want = a.size() == 2 ? std::vector<int64_t>{a[0], b[1]}
                                            : std::vector<int64_t>{b[1]};
  if (shapeOf(getResult()) != want)
    return emitOpError("result shape does not match the product");
  return success();
}

WeightData WeightMatmulOp::evaluate(ArrayRef<WeightData> in) {
  WeightData out = like(getResult());
  const WeightData &a = in[0], &b = in[1];
  int64_t M = a.shape.size() == 2 ? a.shape[0] : 1, K = b.shape[0],
          N = b.shape[1];
  // Accumulated in double: a fold must stay exact to float rounding.
  std::vector<double> row(N);
  for (int64_t m = 0; m < M; ++m) {
    std::fill(row.begin(), row.end(), 0.0);
    for (int64_t k = 0; k < K; ++k) {
      double x = a.values[m * K + k];
      const float *w = &b.values[k * N];
      for (int64_t n = 0; n < N; ++n)
        row[n] += x * w[n];
    }
    for (int64_t n = 0; n < N; ++n)
      out.values[m * N + n] = (float)row[n];
  }
  return out;
}

LogicalResult WeightCenterOp::verify() {
  if (failed(verifyAxis(*this, getInput(), (int64_t)getAxis())))
    return failure();
  if (getResult().getType() != getInput().getType())
    return emitOpError("result type differs from the input's");
  return success();
}

WeightData WeightCenterOp::evaluate(ArrayRef<WeightData> in) {
  WeightData out = in[0];
  auto [outer, extent, inner] = splitAt(out.shape, (int64_t)getAxis());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      double mean = 0;
      for (int64_t i = 0; i < extent; ++i)
        mean += out.values[(o * extent + i) * inner + j];
      mean /= double(extent);
      for (int64_t i = 0; i < extent; ++i) {
        float &v = out.values[(o * extent + i) * inner + j];
        v = float(double(v) - mean);
      }
    }
  return out;
}

LogicalResult WeightMulScalarOp::verify() {
  if (getResult().getType() != getInput().getType())
    return emitOpError("result type differs from the input's");
  return success();
}

WeightData WeightMulScalarOp::evaluate(ArrayRef<WeightData> in) {
  WeightData out = in[0];
  float k = getValue().convertToFloat();
  for (float &v : out.values)
    v *= k;
  return out;
}

LogicalResult WeightSplatOp::verify() { return success(); }

WeightData WeightSplatOp::evaluate(ArrayRef<WeightData>) {
  WeightData out = like(getResult());
  std::fill(out.values.begin(), out.values.end(), getValue().convertToFloat());
  return out;
}

//===----------------------------------------------------------------------===//
// Weight expressions of the approximate passes
//===----------------------------------------------------------------------===//

namespace {
/// Checks that `result` has `input`'s shape except along `axis`.
LogicalResult verifySameOffAxis(Operation *op, Value input, Value result,
                                int64_t axis) {
  std::vector<int64_t> in = shapeOf(input), out = shapeOf(result);
  if (in.size() != out.size())
    return op->emitOpError("result rank differs from the input's");
  for (size_t d = 0; d < in.size(); ++d)
    if ((int64_t)d != axis && in[d] != out[d])
      return op->emitOpError("result differs from the input off axis ") << axis;
  return success();
}

/// The slices of `in` along `axis` at `indices`, in that order.
WeightData gather(const WeightData &in, int64_t axis, ArrayRef<int64_t> indices,
                  WeightData out) {
  auto [outer, extent, inner] = splitAt(in.shape, axis);
  int64_t kept = (int64_t)indices.size();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < kept; ++i)
      std::copy_n(&in.values[(o * extent + indices[i]) * inner], inner,
                  &out.values[(o * kept + i) * inner]);
  return out;
}
} // namespace

LogicalResult WeightSqNormsOp::verify() {
  int64_t axis = (int64_t)getAxis();
  if (failed(verifyAxis(*this, getInput(), axis)))
    return failure();
  if (shapeOf(getResult()) != std::vector<int64_t>{shapeOf(getInput())[axis]})
    return emitOpError("result must be a vector of the size of axis ") << axis;
  return success();
}

WeightData WeightSqNormsOp::evaluate(ArrayRef<WeightData> in) {
  auto [outer, extent, inner] = splitAt(in[0].shape, (int64_t)getAxis());
  std::vector<double> sums(extent, 0.0);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < extent; ++i)
      for (int64_t j = 0; j < inner; ++j) {
        double v = in[0].values[(o * extent + i) * inner + j];
        sums[i] += v * v;
      }
  WeightData out = like(getResult());
  std::copy(sums.begin(), sums.end(), out.values.begin());
  return out;
}

LogicalResult WeightSelectTopOp::verify() {
  int64_t axis = (int64_t)getAxis(), group = (int64_t)getGroup();
  if (failed(verifyAxis(*this, getInput(), axis)) ||
      failed(verifySameOffAxis(*this, getInput(), getResult(), axis)))
    return failure();
  int64_t extent = shapeOf(getInput())[axis], kept = shapeOf(getResult())[axis];
  if (shapeOf(getScore())[0] % extent || shapeOf(getScore())[0] < extent)
    return emitOpError("score has ")
           << shapeOf(getScore())[0] << " elements for axis " << axis
           << " of size " << extent << " (a positive multiple of it is needed)";
  if (group < 1 || extent % group || kept % group)
    return emitOpError("group ")
           << group << " must divide the input's " << extent
           << " and the result's " << kept << " along axis " << axis;
  if (kept < 1 || kept > extent)
    return emitOpError("keeps ")
           << kept << " of " << extent << " along axis " << axis;
  int64_t segments = (int64_t)getSegments();
  if (segments < 1 || (extent / group) % segments || (kept / group) % segments)
    return emitOpError("segments ")
           << segments << " must divide the input's " << extent / group
           << " and the result's " << kept / group << " groups";
  return success();
}

std::vector<int64_t> keptGroups(const std::vector<double> &groupScores,
                                int64_t segments, int64_t keptPerSegment) {
  int64_t perSegment = (int64_t)groupScores.size() / segments;
  std::vector<int64_t> kept;
  for (int64_t s = 0; s < segments; ++s) {
    std::vector<int64_t> order(perSegment);
    std::iota(order.begin(), order.end(), s * perSegment);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return groupScores[a] > groupScores[b];
    });
    order.resize(keptPerSegment);
    std::sort(order.begin(), order.end());
    kept.insert(kept.end(), order.begin(), order.end());
  }
  return kept;
}

WeightData WeightSelectTopOp::evaluate(ArrayRef<WeightData> in) {
  int64_t axis = (int64_t)getAxis(), group = (int64_t)getGroup();
  int64_t segments = (int64_t)getSegments();
  // Score entries per group: `group` indices of `perIndex` entries each.
  int64_t extent = in[0].shape[axis],
          perIndex = (int64_t)in[1].values.size() / extent;
  std::vector<double> score(extent / group, 0.0);
  for (int64_t i = 0; i < (int64_t)in[1].values.size(); ++i)
    score[i / (group * perIndex)] += in[1].values[i];
  std::vector<int64_t> indices;
  for (int64_t g : keptGroups(score, segments,
                              shapeOf(getResult())[axis] / group / segments))
    for (int64_t j = 0; j < group; ++j)
      indices.push_back(g * group + j);
  return gather(in[0], axis, indices, like(getResult()));
}

LogicalResult WeightSliceOp::verify() {
  int64_t axis = (int64_t)getAxis(), offset = (int64_t)getOffset();
  if (failed(verifyAxis(*this, getInput(), axis)) ||
      failed(verifySameOffAxis(*this, getInput(), getResult(), axis)))
    return failure();
  int64_t extent = shapeOf(getInput())[axis], size = shapeOf(getResult())[axis];
  if (offset < 0 || offset + size > extent)
    return emitOpError("range [")
           << offset << ", " << offset + size << ") is outside axis " << axis
           << " of size " << extent;
  return success();
}

WeightData WeightSliceOp::evaluate(ArrayRef<WeightData> in) {
  int64_t size = shapeOf(getResult())[getAxis()];
  std::vector<int64_t> indices(size);
  std::iota(indices.begin(), indices.end(), (int64_t)getOffset());
  return gather(in[0], (int64_t)getAxis(), indices, like(getResult()));
}

LogicalResult WeightReshapeOp::verify() {
  int64_t in = elementsOf(shapeOf(getInput())),
          out = elementsOf(shapeOf(getResult()));
  if (in != out)
    return emitOpError("result has ") << out << " elements, the input " << in;
  return success();
}

WeightData WeightReshapeOp::evaluate(ArrayRef<WeightData> in) {
  WeightData out = like(getResult());
  out.values = in[0].values;
  return out;
}

namespace {
/// The transpose's permutation: its attribute, else the matrix swap.
std::vector<int64_t> permutationOf(WeightTransposeOp op) {
  if (auto p = op.getPermutation())
    return std::vector<int64_t>(p->begin(), p->end());
  return {1, 0};
}
} // namespace

LogicalResult WeightTransposeOp::verify() {
  std::vector<int64_t> in = shapeOf(getInput()), out = shapeOf(getResult()),
                       perm = permutationOf(*this);
  if (!getPermutation() && in.size() != 2)
    return emitOpError("without a permutation the input must be a matrix");
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t d = 0; d < sorted.size(); ++d)
    if (sorted[d] != (int64_t)d || sorted.size() != in.size())
      return emitOpError("permutation must order the input's ")
             << in.size() << " axes";
  std::vector<int64_t> want;
  for (int64_t axis : perm)
    want.push_back(in[axis]);
  if (out != want) {
    InFlightDiagnostic d = emitOpError("result must be [");
    llvm::interleaveComma(want, d);
    return d << "], the input transposed";
  }
  return success();
}

WeightData WeightTransposeOp::evaluate(ArrayRef<WeightData> in) {
  WeightData out = like(getResult());
  std::vector<int64_t> perm = permutationOf(*this);
  const std::vector<int64_t> &shape = in[0].shape;
  int64_t rank = shape.size();
  // The input's stride along each result axis; walk the result in order.
  std::vector<int64_t> inStride(rank, 1), stride(rank);
  for (int64_t d = rank - 2; d >= 0; --d)
    inStride[d] = inStride[d + 1] * shape[d + 1];
  for (int64_t d = 0; d < rank; ++d)
    stride[d] = inStride[perm[d]];
  std::vector<int64_t> idx(rank, 0);
  for (float &v : out.values) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += idx[d] * stride[d];
    v = in[0].values[src];
    for (int64_t d = rank - 1; d >= 0 && ++idx[d] == out.shape[d]; --d)
      idx[d] = 0;
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Weight-only int8 (nn-quantize-weights)
//===----------------------------------------------------------------------===//

namespace {
/// Checks `group` against the input [K, N] and that `result` is `[rows, N]`.
LogicalResult verifyInt8Group(Operation *op, Value input, Value result,
                              int64_t group, bool scales) {
  std::vector<int64_t> in = shapeOf(input), out = shapeOf(result);
  if (group < 1 || in[0] % group)
    return op->emitOpError("group ")
           << group << " must divide the input's " << in[0] << " rows";
  std::vector<int64_t> want{scales ? in[0] / group : in[0], in[1]};
  if (out != want)
    return op->emitOpError("result must be [")
           << want[0] << ", " << want[1] << "]";
  return success();
}

/// s[g][n] = max |W[k][n]| / 127 over the rows k of group g (float32).
std::vector<float> int8Scales(const WeightData &w, int64_t group) {
  int64_t K = w.shape[0], N = w.shape[1];
  std::vector<float> s((K / group) * N, 0.0f);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) {
      float &m = s[(k / group) * N + n];
      m = std::max(m, std::fabs(w.values[k * N + n]));
    }
  for (float &v : s)
    v = v / 127.0f;
  return s;
}
} // namespace

LogicalResult WeightQuantizeInt8Op::verify() {
  return verifyInt8Group(*this, getInput(), getResult(), (int64_t)getGroup(),
                         false);
}

WeightData WeightQuantizeInt8Op::evaluate(ArrayRef<WeightData> in) {
  int64_t group = (int64_t)getGroup(), N = in[0].shape[1];
  std::vector<float> s = int8Scales(in[0], group);
  WeightData out = like(getResult());
  for (int64_t i = 0; i < (int64_t)out.values.size(); ++i) {
    float scale = s[(i / N / group) * N + i % N];
    // The default rounding mode: ties to even, as torch.round. int8 has no
    // NaN: a non-finite weight (--allow-nonfinite-weights) becomes 0 or 127.
    float q = scale > 0 ? std::nearbyint(in[0].values[i] / scale) : 0;
    out.values[i] = std::isnan(q) ? 0 : std::clamp(q, -127.0f, 127.0f);
  }
  return out;
}

LogicalResult WeightInt8ScalesOp::verify() {
  return verifyInt8Group(*this, getInput(), getResult(), (int64_t)getGroup(),
                         true);
}

WeightData WeightInt8ScalesOp::evaluate(ArrayRef<WeightData> in) {
  WeightData out = like(getResult());
  out.values = int8Scales(in[0], (int64_t)getGroup());
  return out;
}

} // namespace modelc::nn
