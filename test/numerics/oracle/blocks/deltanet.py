"""DeltaNet and Gated DeltaNet (the "deltanet" and "gated_deltanet" mixers), as flash-linear-attention's
DeltaNet and GatedDeltaNet layers compute them (fla/layers/delta_net.py, gated_deltanet.py):

    q, k, v = SiLU(conv(W_q x)), SiLU(conv(W_k x)), SiLU(conv(W_v x))   short causal depthwise conv
    q, k    = l2norm(q) * head_dim^-0.5, l2norm(k)                      x / sqrt(sum x^2 + 1e-6)
    beta    = sigmoid(W_b x)  (* 2 with neg_eigval)
    g       = -exp(A_log) * softplus(W_a x + dt_bias)                   gated only; alpha = exp(g)
    S_t     = alpha_t S_(t-1) + beta_t k_t (v_t - alpha_t S_(t-1)^T k_t)^T,   o_t = S_t^T q_t
    o       = RMSNorm_head(o) * o_norm.weight  (* SiLU(W_g x) with output_gate)
    y       = W_o o

The layer's forward computes the delta rule chunkwise (fla's naive_chunk_gated_delta_rule form: a
triangular solve per chunk, the state carried from chunk to chunk); the naive recurrent form above is
the reference it is tested against."""
import math

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import SpecError
from ..ops import linear
from ..registry import Key, Mixer, Slot, mixer
from ..selftest import model_toml, selftest, spec_error

L2_EPS = 1e-6      # fla's l2norm
MAX_HEAD_DIM = 256  # the compiler's delta_rule kernel unrolls its state update over the key channels
MAX_CHUNK = 256


def l2norm(x):
    return x / torch.sqrt((x * x).sum(-1, keepdim=True) + L2_EPS)


def short_conv(x, weight, bias):
    """Causal depthwise conv over the sequence: x [B, S, C], weight [C, 1, K] (nn.Conv1d, groups=C,
    padding K-1, the first S outputs), as fla's ShortConvolution."""
    C, K = int(weight.shape[0]), int(weight.shape[-1])  # ints, also while an ONNX export traces
    y = F.conv1d(x.transpose(1, 2), weight, bias, padding=K - 1, groups=C)
    return y[..., :x.shape[1]].transpose(1, 2)


def delta_rule_recurrent(q, k, v, beta, g=None):
    """Token by token. q, k [B, S, H, dk] (q scaled), v [B, S, H, dv], beta, g [B, S, H]."""
    B, S, H, dk = q.shape
    state = q.new_zeros(B, H, dk, v.shape[-1])
    out = []
    for t in range(S):
        if g is not None:
            state = state * torch.exp(g[:, t])[..., None, None]
        kt = k[:, t]
        new = beta[:, t, :, None] * (v[:, t] - torch.einsum("bhk,bhkv->bhv", kt, state))
        state = state + kt[..., None] * new[..., None, :]
        out.append(torch.einsum("bhk,bhkv->bhv", q[:, t], state))
    return torch.stack(out, 1)


