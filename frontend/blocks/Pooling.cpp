//===- Pooling.cpp - mixer = "pooling": PoolFormer's pooling mixer --------===//
//
// [block.pooling]: AvgPool(pool_size, stride 1, count_include_pad = False)
// over the sequence, minus the input (nn.pooling). No weights. On an image
// input's patch grid the window is 2-D (PoolFormer's AvgPool2d).
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

class Pooling : public SubLayerSpec {
public:
  int64_t poolSize = 3;
  std::optional<std::pair<int64_t, int64_t>> grid; // [rows, cols]: 2-D

  Value build(BuildContext &ctx, Value x) const override {
    DenseI64ArrayAttr gridAttr;
    if (grid)
      gridAttr = ctx.b.getDenseI64ArrayAttr({grid->first, grid->second});
    return ctx.b.create<nn::PoolingOp>(ctx.loc("pooling", loc), x, poolSize,
                                       gridAttr);
  }
};

std::unique_ptr<SubLayerSpec> readPooling(const ReadContext &ctx) {
  const TableView &t = ctx.table;
  auto p = std::make_unique<Pooling>();
  if (auto size = t.getInt("pool_size")) {
    if (size->value % 2 == 0) {
      ctx.error(size->valueLoc,
                "pool_size = " + Twine(size->value) + " in " +
                    t.where("pool_size") +
                    " must be odd: the window is centred on the token");
      return nullptr;
    }
    p->poolSize = size->value;
  } else if (t.has("pool_size")) {
    return nullptr;
  }
  // An image's tokens are its patch grid: pool the grid neighbours.
  if (const InputSpec *in = ctx.model.input.get(); in && ctx.grid) {
    if (in->prefixTokens() > 0) {
      ctx.error(t.loc(), "pooling on the patch grid needs [embed] cls_token "
                         "= false: a class token has no place on the grid");
      return nullptr;
    }
    p->grid = ctx.grid;
  }
  return p;
}

} // namespace

void registerPoolingMixer() {
  registerMixer(
      {"pooling", "pooling", {{"pool_size", Kind::Int}}, {}, readPooling});
}

} // namespace modelc::frontend
