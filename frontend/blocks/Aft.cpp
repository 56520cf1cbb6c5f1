//===- Aft.cpp - mixer = "aft": the attention-free transformer -----------===//
//
// AFT-simple ([block.aft]): q, k, v projections to `hidden` channels, the
// nn.aft mixer (causal or over the whole sequence), and the output
// projection back to dim. The slots carry the attribute names of the
// reference AFTSimple (aft-pytorch: to_q, to_k, to_v, project), so its
// state dict loads under any prefix.
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

class Aft : public SubLayerSpec {
public:
  bool causal = true;
  LinearSpec q, k, v, o;

  Value build(BuildContext &ctx, Value x) const override {
    Value qv = ctx.linear(x, q, "aft.to_q", loc);
    Value kv = ctx.linear(x, k, "aft.to_k", loc);
    Value vv = ctx.linear(x, v, "aft.to_v", loc);
    Value y = ctx.b.create<nn::AftOp>(ctx.loc("aft", loc), qv, kv, vv, causal);
    return ctx.linear(y, o, "aft.project", loc);
  }
};

std::unique_ptr<SubLayerSpec> readAft(const ReadContext &ctx) {
  const TableView &t = ctx.table;
  auto a = std::make_unique<Aft>();
  SpecLoc loc = t.loc();
  int64_t dim = ctx.dim;
  auto hidden = t.getInt("hidden");
  if (!hidden && t.has("hidden"))
    return nullptr;
  int64_t h = hidden ? hidden->value : dim;
  if (auto c = t.getBool("causal"))
    a->causal = c->value;
  auto bias = t.getBool("bias");
  auto blockBias = ctx.block.getBool("bias");
  bool withBias = bias ? bias->value : (blockBias ? blockBias->value : true);
  a->q = ctx.linear("layer.aft.to_q", dim, h, withBias, loc);
  a->k = ctx.linear("layer.aft.to_k", dim, h, withBias, loc);
  a->v = ctx.linear("layer.aft.to_v", dim, h, withBias, loc);
  a->o = ctx.linear("layer.aft.project", h, dim, withBias, loc);
  return a;
}

} // namespace

void registerAftMixer() {
  std::vector<std::string> slots;
  for (const char *p : {"to_q", "to_k", "to_v", "project"})
    for (const char *leaf : {"weight", "bias"})
      slots.push_back(std::string("layer.aft.") + p + "." + leaf);
  registerMixer(
      {"aft",
       "aft",
       {{"hidden", Kind::Int}, {"causal", Kind::Bool}, {"bias", Kind::Bool}},
       slots,
       readAft});
}

} // namespace modelc::frontend
