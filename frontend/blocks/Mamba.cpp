//===- Mamba.cpp - mixer = "mamba": the selective SSM block ---------------===//
//
// mamba_ssm's Mamba / Hugging Face's MambaMixer ([block.mamba]):
// in_proj -> (x, z); nn.selective_scan on x (causal conv + SiLU, x_proj,
// dt_proj + softplus, the scan, D); y * silu(z); out_proj. The defaults are
// Hugging Face MambaConfig's.
//
//===----------------------------------------------------------------------===//
#include "frontend/BlockAPI.h"
#include "frontend/blocks/Families.h"

#include "dialect/NNOps.h"

using namespace mlir;

namespace modelc::frontend {

namespace {

// The scan kernel unrolls the state and conv-tap loops: these bounds keep
// its code size sane (Mamba uses 16 states and 4 taps; 128 states compile
// in ~10 s).
constexpr int64_t kMaxState = 256, kMaxTaps = 256;

class Mamba : public SubLayerSpec {
public:
  int64_t inner = 0, dState = 0, dConv = 0, dtRank = 0;
  LinearSpec inProj, xProj, dtProj, outProj;
  TensorRef convWeight, convBias, aLog, d;

  Value build(BuildContext &ctx, Value x) const override {
    Value xz = ctx.linear(x, inProj, "mamba.in_proj", loc);
    Value xs = ctx.b.create<nn::SliceOp>(ctx.loc("mamba.x", loc), xz, 0, inner);
    Value zs =
        ctx.b.create<nn::SliceOp>(ctx.loc("mamba.z", loc), xz, inner, inner);
    auto weight = [&](const LinearSpec &l, const char *what) {
      return ctx.weight(l.weight, l.transposed, {l.in, l.out},
                        (Twine(what) + ".weight").str(), loc);
    };
    auto vector = [&](const TensorRef &t, const char *what) {
      return ctx.weight(t, false, {inner}, what, loc);
    };
    Value cw = ctx.weight(convWeight, false, {inner, 1, dConv},
                          "mamba.conv1d.weight", loc);
    Value cb =
        convBias.present() ? vector(convBias, "mamba.conv1d.bias") : Value();
    Value y = ctx.b.create<nn::SelectiveScanOp>(
        ctx.loc("mamba.scan", loc), xs, cw, cb, weight(xProj, "mamba.x_proj"),
        weight(dtProj, "mamba.dt_proj"),
        vector(dtProj.bias, "mamba.dt_proj.bias"),
        ctx.weight(aLog, false, {inner, dState}, "mamba.A_log", loc),
        vector(d, "mamba.D"));
    Value gate = ctx.b.create<nn::ActivationOp>(ctx.loc("mamba.gate_act", loc),
                                                nn::Activation::silu, zs);
    Value gated = ctx.b.create<nn::MulOp>(ctx.loc("mamba.gate", loc), y, gate);
    return ctx.linear(gated, outProj, "mamba.out_proj", loc);
  }
};

std::unique_ptr<SubLayerSpec> readMamba(const ReadContext &ctx) {
  const TableView &t = ctx.table;
  auto m = std::make_unique<Mamba>();
  SpecLoc loc = t.loc();
  bool ok = true;
  int64_t dim = ctx.dim;
  m->dState = t.getSize("d_state", 16, ok);
  m->dConv = t.getSize("d_conv", 4, ok);
  int64_t expand = t.getSize("expand", 2, ok);
  m->dtRank = t.getSize("dt_rank", (dim + 15) / 16, ok); // HF "auto"
  if (!ok)
    return nullptr;
  if (dim > 0 && expand > kMaxSize / dim) {
    ctx.error(t.keyLoc("expand"),
              "expand = " + Twine(expand) + " in " + t.where("expand") +
                  ": the inner width expand * dim = " + Twine(expand * dim) +
                  " exceeds 2^31 - 1");
    return nullptr;
  }
  m->inner = expand * dim;
  if (m->dtRank > m->inner) {
    ctx.error(t.has("dt_rank") ? t.keyLoc("dt_rank") : loc,
              "dt_rank = " + Twine(m->dtRank) + " in " + t.where("dt_rank") +
                  " exceeds the inner width expand * dim = " + Twine(m->inner));
    return nullptr;
  }
  auto convBias = t.getBool("conv_bias");
  auto bias = t.getBool("bias");
  bool withBias = bias && bias->value; // HF use_bias = False
  int64_t I = m->inner, N = m->dState, R = m->dtRank, K = m->dConv;
  m->inProj = ctx.linear("layer.mamba.in_proj", dim, 2 * I, withBias, loc);
  m->convWeight = ctx.weight("layer.mamba.conv1d.weight", loc, {I, 1, K});
  if (!convBias || convBias->value)
    m->convBias = ctx.weight("layer.mamba.conv1d.bias", loc, {I});
  m->xProj = ctx.linear("layer.mamba.x_proj", I, R + 2 * N, false, loc);
  m->dtProj = ctx.linear("layer.mamba.dt_proj", R, I, true, loc);
  m->aLog = ctx.weight("layer.mamba.A_log", loc, {I, N});
  m->d = ctx.weight("layer.mamba.D", loc, {I});
  m->outProj = ctx.linear("layer.mamba.out_proj", I, dim, withBias, loc);
  // The kernel's scan buffer, I x (N + max_seq) floats, needs no check of
  // its own: in_proj's output (2I x max_seq) is larger when N <= max_seq,
  // the x_proj weight ((R + 2N) x I) when N > max_seq.
  return m;
}

} // namespace

void registerMambaMixer() {
  std::vector<std::string> slots = {"layer.mamba.x_proj.weight",
                                    "layer.mamba.A_log", "layer.mamba.D"};
  for (const char *p : {"in_proj", "conv1d", "dt_proj", "out_proj"})
    for (const char *leaf : {"weight", "bias"})
      slots.push_back(std::string("layer.mamba.") + p + "." + leaf);
  registerMixer({"mamba",
                 "mamba",
                 {{"d_state", Kind::Int, {}, 1, kMaxState},
                  {"d_conv", Kind::Int, {}, 1, kMaxTaps},
                  {"expand", Kind::Int},
                  {"dt_rank", Kind::Int},
                  {"conv_bias", Kind::Bool},
                  {"bias", Kind::Bool}},
                 slots,
                 readMamba});
}

} // namespace modelc::frontend
