//===- FactorLinears.cpp - nn-factor-linears ------------------------------===//
//
// Low-rank factorisation: x W + b -> (x A) B + b with A B the rank-r
// truncated SVD of W, for each linear whose instance name matches and that
// it makes cheaper (r (K + N) < K N).
//
//===----------------------------------------------------------------------===//
#include "passes/prune/FactorLinears.h"

#include "dialect/NNOps.h"
#include "dialect/ops/WeightSvd.h"
#include "passes/WeightBuilder.h"
#include "passes/prune/Structure.h"

#include "llvm/Support/GlobPattern.h"

namespace modelc {
#define GEN_PASS_DEF_FACTORLINEARS
#include "passes/Passes.h.inc"
} // namespace modelc

using namespace mlir;
using namespace modelc;
using namespace modelc::nn;

namespace {

/// The smallest rank whose singular values keep `energy` of the sum of
/// their squares.
int64_t rankForEnergy(const nn::WeightData &w, double energy) {
  std::vector<double> s = nn::singularValues(w);
  double total = 0, kept = 0;
  for (double v : s)
    total += v * v;
  int64_t rank = 0;
  while (rank < (int64_t)s.size() && kept < energy * total) {
    kept += s[rank] * s[rank];
    ++rank;
  }
  return std::max<int64_t>(rank, 1);
}

struct FactorLinearsPass
    : public modelc::impl::FactorLinearsBase<FactorLinearsPass> {
  using FactorLinearsBase::FactorLinearsBase;
  FactorLinearsPass(const FactorLinearsOptions &options, WeightReader read)
      : FactorLinearsBase(options), read(std::move(read)) {}

  LogicalResult checkOptions(func::FuncOp func) {
    auto fail = [&](const Twine &why) {
      return func.emitError() << "nn-factor-linears: " << why;
    };
    if (rank < 0)
      return fail("rank " + Twine((int64_t)rank) + " is not positive");
    if (energy != 0 && !(energy > 0 && energy <= 1))
      return fail("energy " + ratioText(energy) + " is outside (0, 1]");
    if (rank != 0 && energy != 0)
      return fail("give a rank or an energy, not both");
    if (energy != 0 && !read)
      return fail("the rank by energy needs the weights' values: use modelc "
                  "compile --low-rank=energy:E");
    return success();
  }

  /// The rank for `w`: the option, or the one its spectrum asks for.
  int64_t rankFor(Value w) {
    if (rank != 0)
      return rank;
    nn::WeightData data;
    auto shape = cast<RankedTensorType>(w.getType()).getShape();
    data.shape.assign(shape.begin(), shape.end());
    data.values = read(w);
    return rankForEnergy(data, energy);
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (failed(checkOptions(func)))
      return signalPassFailure();
    if (rank == 0 && energy == 0)
      return;
    llvm::Expected<llvm::GlobPattern> glob = llvm::GlobPattern::create(match);
    if (!glob) {
      func.emitError() << "nn-factor-linears: match '" << match
                       << "': " << llvm::toString(glob.takeError());
      return signalPassFailure();
    }
    SmallVector<std::pair<LinearOp, int64_t>> linears;
    func.walk([&](LinearOp linear) {
      if (!glob->match(instanceName(linear)))
        return;
      auto w = linear.getWeight().getType();
      int64_t k = w.getDimSize(0), n = w.getDimSize(1);
      int64_t r = rankFor(linear.getWeight());
      if (r * (k + n) < k * n)
        linears.push_back({linear, r});
    });
    for (auto [linear, rank] : linears) {
      OpBuilder b(linear);
      WeightBuilder wb(b, linear.getLoc(), linear);
      Value w = linear.getWeight();
      Value low = b.create<LinearOp>(linear.getLoc(), linear.getInput(),
                                     wb.svdFactor(w, rank, false), Value());
      auto high = b.create<LinearOp>(
          linear.getLoc(), low, wb.svdFactor(w, rank, true), linear.getBias());
      linear.replaceAllUsesWith(high.getResult());
      linear.erase();
    }
    eraseDeadWeights(func);
  }

  WeightReader read;
};

} // namespace

std::unique_ptr<Pass>
modelc::createFactorLinears(const FactorLinearsOptions &options,
                            WeightReader read) {
  return std::make_unique<FactorLinearsPass>(options, std::move(read));
}