def delta_rule_chunkwise(q, k, v, beta, g=None, chunk=64):
    """The same in chunks of `chunk` tokens: per chunk T = (I + strict_lower(diag(beta) K K^T .* G))^-1
    by row substitution, U = T diag(beta) V, W = T diag(beta) K .* exp(g); then, chunk after chunk,
    v' = U - W S, o = (Q .* exp(g)) S + lower(Q K^T .* G) v', S = exp(g_C) S + (K .* exp(g_C - g))^T v'
    (g: cumulative log decay in the chunk, G[t, s] = exp(g_t - g_s))."""
    B, S, H, dk = q.shape
    dv = v.shape[-1]
    C = chunk
    pad = (-S) % C  # padded tokens: k = v = 0, beta = 0, no decay
    if g is None:
        g = beta.new_zeros(beta.shape)
    q, k, v = (F.pad(t.transpose(1, 2), (0, 0, 0, pad)) for t in (q, k, v))
    beta, g = (F.pad(t.transpose(1, 2), (0, pad)) for t in (beta, g))
    N = q.shape[2] // C
    q, k, v = (t.reshape(B, H, N, C, -1) for t in (q, k, v))
    beta, g = (t.reshape(B, H, N, C) for t in (beta, g))
    g = g.cumsum(-1)
    lower = torch.tril(torch.ones(C, C, dtype=torch.bool))
    G = torch.exp(g[..., :, None] - g[..., None, :]).masked_fill(~lower, 0)
    kb = k * beta[..., None]
    T = -(kb @ k.transpose(-1, -2) * G).tril(-1)
    for i in range(1, C):
        T[..., i, :i] = T[..., i, :i] + (T[..., i, :i, None] * T[..., :i, :i]).sum(-2)
    T = T + torch.eye(C, dtype=q.dtype)
    U = T @ (v * beta[..., None])
    W = T @ (kb * torch.exp(g)[..., None])
    state = q.new_zeros(B, H, dk, dv)
    out = []
    for n in range(N):
        qn, kn, gn = q[:, :, n], k[:, :, n], g[:, :, n]
        new = U[:, :, n] - W[:, :, n] @ state
        aqk = (qn @ kn.transpose(-1, -2) * G[:, :, n]).tril()
        out.append((qn * torch.exp(gn)[..., None]) @ state + aqk @ new)
        kd = kn * torch.exp(gn[..., -1:] - gn)[..., None]
        state = state * torch.exp(gn[..., -1])[..., None, None] + kd.transpose(-1, -2) @ new
    o = torch.stack(out, 2).reshape(B, H, N * C, dv)[:, :, :S]
    return o.transpose(1, 2)


def _default_head_dim(p, ctx):
    if ctx.spec.dim % p.heads:
        raise SpecError("[block.deltanet] dim %d not divisible by heads %d%s; give head_dim"
                        % (ctx.spec.dim, p.heads, ctx.for_layer()))
    return ctx.spec.dim // p.heads


def _conv_init(rng, shape, spec):
    return rng.standard_normal(shape) / math.sqrt(shape[-1])


def _a_log_init(rng, shape, spec):
    return 0.5 * rng.standard_normal(shape)  # A = exp(A_log) around 1


def _dt_bias_init(rng, shape, spec):
    return -3.0 + 0.5 * rng.standard_normal(shape)  # softplus(dt_bias) around 0.05: a slow decay


def _keys(gated):
    return (
        Key("heads", int, min=1),
        Key("head_dim", int, _default_head_dim, min=1),
        Key("v_head_dim", int, lambda p, ctx: (2 if gated else 1) * p.head_dim, min=1),  # fla's expand_v
        Key("chunk", int, 64, min=1),
        Key("short_conv", bool, True),
        Key("conv_size", int, None, min=1),   # None: 4, when short_conv
        Key("conv_bias", bool, None),         # None: false, when short_conv
        Key("beta", bool, True),
        Key("neg_eigval", bool, False),
        Key("output_gate", bool, gated),
        Key("norm_eps", float, 1e-5),
    )


