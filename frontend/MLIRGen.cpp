//===- MLIRGen.cpp - ModelSpec -> nn IR -----------------------------------===//
//
// A straight walk over the resolved spec (Toy Ch2 style). Result types come
// from the ops' type inference; the only types spelled here are the inputs',
// the output's and the weights'. Weights are created lazily, once per
// (name, transposed, shape), at the top of @forward.
//
//===----------------------------------------------------------------------===//
#include "frontend/MLIRGen.h"

#include "dialect/NNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <map>
#include <tuple>

using namespace mlir;

namespace modelc::frontend {
namespace {

class Generator {
public:
  Generator(const ModelSpec &spec, MLIRContext &ctx)
      : spec(spec), ctx(ctx), b(&ctx), wb(&ctx) {}

  OwningOpRef<ModuleOp> build();

private:
  Location loc(const Twine &name, SpecLoc at) {
    auto file = FileLineColLoc::get(&ctx, spec.sourcePath, at.line, at.col);
    return NameLoc::get(StringAttr::get(&ctx, name), file);
  }
  std::string layerName(int64_t i, StringRef what) {
    return ("layer" + Twine(i) + "." + what).str();
  }

  Value weight(const TensorRef &t, bool transposed, ArrayRef<int64_t> shape,
               const Twine &slot, SpecLoc useLoc);
  Value linear(Value x, const LinearSpec &l, const std::string &name,
               SpecLoc at);
  Value norm(Value x, const NormSpec &n, const std::string &name);
  Value embedding(Value tokens, Value tokenTypes);
  Value attention(Value x, const LayerSpec &layer, int64_t i);
  Value mlp(Value x, const LayerSpec &layer, int64_t i);
  Value block(Value x, const LayerSpec &layer, int64_t i);

