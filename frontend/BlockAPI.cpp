//===- BlockAPI.cpp - family registries and the build helpers -------------===//
#include "frontend/BlockAPI.h"
#include "frontend/WeightTable.h"

#include "dialect/NNOps.h"

#include <mutex>

using namespace mlir;

namespace modelc::frontend {

//===----------------------------------------------------------------------===//
// Registries
//===----------------------------------------------------------------------===//

namespace {
Families &mutableFamilies() {
  static Families all;
  return all;
}
} // namespace

const Families &families() { return mutableFamilies(); }

void registerMixer(SubLayerFamily f) {
  if (f.table.empty())
    f.table = f.name;
  mutableFamilies().mixers.push_back(std::move(f));
}
void registerChannel(SubLayerFamily f) {
  if (f.table.empty())
    f.table = f.name;
  mutableFamilies().channels.push_back(std::move(f));
}
void registerNorm(NormFamily f) {
  mutableFamilies().norms.push_back(std::move(f));
}
void registerPlacement(PlacementFamily f) {
  mutableFamilies().placements.push_back(std::move(f));
}
void registerDepth(DepthFamily f) {
  mutableFamilies().depths.push_back(std::move(f));
}
void registerPosition(PositionFamily f) {
  mutableFamilies().positions.push_back(std::move(f));
}
void registerInput(InputFamily f) {
  mutableFamilies().inputs.push_back(std::move(f));
}
void registerOutput(OutputFamily f) {
  mutableFamilies().outputs.push_back(std::move(f));
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

void ReadContext::streamAt(int64_t at) {
  StreamShape s = model.input ? model.input->streamAt(at, model.dim)
                              : StreamShape{model.dim, std::nullopt};
  dim = s.dim;
  grid = s.grid;
}

std::optional<ReadContext::Heads> ReadContext::heads() const {
  auto heads = table.getInt("heads");
  if (!heads) {
    if (!table.has("heads"))
      table.missing("heads");
    return std::nullopt;
  }
  Heads h{*heads, 0, heads->valueLoc};
  if (auto hd = table.getInt("head_dim")) {
    h.headDim = hd->value;
    h.headDimLoc = hd->valueLoc;
  } else if (dim > 0) {
    if (dim % heads->value != 0) {
      error(heads->valueLoc, "dim = " + Twine(dim) +
                                 " is not divisible by heads = " +
                                 Twine(heads->value) + "; set head_dim");
      return std::nullopt;
    }
    h.headDim = dim / heads->value;
  }
  return h;
}

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

Value WeightTable::get(const TensorRef &t, bool transposed,
                       ArrayRef<int64_t> shape, Location loc) {
  auto key = std::make_tuple(t.name, transposed,
                             std::vector<int64_t>(shape.begin(), shape.end()));
  auto it = weights.find(key);
  if (it != weights.end())
    return it->second;
  auto type = RankedTensorType::get(shape, wb.getF32Type());
  // Computed now: "after the last weight" moves as compute ops are appended.
  if (lastWeight)
    wb.setInsertionPointAfter(lastWeight);
  auto op = wb.create<nn::WeightOp>(loc, type, t.name, transposed);
  lastWeight = op;
  weights[key] = op;
  return op;
}

Value &BuildContext::carried(StringRef key) {
  return weights.carried[key.str()];
}

std::string BuildContext::instance(StringRef what) const {
  if (!layer)
    return what.str();
  if (iteration)
    return ("layer" + Twine(*layer) + "@" + Twine(iteration) + "." + what)
        .str();
  return ("layer" + Twine(*layer) + "." + what).str();
}

Location BuildContext::loc(StringRef what, SpecLoc at) const {
  MLIRContext *ctx = b.getContext();
  auto file = FileLineColLoc::get(ctx, model.sourcePath, at.line, at.col);
  return NameLoc::get(StringAttr::get(ctx, instance(what)), file);
}

Value BuildContext::weight(const TensorRef &t, bool transposed,
                           ArrayRef<int64_t> shape, StringRef what,
                           SpecLoc use) {
  // A [weights.names] entry is where a wrong name gets fixed: point there.
  return weights.get(t, transposed, shape,
                     loc(what, t.loc.known() ? t.loc : use));
}

Value BuildContext::linear(Value x, const LinearSpec &l, StringRef what,
                           SpecLoc at) {
  for (const auto &d : model.depth)
    if (Value y = d->linear(*this, x, l, what, at))
      return y;
  return plainLinear(x, l, what, at);
}

Value BuildContext::plainLinear(Value x, const LinearSpec &l, StringRef what,
                                SpecLoc at, float scale) {
  auto scaled = [&](Value w) -> Value {
    if (scale == 1.0f)
      return w;
    return b.create<nn::WeightMulScalarOp>(loc(what, at), w.getType(), w,
                                           b.getF32FloatAttr(scale));
  };
  Value w = scaled(weight(l.weight, l.transposed, {l.in, l.out},
                          (what + ".weight").str(), at));
  Value bias;
  if (l.bias.present())
    bias = scaled(weight(l.bias, false, {l.out}, (what + ".bias").str(), at));
  return b.create<nn::LinearOp>(loc(what, at), x, w, bias);
}

Value BuildContext::norm(Value x, const NormSpec &n, StringRef what) {
  return n.family->build(*this, x, n, what);
}

} // namespace modelc::frontend