class _DeltaNet(Mixer):
    gated = False

    def check(self, ctx):
        p, where = self.p, self.where + ctx.for_layer()
        if p.chunk & (p.chunk - 1) or p.chunk > MAX_CHUNK:
            raise SpecError("%s chunk %d must be a power of two <= %d" % (where, p.chunk, MAX_CHUNK))
        if p.head_dim > MAX_HEAD_DIM:
            raise SpecError("%s head_dim %d exceeds %d" % (where, p.head_dim, MAX_HEAD_DIM))
        for key in ("conv_size", "conv_bias"):
            if not p.short_conv and getattr(p, key) is not None:
                raise SpecError("%s %s only applies with short_conv = true" % (where, key))
        if p.conv_size is None:
            p.conv_size = 4
        if p.conv_bias is None:
            p.conv_bias = False

    def slots(self, spec):
        p = self.p
        kw, vw = p.heads * p.head_dim, p.heads * p.v_head_dim
        s = lambda n: "layer.delta." + n  # noqa: E731
        out = []
        for n, width in (("q", kw), ("k", kw), ("v", vw)):
            out.append(Slot(s(n + ".weight"), (width, spec.dim), "linear"))
            if p.short_conv:
                out.append(Slot(s(n + "_conv.weight"), (width, 1, p.conv_size), _conv_init, linear=False))
                if p.conv_bias:
                    out.append(Slot(s(n + "_conv.bias"), (width,), "bias"))
        if p.beta:
            out.append(Slot(s("b.weight"), (p.heads, spec.dim), "linear"))
        if self.gated:
            out.append(Slot(s("a.weight"), (p.heads, spec.dim), "linear"))
            out.append(Slot(s("A_log"), (p.heads,), _a_log_init))
            out.append(Slot(s("dt_bias"), (p.heads,), _dt_bias_init))
        out.append(Slot(s("o_norm.weight"), (p.v_head_dim,), "norm_weight"))
        if p.output_gate:
            out.append(Slot(s("g.weight"), (vw, spec.dim), "linear"))
        out.append(Slot(s("o.weight"), (spec.dim, vw), "linear"))
        return out

    def inputs(self, x, w):
        """q (scaled), k, v [B, S, H, d], beta, g (None without decay) [B, S, H] of the layer."""
        p = self.p
        B, S = x.shape[0], x.shape[1]
        H = p.heads

        def branch(n, d):
            y = linear(x, w, "layer.delta." + n)
            if p.short_conv:
                bias = "layer.delta.%s_conv.bias" % n
                y = short_conv(y, w["layer.delta.%s_conv.weight" % n], w[bias] if bias in w else None)
            return F.silu(y).reshape(B, S, H, d)

        q = l2norm(branch("q", p.head_dim)) * p.head_dim ** -0.5
        k = l2norm(branch("k", p.head_dim))
        v = branch("v", p.v_head_dim)
        beta = torch.sigmoid(linear(x, w, "layer.delta.b")) if p.beta else x.new_ones(B, S, H)
        beta = beta * (2.0 if p.neg_eigval else 1.0)
        g = None
        if self.gated:
            a = linear(x, w, "layer.delta.a")
            g = -torch.exp(w["layer.delta.A_log"]) * F.softplus(a + w["layer.delta.dt_bias"])
        return q, k, v, beta, g

    def output(self, o, x, w):
        """The per-head RMSNorm, the output gate and the output projection of o [B, S, H, dv]."""
        p = self.p
        B, S = x.shape[0], x.shape[1]
        o = o * torch.rsqrt((o * o).mean(-1, keepdim=True) + p.norm_eps) * w["layer.delta.o_norm.weight"]
        o = o.reshape(B, S, p.heads * p.v_head_dim)
        if p.output_gate:
            o = o * F.silu(linear(x, w, "layer.delta.g"))
        return linear(o, w, "layer.delta.o")

    def forward(self, x, w, env):
        q, k, v, beta, g = self.inputs(x, w)
        return self.output(delta_rule_chunkwise(q, k, v, beta, g, self.p.chunk), x, w)


@mixer("deltanet")
class DeltaNet(_DeltaNet):
    """fla's DeltaNet layer: no decay, no output gate by default, v_head_dim = head_dim."""
    keys = _keys(gated=False)


@mixer("gated_deltanet")
class GatedDeltaNet(_DeltaNet):
    """fla's GatedDeltaNet layer: the per-token decay, the output gate by default, v_head_dim = 2 head_dim."""
    gated = True
    keys = _keys(gated=True)


# ------------------------------------------------------------------------------------------------
# self-tests
# ------------------------------------------------------------------------------------------------

def _rand(*shape, seed):
    return torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


@selftest("delta-rule-chunkwise-vs-recurrent", spec=model_toml() + '[block]\nmixer = "deltanet"\n[block.deltanet]\nheads = 2\n',
          params=[{"S": S, "chunk": C, "gated": gd, "beta_max": bm}
                  for S, C in ((1, 4), (7, 4), (37, 16), (64, 16), (33, 1), (20, 64))
                  for gd in (False, True) for bm in (1.0, 2.0)])