  const ModelSpec &spec;
  MLIRContext &ctx;
  OpBuilder b;  // compute ops, appended
  OpBuilder wb; // weights, kept at the top of the body
  Operation *lastWeight = nullptr;
  std::map<std::tuple<std::string, bool, std::vector<int64_t>>, Value> weights;
};

Value Generator::weight(const TensorRef &t, bool transposed,
                        ArrayRef<int64_t> shape, const Twine &slot,
                        SpecLoc useLoc) {
  auto key = std::make_tuple(t.name, transposed,
                             std::vector<int64_t>(shape.begin(), shape.end()));
  auto it = weights.find(key);
  if (it != weights.end())
    return it->second;
  // A [weights.names] entry is where a wrong name gets fixed: point there.
  Location l = loc(slot, t.loc.known() ? t.loc : useLoc);
  auto type = RankedTensorType::get(shape, b.getF32Type());
  // Computed now: "after the last weight" moves as compute ops are appended.
  if (lastWeight)
    wb.setInsertionPointAfter(lastWeight);
  auto op = wb.create<nn::WeightOp>(l, type, t.name, transposed);
  lastWeight = op;
  weights[key] = op;
  return op;
}

Value Generator::linear(Value x, const LinearSpec &l, const std::string &name,
                        SpecLoc at) {
  Value w = weight(l.weight, l.transposed, {l.in, l.out}, name + ".weight", at);
  Value bias;
  if (l.bias.present())
    bias = weight(l.bias, false, {l.out}, name + ".bias", at);
  return b.create<nn::LinearOp>(loc(name, at), x, w, bias);
}

Value Generator::norm(Value x, const NormSpec &n, const std::string &name) {
  Value gamma = weight(n.weight, false, {spec.dim}, name + ".weight", n.loc);
  APFloat eps(static_cast<float>(n.eps));
  if (n.kind == NormKind::RMSNorm)
    return b.create<nn::RMSNormOp>(loc(name, n.loc), x, gamma, eps);
  Value beta = weight(n.bias, false, {spec.dim}, name + ".bias", n.loc);
  return b.create<nn::LayerNormOp>(loc(name, n.loc), x, gamma, beta, eps);
}

Value Generator::embedding(Value tokens, Value tokenTypes) {
  const EmbedSpec &e = spec.embed;
  Value table = weight(e.tokens, false, {spec.vocab, spec.dim}, "embed.tokens",
                       e.tokensLoc);
  Value x = b.create<nn::EmbeddingOp>(loc("embed.tokens", e.tokensLoc), table,
                                      tokens);
  if (e.position == PositionKind::Learned) {
    Value pos = weight(e.positions, false, {spec.maxSeq, spec.dim},
                       "embed.positions", e.positionsLoc);
    x = b.create<nn::AddPositionsOp>(loc("embed.positions", e.positionsLoc), x,
                                     pos);
  }
  if (tokenTypes) {
    Value tt = weight(e.tokenTypeTable, false, {e.tokenTypes, spec.dim},
                      "embed.token_types", e.tokenTypesLoc);
    Value rows = b.create<nn::EmbeddingOp>(
        loc("embed.token_types", e.tokenTypesLoc), tt, tokenTypes);
    x = b.create<nn::AddOp>(loc("embed.add_token_types", e.tokenTypesLoc), x,
                            rows);
  }
  if (e.hasNorm)
    x = norm(x, e.norm, "embed.norm");
  return x;
}

Value Generator::attention(Value x, const LayerSpec &layer, int64_t i) {
  const AttentionSpec &a = layer.attn;
  int64_t qw = a.heads * a.headDim, kvw = a.kvHeads * a.headDim;
  Value q, k, v;
  if (a.fusedQkv) {
    Value qkv = linear(x, a.qkv, layerName(i, "attn.qkv"), a.loc);
    q = b.create<nn::SliceOp>(loc(layerName(i, "attn.q"), a.loc), qkv, 0, qw);
    k = b.create<nn::SliceOp>(loc(layerName(i, "attn.k"), a.loc), qkv, qw, kvw);
    v = b.create<nn::SliceOp>(loc(layerName(i, "attn.v"), a.loc), qkv, qw + kvw,
                              kvw);
  } else {
    q = linear(x, a.q, layerName(i, "attn.q"), a.loc);
    k = linear(x, a.k, layerName(i, "attn.k"), a.loc);
    v = linear(x, a.v, layerName(i, "attn.v"), a.loc);
  }
  const EmbedSpec &e = spec.embed;
  if (e.position == PositionKind::Rope) {
    APFloat theta(static_cast<float>(e.ropeTheta));
    q = b.create<nn::RopeOp>(loc(layerName(i, "attn.rope_q"), e.ropeLoc),
                             e.ropeStyle, q, a.heads, theta);
    k = b.create<nn::RopeOp>(loc(layerName(i, "attn.rope_k"), e.ropeLoc),
                             e.ropeStyle, k, a.kvHeads, theta);
  }
  APFloat scale(static_cast<float>(1.0 / std::sqrt(double(a.headDim))));
  Value o = b.create<nn::AttentionOp>(loc(layerName(i, "attn"), a.loc), q, k, v,
                                      a.heads, a.kvHeads, a.causal, scale);
  return linear(o, a.o, layerName(i, "attn.o"), a.loc);
}

Value Generator::mlp(Value x, const LayerSpec &layer, int64_t i) {
  const MlpSpec &m = layer.mlp;
  Value up = linear(x, m.up, layerName(i, "mlp.up"), m.loc);
  Value h;
  if (m.kind == MlpKind::Glu) {
    Value gate = linear(x, m.gate, layerName(i, "mlp.gate"), m.loc);
    Value act = b.create<nn::ActivationOp>(loc(layerName(i, "mlp.act"), m.loc),
                                           m.activation, gate);
    h = b.create<nn::MulOp>(loc(layerName(i, "mlp.glu"), m.loc), act, up);
  } else {
    h = b.create<nn::ActivationOp>(loc(layerName(i, "mlp.act"), m.loc),
                                   m.activation, up);
  }
  return linear(h, m.down, layerName(i, "mlp.down"), m.loc);
}

Value Generator::block(Value x, const LayerSpec &layer, int64_t i) {
  Location attnRes = loc(layerName(i, "attn.residual"), layer.attn.loc);
  Location mlpRes = loc(layerName(i, "mlp.residual"), layer.mlp.loc);
  std::string n1 = layerName(i, "attn_norm"), n2 = layerName(i, "mlp_norm");
  if (layer.placement == Placement::Pre) {
    Value h = b.create<nn::AddOp>(
        attnRes, x, attention(norm(x, layer.attnNorm, n1), layer, i));
    return b.create<nn::AddOp>(mlpRes, h,
                               mlp(norm(h, layer.mlpNorm, n2), layer, i));
  }
  Value h = norm(b.create<nn::AddOp>(attnRes, x, attention(x, layer, i)),
                 layer.attnNorm, n1);
  return norm(b.create<nn::AddOp>(mlpRes, h, mlp(h, layer, i)), layer.mlpNorm,
              n2);
}

OwningOpRef<ModuleOp> Generator::build() {
  ctx.getOrLoadDialect<nn::NNDialect>();
  ctx.getOrLoadDialect<func::FuncDialect>();
  Location fileLoc = FileLineColLoc::get(&ctx, spec.sourcePath, 1, 1);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  using D = nn::NNDialect;
  (*module)->setAttr(D::ModelNameAttrHelper::getNameStr(),
                     b.getStringAttr(spec.name));
  (*module)->setAttr(D::MaxSeqAttrHelper::getNameStr(),
                     b.getI64IntegerAttr(spec.maxSeq));

  int64_t dyn = ShapedType::kDynamic;
  auto ids = RankedTensorType::get({dyn, dyn}, b.getI32Type());
  SmallVector<Type> inputs{ids};
  if (spec.embed.tokenTypes > 0)
    inputs.push_back(ids);
  auto result =
      RankedTensorType::get({dyn, dyn, spec.outputChannels()}, b.getF32Type());
  auto func = func::FuncOp::create(loc("forward", {1, 1}), "forward",
                                   b.getFunctionType(inputs, result));
  module->push_back(func);
  auto name = [&](unsigned arg, StringRef n, int64_t limit) {
    func.setArgAttr(arg, D::TensorNameAttrHelper::getNameStr(),
                    b.getStringAttr(n));
    func.setArgAttr(arg, D::IdLimitAttrHelper::getNameStr(),
                    b.getI64IntegerAttr(limit));
  };
  name(0, "tokens", spec.vocab);
  if (spec.embed.tokenTypes > 0)
    name(1, "token_types", spec.embed.tokenTypes);
  func.setResultAttr(0, D::TensorNameAttrHelper::getNameStr(),
                     b.getStringAttr(spec.outputName));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToEnd(body);
  wb.setInsertionPointToStart(body);

  Value x =
      embedding(body->getArgument(0),
                spec.embed.tokenTypes > 0 ? body->getArgument(1) : Value());
  for (auto [i, layer] : llvm::enumerate(spec.layers))
    x = block(x, layer, i);
  if (spec.finalNorm)
    x = norm(x, spec.finalNormSpec, "final_norm");
  if (spec.outputName == "logits") {
    const HeadSpec &h = spec.head;
    // Tied: the token table, seen as [dim, vocab].
    const TensorRef &table = h.tied ? spec.embed.tokens : h.weight;
    Value w = weight(table, true, {spec.dim, spec.vocab}, "head.weight", h.loc);
    Value bias;
    if (h.bias.present())
      bias = weight(h.bias, false, {spec.vocab}, "head.bias", h.loc);
    x = b.create<nn::LinearOp>(loc("head", h.loc), x, w, bias);
  }
  b.create<func::ReturnOp>(
      loc("output", spec.outputLoc.known() ? spec.outputLoc : SpecLoc{1, 1}),
      x);
  return module;
}

} // namespace

OwningOpRef<ModuleOp> buildModule(const ModelSpec &spec, MLIRContext &ctx) {
  return Generator(spec, ctx).build();
}

} // namespace modelc::frontend
