//===- Norms.cpp - norm = layernorm | rmsnorm -----------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

int64_t channelsOf(Value x) {
  return cast<RankedTensorType>(x.getType()).getShape().back();
}

Value layerNorm(BuildContext &ctx, Value x, const NormSpec &n, StringRef what) {
  int64_t c = channelsOf(x);
  Value gamma =
      ctx.weight(n.tensors[0], false, {c}, (what + ".weight").str(), n.loc);
  Value beta =
      ctx.weight(n.tensors[1], false, {c}, (what + ".bias").str(), n.loc);
  return ctx.b.create<nn::LayerNormOp>(ctx.loc(what, n.loc), x, gamma, beta,
                                       APFloat(static_cast<float>(n.eps)));
}

Value rmsNorm(BuildContext &ctx, Value x, const NormSpec &n, StringRef what) {
  Value gamma = ctx.weight(n.tensors[0], false, {channelsOf(x)},
                           (what + ".weight").str(), n.loc);
  return ctx.b.create<nn::RMSNormOp>(ctx.loc(what, n.loc), x, gamma,
                                     APFloat(static_cast<float>(n.eps)));
}

} // namespace

void registerNorms() {
  registerNorm({"layernorm", {"weight", "bias"}, layerNorm});
  registerNorm({"rmsnorm", {"weight"}, rmsNorm});
}

} // namespace modelc::frontend
