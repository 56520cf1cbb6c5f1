//===- VisionNorms.cpp - norm = batchnorm | repbn | groupnorm -------------===//
//
// The norms of the vision MetaFormers, each with the weight leaves of its
// reference module's state_dict:
//   batchnorm  torch.nn.BatchNorm1d at inference (running statistics, per
//              channel of the residual stream): weight, bias, running_mean,
//              running_var;
//   repbn      SLAB's RepBN, BN(x) + alpha x: alpha, bn.weight, bn.bias,
//              bn.running_mean, bn.running_var;
//   groupnorm  GroupNorm(1, C) as PoolFormer uses it: each sample normalized
//              over all its tokens and channels: weight, bias.
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

int64_t channelsOf(Value x) {
  return cast<RankedTensorType>(x.getType()).getShape().back();
}

/// The norm's leaf `i` as a [C] or [1] vector.
Value leaf(BuildContext &ctx, const NormSpec &n, size_t i, int64_t size,
           StringRef what) {
  return ctx.weight(n.tensors[i], false, {size},
                    (what + "." + n.family->leaves[i]).str(), n.loc);
}

Value batchNorm(BuildContext &ctx, Value x, const NormSpec &n, StringRef what,
                bool rep) {
  int64_t c = channelsOf(x);
  // Leaf order: [alpha,] weight, bias, running_mean, running_var.
  std::vector<Value> w;
  for (size_t i = 0; i < n.tensors.size(); ++i)
    w.push_back(leaf(ctx, n, i, rep && i == 0 ? 1 : c, what));
  Value alpha = rep ? w.front() : Value();
  ArrayRef<Value> bn = ArrayRef<Value>(w).drop_front(rep ? 1 : 0);
  return ctx.b.create<nn::BatchNormOp>(ctx.loc(what, n.loc), x, bn[0], bn[1],
                                       bn[2], bn[3], alpha,
                                       APFloat(static_cast<float>(n.eps)));
}

Value groupNorm(BuildContext &ctx, Value x, const NormSpec &n, StringRef what) {
  int64_t c = channelsOf(x);
  Value gamma = leaf(ctx, n, 0, c, what);
  Value beta = leaf(ctx, n, 1, c, what);
  return ctx.b.create<nn::GroupNormOp>(ctx.loc(what, n.loc), x, gamma, beta,
                                       APFloat(static_cast<float>(n.eps)),
                                       /*groups=*/1);
}

} // namespace

void registerVisionNorms() {
  registerNorm(
      {"batchnorm",
       {"weight", "bias", "running_mean", "running_var"},
       [](BuildContext &ctx, Value x, const NormSpec &n, StringRef what) {
         return batchNorm(ctx, x, n, what, false);
       }});
  registerNorm(
      {"repbn",
       {"alpha", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"},
       [](BuildContext &ctx, Value x, const NormSpec &n, StringRef what) {
         return batchNorm(ctx, x, n, what, true);
       }});
  registerNorm({"groupnorm", {"weight", "bias"}, groupNorm});
}

} // namespace modelc::frontend
