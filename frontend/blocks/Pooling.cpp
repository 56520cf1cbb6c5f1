//===- Pooling.cpp - mixer = "pooling": PoolFormer's pooling mixer --------===//
//
// [block.pooling]: AvgPool(pool_size, stride 1, count_include_pad = False)
// over the sequence, minus the input (nn.pooling). No weights.
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

  Value build(BuildContext &ctx, Value x) const override {
    return ctx.b.create<nn::PoolingOp>(ctx.loc("pooling", loc), x, poolSize);
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
  return p;
}

} // namespace

void registerPoolingMixer() {
  registerMixer(
      {"pooling", "pooling", {{"pool_size", Kind::Int}}, {}, readPooling});
}

} // namespace modelc::frontend
