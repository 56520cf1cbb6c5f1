//===- Conv.cpp - mixer = "conv": depthwise convolution over the sequence -===//
//
// [block.conv]: K taps per channel, causal or centred, with a bias
// (nn.depthwise_conv). The weight is stored as PyTorch's
// Conv1d(dim, dim, K, groups = dim) stores it, [dim, 1, K], so a Conv1d's
// state dict loads as is.
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

class Conv : public SubLayerSpec {
public:
  int64_t kernelSize = 3;
  bool causal = true;
  TensorRef weight, bias;

  Value build(BuildContext &ctx, Value x) const override {
    int64_t dim = ctx.model.dim;
    Value w =
        ctx.weight(weight, false, {dim, 1, kernelSize}, "conv.weight", loc);
    Value b;
    if (bias.present())
      b = ctx.weight(bias, false, {dim}, "conv.bias", loc);
    return ctx.b.create<nn::DepthwiseConvOp>(ctx.loc("conv", loc), x, w, b,
                                             causal);
  }
};

std::unique_ptr<SubLayerSpec> readConv(const ReadContext &ctx) {
  const TableView &t = ctx.table;
  auto c = std::make_unique<Conv>();
  SpecLoc loc = t.loc();
  auto size = t.getInt("kernel_size");
  if (!size && t.has("kernel_size"))
    return nullptr;
  if (size)
    c->kernelSize = size->value;
  auto causal = t.getBool("causal");
  if (causal)
    c->causal = causal->value;
  if (!c->causal && c->kernelSize % 2 == 0) {
    SpecLoc at = size ? size->valueLoc : causal->valueLoc;
    ctx.error(at, "kernel_size = " + Twine(c->kernelSize) + " in " +
                      t.where("kernel_size") +
                      " must be odd with causal = false: a centred window "
                      "has as many taps after the token as before it");
    return nullptr;
  }
  auto bias = t.getBool("bias");
  auto blockBias = ctx.block.getBool("bias");
  bool withBias = bias ? bias->value : (blockBias ? blockBias->value : true);
  int64_t dim = ctx.model.dim;
  c->weight = ctx.weight("layer.conv.weight", loc, {dim, 1, c->kernelSize});
  if (withBias)
    c->bias = ctx.weight("layer.conv.bias", loc, {dim});
  return c;
}

} // namespace

void registerConvMixer() {
  registerMixer({"conv",
                 "conv",
                 {{"kernel_size", Kind::Int},
                  {"causal", Kind::Bool},
                  {"bias", Kind::Bool}},
                 {"layer.conv.weight", "layer.conv.bias"},
                 readConv});
}

} // namespace modelc::frontend