def _(case, S, chunk, gated, beta_max):
    B, H, dk, dv = 2, 3, 5, 6
    q = l2norm(_rand(B, S, H, dk, seed=1)) * dk ** -0.5
    k = l2norm(_rand(B, S, H, dk, seed=2))
    v = _rand(B, S, H, dv, seed=3)
    beta = beta_max * torch.sigmoid(_rand(B, S, H, seed=4))
    g = -F.softplus(_rand(B, S, H, seed=5)) if gated else None
    want = delta_rule_recurrent(q, k, v, beta, g)
    got = delta_rule_chunkwise(q, k, v, beta, g, chunk)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-11)


def naive_layer(case, x, gated):
    """The whole layer from the case's weights with per-element loops for the convolution and the
    norms, and the recurrent delta rule."""
    p = case.block().p
    w = lambda n: torch.from_numpy(case.w("layer.delta." + n))  # noqa: E731
    B, S, _ = x.shape
    H, dk, dv = p.heads, p.head_dim, p.v_head_dim

    def branch(n, d):
        y = x @ w(n + ".weight").T
        cw = w(n + "_conv.weight")[:, 0]  # [C, K]
        K = cw.shape[1]
        z = torch.zeros_like(y)
        for s in range(S):
            for j in range(K):
                src = s - (K - 1) + j
                if src >= 0:
                    z[:, s] += cw[:, j] * y[:, src]
        z = z * torch.sigmoid(z)
        return z.reshape(B, S, H, d)

    q, k, v = branch("q", dk), branch("k", dk), branch("v", dv)
    q = q / torch.sqrt((q ** 2).sum(-1, keepdim=True) + 1e-6) / math.sqrt(dk)
    k = k / torch.sqrt((k ** 2).sum(-1, keepdim=True) + 1e-6)
    beta = 1.0 / (1.0 + torch.exp(-(x @ w("b.weight").T)))
    g = None
    if gated:
        a = x @ w("a.weight").T + w("dt_bias")
        g = -torch.exp(w("A_log")) * torch.log1p(torch.exp(a))
    o = delta_rule_recurrent(q, k, v, beta, g)
    o = o / torch.sqrt((o ** 2).mean(-1, keepdim=True) + p.norm_eps) * w("o_norm.weight")
    o = o.reshape(B, S, H * dv)
    if p.output_gate:
        gt = x @ w("g.weight").T
        o = o * gt * torch.sigmoid(gt)
    return o @ w("o.weight").T


_LAYER = model_toml(dim=24) + '[block]\nmixer = "%s"\n[block.%s]\nheads = 3\nchunk = 4\n%s'


@selftest("deltanet-layer-vs-naive", spec=lambda kind, extra: _LAYER % (kind, kind, extra),
          params=[{"kind": "deltanet", "extra": ""}, {"kind": "deltanet", "extra": "output_gate = true\n"},
                  {"kind": "gated_deltanet", "extra": ""}, {"kind": "gated_deltanet", "extra": "v_head_dim = 5\n"}])
def _(case, kind, extra):
    x = case.rand(2, 11, 24)
    got = case.run("mixer", x)
    torch.testing.assert_close(got, naive_layer(case, x, kind == "gated_deltanet"), rtol=1e-10, atol=1e-11)


@selftest("deltanet-options-slots", spec=lambda extra: _LAYER % ("deltanet", "deltanet", extra),
          params=[{"extra": "short_conv = false\nbeta = false\n"}, {"extra": "conv_size = 2\nconv_bias = true\n"},
                  {"extra": "neg_eigval = true\n"}])
def _(case, extra):
    names = {s.name: s.shape for s in case.block().slots(case.spec)}
    p = case.block().p
    if not p.short_conv:
        assert not any("conv" in n for n in names) and "layer.delta.b.weight" not in names
    else:
        assert names["layer.delta.q_conv.weight"] == (24, 1, p.conv_size)
        assert ("layer.delta.q_conv.bias" in names) == p.conv_bias
    x = case.rand(1, 6, 24)
    y = case.run("mixer", x)
    assert y.shape == (1, 6, 24) and torch.isfinite(y).all()
    if p.neg_eigval:  # beta doubled: the state update differs from the plain layer's
        q, k, v, beta, g = case.block().inputs(x, case.module.weights(0))
        assert float(beta.max()) > 1.0


