//===- Kan.cpp - channel = "kan": KAT's group-rational KAN block ----------===//
//
// The Kolmogorov-Arnold Transformer's channel mixer ([block.kan]):
// fc2(act2(fc1(act1(x)))), each act a group-wise rational (nn.rational) of
// degree 5 over degree 4, as KAT_Group in rational_kat_cu. The leaves of its
// slots are KAT's parameter names, so "layer.kan" = "blocks.{i}.mlp" in a
// scheme names a KAT checkpoint's tensors as they are.
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

// rational_kat_cu's order (5, 4): six numerator and four denominator
// coefficients per group.
constexpr int64_t kNumeratorTerms = 6, kDenominatorTerms = 4;

struct Rational {
  TensorRef numerator, denominator;
};

class Kan : public SubLayerSpec {
public:
  int64_t hidden = 0, groups = 0, numeratorRows = 0;
  Rational act1, act2;
  LinearSpec fc1, fc2;

  Value rational(BuildContext &ctx, Value x, const Rational &r,
                 const std::string &what) const {
    Value a = ctx.weight(r.numerator, false, {numeratorRows, kNumeratorTerms},
                         what + ".weight_numerator", loc);
    Value b = ctx.weight(r.denominator, false, {groups, kDenominatorTerms},
                         what + ".weight_denominator", loc);
    return ctx.b.create<nn::RationalOp>(ctx.loc(what, loc), x, a, b);
  }

  Value build(BuildContext &ctx, Value x) const override {
    Value h =
        ctx.linear(rational(ctx, x, act1, "kan.act1"), fc1, "kan.fc1", loc);
    return ctx.linear(rational(ctx, h, act2, "kan.act2"), fc2, "kan.fc2", loc);
  }
};

std::unique_ptr<SubLayerSpec> readKan(const ReadContext &ctx) {
  const TableView &t = ctx.table;
  auto k = std::make_unique<Kan>();
  SpecLoc loc = t.loc();
  bool ok = true;
  int64_t dim = ctx.dim;
  k->hidden = t.getSize("hidden", 4 * dim, ok); // KAT: mlp_ratio 4
  k->groups = t.getSize("groups", 8, ok);       // KAT_Group's num_groups
  if (!ok)
    return nullptr;
  if (dim % k->groups != 0 || k->hidden % k->groups != 0) {
    ctx.error(t.has("groups") ? t.keyLoc("groups") : loc,
              "groups = " + Twine(k->groups) + " in " + t.where("groups") +
                  " must divide both dim = " + Twine(dim) +
                  " (act1's channels) and hidden = " + Twine(k->hidden) +
                  " (act2's)");
    return nullptr;
  }
  auto numerator = t.getString("numerator");
  bool perGroup = numerator && numerator->value == "per_group";
  k->numeratorRows = perGroup ? k->groups : 1;
  auto act = [&](const char *base) {
    std::string b = std::string("layer.kan.") + base;
    return Rational{ctx.weight(b + ".weight_numerator", loc,
                               {k->numeratorRows, kNumeratorTerms}),
                    ctx.weight(b + ".weight_denominator", loc,
                               {k->groups, kDenominatorTerms})};
  };
  auto bias = t.getBool("bias");
  auto blockBias = ctx.block.getBool("bias");
  bool withBias = bias ? bias->value : (blockBias ? blockBias->value : true);
  k->act1 = act("act1");
  k->fc1 = ctx.linear("layer.kan.fc1", dim, k->hidden, withBias, loc);
  k->act2 = act("act2");
  k->fc2 = ctx.linear("layer.kan.fc2", k->hidden, dim, withBias, loc);
  return k;
}

} // namespace

void registerKanChannel() {
  std::vector<std::string> slots;
  for (const char *act : {"act1", "act2"})
    for (const char *leaf : {"weight_numerator", "weight_denominator"})
      slots.push_back(std::string("layer.kan.") + act + "." + leaf);
  for (const char *fc : {"fc1", "fc2"})
    for (const char *leaf : {"weight", "bias"})
      slots.push_back(std::string("layer.kan.") + fc + "." + leaf);
  registerChannel({"kan",
                   "kan",
                   {{"hidden", Kind::Int},
                    {"groups", Kind::Int},
                    {"numerator", Kind::String, {"shared", "per_group"}},
                    {"bias", Kind::Bool}},
                   slots,
                   readKan});
}

} // namespace modelc::frontend
