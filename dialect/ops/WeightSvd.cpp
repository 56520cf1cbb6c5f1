//===- WeightSvd.cpp - nn.weight.svd_factor -------------------------------===//
//
// The truncated SVD behind low-rank factorisation (nn-factor-linears), with
// Eigen (header-only) in double precision.
//
//===----------------------------------------------------------------------===//
#include "dialect/ops/WeightSvd.h"
#include "dialect/NNOps.h"

#include <Eigen/SVD>

#include "llvm/Support/xxhash.h"

#include <cmath>
#include <memory>
#include <mutex>

using namespace mlir;

namespace modelc::nn {

namespace {
Eigen::MatrixXd toMatrix(const WeightData &w) {
  int64_t rows = w.shape[0], cols = w.shape[1];
  Eigen::MatrixXd m(rows, cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      m(i, j) = w.values[i * cols + j];
  return m;
}

using ThinSvd = Eigen::BDCSVD<Eigen::MatrixXd>;

/// The thin SVD of `w`. A factorised linear's two factors are written one
/// after the other, and each is an nn.weight.svd_factor of the same
/// matrix: the last decomposition is kept (by the matrix's shape and the
/// hash of its values) so that the second factor does not redo it.
std::shared_ptr<const ThinSvd> thinSvd(const WeightData &w) {
  static std::mutex guard;
  static std::vector<int64_t> lastShape;
  static uint64_t lastHash = 0;
  static std::shared_ptr<const ThinSvd> last;
  uint64_t hash = llvm::xxh3_64bits(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(w.values.data()),
      w.values.size() * sizeof(float)));
  std::lock_guard<std::mutex> lock(guard);
  if (!last || lastShape != w.shape || lastHash != hash) {
    last = std::make_shared<const ThinSvd>(
        toMatrix(w), Eigen::ComputeThinU | Eigen::ComputeThinV);
    lastShape = w.shape;
    lastHash = hash;
  }
  return last;
}
} // namespace

std::vector<double> singularValues(const WeightData &w) {
  Eigen::BDCSVD<Eigen::MatrixXd> svd(toMatrix(w));
  const Eigen::VectorXd &s = svd.singularValues();
  return {s.data(), s.data() + s.size()};
}

LogicalResult WeightSvdFactorOp::verify() {
  auto in = getInput().getType().getShape(),
       out = getResult().getType().getShape();
  int64_t rank = getRight() ? out[0] : out[1];
  if (getRight() ? out[1] != in[1] : out[0] != in[0])
    return emitOpError("the ")
           << (getRight() ? "right factor must have the input's columns"
                          : "left factor must have the input's rows");
  if (rank < 1 || rank > std::min(in[0], in[1]))
    return emitOpError("rank ")
           << rank << " is outside [1, " << std::min(in[0], in[1]) << "]";
  return success();
}

WeightData WeightSvdFactorOp::evaluate(ArrayRef<WeightData> in) {
  const WeightData &w = in[0];
  int64_t rows = w.shape[0], cols = w.shape[1];
  std::shared_ptr<const ThinSvd> decomposition = thinSvd(w);
  const ThinSvd &svd = *decomposition;
  auto shape = getResult().getType().getShape();
  int64_t rank = getRight() ? shape[0] : shape[1];
  WeightData out;
  out.shape.assign(shape.begin(), shape.end());
  out.values.resize(shape[0] * shape[1]);
  for (int64_t r = 0; r < rank; ++r) {
    double root = std::sqrt(svd.singularValues()(r));
    if (getRight())
      for (int64_t j = 0; j < cols; ++j)
        out.values[r * cols + j] = float(root * svd.matrixV()(j, r));
    else
      for (int64_t i = 0; i < rows; ++i)
        out.values[i * rank + r] = float(svd.matrixU()(i, r) * root);
  }
  return out;
}

} // namespace modelc::nn
