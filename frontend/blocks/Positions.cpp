//===- Positions.cpp - [embed] position: the position schemes --------===//
#include "frontend/blocks/Positions.h"
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

#include <cmath>

using namespace mlir;

namespace modelc::frontend {

Value RopeSpec::rotate(BuildContext &ctx, Value x, int64_t heads,
                       llvm::StringRef name) const {
  APFloat theta(static_cast<float>(this->theta));
  IntegerAttr rotary;
  if (rotaryDim)
    rotary = ctx.b.getI64IntegerAttr(rotaryDim->value);
  return ctx.b.create<nn::RopeOp>(ctx.loc(name, loc), style, x, heads, theta,
                                  rotary);
}

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

/// Fixed sines and cosines added to the embedding, computed in its kernel.
class SinusoidalPositions : public PositionSpec {
public:
  nn::SinusoidalLayout layout = nn::SinusoidalLayout::interleaved;
  Value addToEmbedding(BuildContext &ctx, Value x) const override {
    return ctx.b.create<nn::AddSinusoidalOp>(ctx.loc("embed.positions", loc),
                                             layout, x);
  }
};

class NoPositions : public PositionSpec {};

std::unique_ptr<PositionSpec> readSinusoidal(const ReadContext &ctx) {
  auto p = std::make_unique<SinusoidalPositions>();
  p->loc = positionLoc(ctx);
  if (auto v = ctx.table.getString("sinusoidal_layout"))
    p->layout = v->value == "concat" ? nn::SinusoidalLayout::concat
                                     : nn::SinusoidalLayout::interleaved;
  if (ctx.model.dim % 2 != 0)
    ctx.error(p->loc, "position = \"sinusoidal\" needs an even dim, got " +
                          Twine(ctx.model.dim));
  return p;
}

std::unique_ptr<PositionSpec> readRope(const ReadContext &ctx) {
  auto p = std::make_unique<RopeSpec>();
  p->loc = positionLoc(ctx);
  if (auto v = ctx.table.getFloat("rope_theta"))
    p->theta = v->value;
  if (auto v = ctx.table.getString("rope_style"))
    p->style = v->value == "interleaved" ? nn::RopeStyle::interleaved
                                         : nn::RopeStyle::half;
  p->rotaryDim = ctx.table.getInt("rope_dim");
  if (p->rotaryDim && p->rotaryDim->value % 2 != 0)
    ctx.error(p->rotaryDim->valueLoc,
              "rope_dim must be even, got " + Twine(p->rotaryDim->value));
  return p;
}

} // namespace

/// The slopes of the paper's code (get_slopes): a geometric sequence from
/// 2^(-8/n) for n a power of two; otherwise the n' = 2^floor(log2 n) slopes
/// of n' heads followed by every other slope of 2n' heads.
std::vector<float> AlibiSpec::slopes(int64_t heads) {
  auto powerOfTwo = [](int64_t n) {
    std::vector<double> r;
    double start = std::pow(2.0, -8.0 / (double)n);
    for (int64_t i = 0; i < n; ++i)
      r.push_back(std::pow(start, (double)(i + 1)));
    return r;
  };
  int64_t n = 1;
  while (n * 2 <= heads)
    n *= 2;
  std::vector<double> s = powerOfTwo(n);
  std::vector<double> twice = powerOfTwo(2 * n);
  for (int64_t i = 0; (int64_t)s.size() < heads; i += 2)
    s.push_back(twice[i]);
  return std::vector<float>(s.begin(), s.end());
}

void registerPositions() {
  registerPosition(
      {"learned", {}, {"embed.positions"}, [](const ReadContext &ctx) {
         auto p = std::make_unique<LearnedPositions>();
         p->loc = positionLoc(ctx);
         p->table = ctx.weight("embed.positions", p->loc);
         return p;
       }});
  registerPosition(
      {"sinusoidal",
       {{"sinusoidal_layout", Kind::String, {"interleaved", "concat"}}},
       {},
       readSinusoidal});
  registerPosition({"rope",
                    {{"rope_theta", Kind::Float},
                     {"rope_style", Kind::String, {"half", "interleaved"}},
                     {"rope_dim", Kind::Int}},
                    {},
                    readRope});
  registerPosition({"alibi", {}, {}, [](const ReadContext &ctx) {
                      auto p = std::make_unique<AlibiSpec>();
                      p->loc = positionLoc(ctx);
                      return p;
                    }});
  registerPosition({"none", {}, {}, [](const ReadContext &ctx) {
                      auto p = std::make_unique<NoPositions>();
                      p->loc = positionLoc(ctx);
                      return p;
                    }});
}

} // namespace modelc::frontend
