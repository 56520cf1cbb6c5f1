//===- Positions.cpp - [embed] position: learned, rope, none --------------===//
#include "frontend/blocks/Positions.h"
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

/// Where position ops point: the `position` key, else [embed], else vocab.
SpecLoc positionLoc(const ReadContext &ctx) {
  SpecLoc key = ctx.table.keyLoc("position");
  if (key.known())
    return key;
  SpecLoc embed = ctx.table.loc();
  if (embed.known())
    return embed;
  TableView model = ctx.modelTable("model");
  SpecLoc vocab = model.keyLoc("vocab");
  return vocab.known() ? vocab : model.loc();
}

/// A learned [max_seq, dim] table added to the embedding.
class LearnedPositions : public PositionSpec {
public:
  TensorRef table;
  Value addToEmbedding(BuildContext &ctx, Value x) const override {
    const ModelSpec &m = ctx.model;
    Value pos =
        ctx.weight(table, false, {m.maxSeq, m.dim}, "embed.positions", loc);
    return ctx.b.create<nn::AddPositionsOp>(ctx.loc("embed.positions", loc), x,
                                            pos);
  }
};

class NoPositions : public PositionSpec {};

} // namespace

void registerPositions() {
  registerPosition(
      {"learned", {}, {"embed.positions"}, [](const ReadContext &ctx) {
         auto p = std::make_unique<LearnedPositions>();
         p->loc = positionLoc(ctx);
         p->table = ctx.weight("embed.positions", p->loc);
         return p;
       }});
  registerPosition({"rope",
                    {{"rope_theta", Kind::Float},
                     {"rope_style", Kind::String, {"half", "interleaved"}}},
                    {},
                    [](const ReadContext &ctx) {
                      auto p = std::make_unique<RopeSpec>();
                      p->loc = positionLoc(ctx);
                      if (auto v = ctx.table.getFloat("rope_theta"))
                        p->theta = v->value;
                      if (auto v = ctx.table.getString("rope_style"))
                        p->style = v->value == "interleaved"
                                       ? nn::RopeStyle::interleaved
                                       : nn::RopeStyle::half;
                      return p;
                    }});
  registerPosition({"none", {}, {}, [](const ReadContext &ctx) {
                      auto p = std::make_unique<NoPositions>();
                      p->loc = positionLoc(ctx);
                      return p;
                    }});
}

} // namespace modelc::frontend