_ERR = model_toml() + '[block]\nmixer = "deltanet"\n[block.deltanet]\nheads = %d\n%s'

spec_error("deltanet-heads-required", model_toml() + '[block]\nmixer = "deltanet"\n[block.deltanet]\nchunk = 16\n',
           match="heads is required")
spec_error("deltanet-heads-divide-dim", _ERR % (5, ""), match="not divisible by heads 5")
spec_error("deltanet-chunk-power-of-two", _ERR % (4, "chunk = 48\n"), match="chunk 48 must be a power of two")
spec_error("deltanet-chunk-too-large", _ERR % (4, "chunk = 512\n"), match="chunk 512 must be a power of two <= 256")
spec_error("deltanet-conv-size-positive", _ERR % (4, "conv_size = 0\n"), match="conv_size = 0: must be >= 1")
spec_error("deltanet-conv-size-without-conv", _ERR % (4, "short_conv = false\nconv_size = 3\n"),
           match="conv_size only applies with short_conv = true")
spec_error("deltanet-conv-bias-without-conv", _ERR % (4, "short_conv = false\nconv_bias = true\n"),
           match="conv_bias only applies with short_conv = true")
spec_error("deltanet-head-dim-limit", _ERR % (1, "head_dim = 512\n"), match="head_dim 512 exceeds 256")
spec_error("deltanet-unknown-key", _ERR % (4, "use_gate = true\n"), match="unknown key.*use_gate")


# flash-linear-attention's state_dict of the same model (DeltaNetForCausalLM / GatedDeltaNetForCausalLM
# layers, hidden 16, 2 heads, GatedMLP 24, untied head), written from fla's module definitions:
# the "fla" scheme must name every tensor exactly so, at fla's shapes.
_FLA_LAYER0 = {"q_proj.weight": (16, 16), "k_proj.weight": (16, 16), "v_proj.weight": (16, 16),
               "b_proj.weight": (2, 16), "q_conv1d.weight": (16, 1, 4), "k_conv1d.weight": (16, 1, 4),
               "v_conv1d.weight": (16, 1, 4), "o_norm.weight": (8,), "o_proj.weight": (16, 16)}
_FLA_LAYER1 = {"q_proj.weight": (16, 16), "k_proj.weight": (16, 16), "v_proj.weight": (32, 16),
               "a_proj.weight": (2, 16), "b_proj.weight": (2, 16), "A_log": (2,), "dt_bias": (2,),
               "q_conv1d.weight": (16, 1, 4), "k_conv1d.weight": (16, 1, 4), "v_conv1d.weight": (32, 1, 4),
               "g_proj.weight": (32, 16), "o_norm.weight": (16,), "o_proj.weight": (16, 32)}


def _fla_state_dict():
    out = {"model.embeddings.weight": (20, 16), "model.norm.weight": (16,), "lm_head.weight": (20, 16)}
    for i, attn in enumerate((_FLA_LAYER0, _FLA_LAYER1)):
        p = "model.layers.%d." % i
        out.update({p + "attn." + k: v for k, v in attn.items()})
        out.update({p + "attn_norm.weight": (16,), p + "mlp_norm.weight": (16,), p + "mlp.gate_proj.weight": (24, 16),
                    p + "mlp.up_proj.weight": (24, 16), p + "mlp.down_proj.weight": (16, 24)})
    return out


_FLA = model_toml(vocab=20, dim=16, layers=2, output="logits") + """[embed]
position = "none"
[block]
norm = "rmsnorm"
mixer = ["deltanet", "gated_deltanet"]
bias = false
[block.deltanet]
heads = 2
[block.gated_deltanet]
heads = 2
[block.mlp]
kind = "glu"
hidden = 24
activation = "silu"
[head]
tied = false
[weights]
scheme = "fla"
"""


@selftest("deltanet-fla-checkpoint-names", spec=_FLA)
def _(case):
    from ..weights import expected_weights
    assert expected_weights(case.spec) == _fla_state_dict()
