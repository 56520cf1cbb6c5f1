//===- Conv.cpp - mixer = "conv": depthwise convolution over the sequence -===//
//
// [block.conv]: K taps per channel, causal or centred, with a bias
// (nn.depthwise_conv). The weight is stored as PyTorch's
// Conv1d(dim, dim, K, groups = dim) stores it, [dim, 1, K], so a Conv1d's
// state dict loads as is. On an image input's patch grid the convolution is
// 2-D and centred, K x K taps (ConvNeXt's depthwise 7x7: Conv2d's
// [dim, 1, K, K]).
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
  int64_t dim = 0, kernelSize = 3;
  bool causal = true;
  std::optional<std::pair<int64_t, int64_t>> grid; // [rows, cols]: 2-D
  TensorRef weight, bias;

  Value build(BuildContext &ctx, Value x) const override {
    Value w = ctx.weight(weight, false, weightShape(dim, kernelSize, grid),
                         "conv.weight", loc);
    Value b;
    if (bias.present())
      b = ctx.weight(bias, false, {dim}, "conv.bias", loc);
    DenseI64ArrayAttr gridAttr;
    if (grid)
      gridAttr = ctx.b.getDenseI64ArrayAttr({grid->first, grid->second});
    return ctx.b.create<nn::DepthwiseConvOp>(ctx.loc("conv", loc), x, w, b,
                                             causal, gridAttr);
  }

  /// Conv1d's [dim, 1, K], or Conv2d's [dim, 1, K, K] on the grid.
  static std::vector<int64_t>
  weightShape(int64_t dim, int64_t k,
              const std::optional<std::pair<int64_t, int64_t>> &grid) {
    if (grid)
      return {dim, 1, k, k};
    return {dim, 1, k};
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
  // An image's tokens are its patch grid: a centred 2-D window there.
  if (const InputSpec *in = ctx.model.input.get(); in && ctx.grid) {
    if (in->prefixTokens() > 0) {
      ctx.error(t.loc(), "conv on the patch grid needs [embed] cls_token = "
                         "false: a class token has no place on the grid");
      return nullptr;
    }
    if (causal && causal->value) {
      ctx.error(causal->valueLoc, "causal = true in " + t.where("causal") +
                                      ": a conv on the patch grid is centred");
      return nullptr;
    }
    c->grid = ctx.grid;
    c->causal = false;
  } else if (causal) {
    c->causal = causal->value;
  }
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
  c->dim = ctx.dim;
  c->weight = ctx.weight("layer.conv.weight", loc,
                         Conv::weightShape(c->dim, c->kernelSize, c->grid));
  if (withBias)
    c->bias = ctx.weight("layer.conv.bias", loc, {c->dim});
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
