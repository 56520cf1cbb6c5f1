"""Linear attention (the "linear_attention" mixer): kernelized attention phi(Q)(phi(K)^T V) with the
feature maps elu+1 (Katharopoulos et al. 2020), ReLU (SLAB), identity and Hedgehog's learned softmax
maps (Zhang et al. 2024, as the LoLCATs code: [softmax(x W_h) | softmax(-x W_h)], W [heads, head_dim,
f]), applied after RoPE when the model's positions are rotary (as LoLCATs); normalized by the
denominator, not at all, or by a LayerNorm / RMSNorm over the concatenated heads (TransNormer's
NormAttention) or over each head (fla's LinearAttention); SLAB's learned k positions (added before
RoPE and the feature map) and depthwise conv over v. Causal = a prefix sum over tokens, computed here chunk by chunk (the
parallel form); the self-tests check it against the token-by-token recurrence and the masked
quadratic form."""
import math

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import SpecError
from ..ops import linear
from ..registry import Key, Mixer, Slot, mixer
from ..selftest import model_toml, selftest, spec_error

CHUNK = 32  # the oracle's own chunk length (any length gives the same sums)
MAPS = ("elu", "relu", "identity", "hedgehog")
NORMALIZE = ("denominator", "none", "layernorm", "rmsnorm")


def _default_head_dim(p, ctx):
    if ctx.spec.dim % p.heads:
        raise SpecError("[block.linear_attention] dim %d not divisible by heads %d%s; give head_dim"
                        % (ctx.spec.dim, p.heads, ctx.for_layer()))
    return ctx.spec.dim // p.heads


def _default_normalize(p, ctx):
    return "none" if p.feature_map == "identity" else "denominator"


def _default_eps(p, ctx):
    return 1e-5 if p.normalize in ("layernorm", "rmsnorm") else 1e-6


def _hedgehog_init(rng, shape, spec):
    # spread enough that the softmaxes are not uniform
    return rng.standard_normal(shape) / math.sqrt(shape[1]) * 2.0


def _conv_init(rng, shape, spec):
    return rng.standard_normal(shape) / math.sqrt(shape[-1])


def feature_map(kind, x, w=None):
    """phi(x) for x [B, H, S, dk]; w [H, dk, f] for hedgehog (two softmaxes over f)."""
    if kind == "elu":
        return F.elu(x) + 1
    if kind == "relu":
        return F.relu(x)
    if kind == "identity":
        return x
    y = torch.einsum("bhsd,hdf->bhsf", x, w)
    return torch.cat([torch.softmax(y, -1), torch.softmax(-y, -1)], -1)


def causal_chunked(q, k, v, eps=None, chunk=CHUNK):
    """sum_{u<=t} (q_t . k_u) v_u per head, chunk by chunk: the state of each chunk (prefix sum of
    k^T v over the chunks before it) plus the masked scores inside the chunk. q, k [B, H, S, F], v
    [B, H, S, D]. With eps: divided by sum_{u<=t} q_t . k_u + eps."""
    B, H, S, Fd = q.shape
    D = v.shape[-1]
    pad = (-S) % chunk  # always padded (perhaps by 0): an ONNX export must not bake in the branch
    q, k, v = (F.pad(t, (0, 0, 0, pad)) for t in (q, k, v))
    n = (S + pad) // chunk
    qc, kc, vc = (t.reshape(B, H, n, chunk, t.shape[-1]) for t in (q, k, v))
    if eps is not None:  # v with a ones column: the same sums give the denominator
        vc = torch.cat([vc, torch.ones_like(vc[..., :1])], -1)
    kv = torch.matmul(kc.transpose(-1, -2), vc)                    # [B, H, n, F, D(+1)]
    states = torch.cumsum(kv, 2) - kv                               # before each chunk
    mask = torch.tril(torch.ones(chunk, chunk, dtype=torch.bool))
    scores = torch.matmul(qc, kc.transpose(-1, -2)).masked_fill(~mask, 0)
    o = torch.matmul(qc, states) + torch.matmul(scores, vc)
    if eps is not None:
        o = o[..., :D] / (o[..., D:] + eps)
    return o.reshape(B, H, n * chunk, D)[:, :, :S]


def bidirectional(q, k, v, eps=None):
    o = torch.matmul(q, torch.matmul(k.transpose(-1, -2), v))
    if eps is not None:
        o = o / (torch.matmul(q, k.sum(2, keepdim=True).transpose(-1, -2)) + eps)
    return o


def _norm(x, kind, g, b, eps):
    if kind == "layernorm":
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) * (x - mu)).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + eps) * g + b
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * g


def v_conv(v, w, b, causal):
    """SLAB's depthwise conv over each head's v [B, H, S, D] along the sequence: w [D, 1, K] shared
    by the heads, zero padded (causal: K-1 on the left; else K//2 each side, K odd)."""
    B, H, S, D = v.shape
    K = w.shape[-1]
    x = v.reshape(B * H, S, D).transpose(1, 2)
    x = F.pad(x, (K - 1, 0) if causal else (K // 2, K // 2))
    return F.conv1d(x, w, b, groups=D).transpose(1, 2).reshape(B, H, S, D)


@mixer("linear_attention")
class LinearAttention(Mixer):
    """Kernelized attention; docs/spec.md "Linear attention" is the contract."""
    keys = (
        Key("heads", int, min=1),
        Key("head_dim", int, _default_head_dim, min=1),
        Key("feature_map", str, "elu", choices=MAPS),
        Key("feature_dim", int, None, min=1),  # hedgehog: f (default head_dim)
        Key("causal", bool, True),
        Key("normalize", str, _default_normalize, choices=NORMALIZE),
        Key("norm_scope", str, None, choices=("all", "head")),  # default "all"
        Key("eps", float, None),
        Key("scale", float, 1.0),
        Key("bias", bool, lambda p, ctx: ctx.bias),
        Key("k_positions", bool, False),
        Key("v_conv", int, 0, min=0),
    )

    def check(self, ctx):
        p, where = self.p, self.where + ctx.for_layer()
        if p.feature_dim is not None and p.feature_map != "hedgehog":
            raise SpecError("%s feature_dim: only with feature_map = hedgehog" % where)
        if p.feature_dim is None:
            p.feature_dim = p.head_dim
        if p.normalize == "denominator" and p.feature_map == "identity":
            raise SpecError("%s normalize = denominator needs non-negative features (not identity)" % where)
        norm = p.normalize in ("layernorm", "rmsnorm")
        if p.norm_scope is not None and not norm:
            raise SpecError("%s norm_scope: only with normalize = layernorm or rmsnorm" % where)
        if p.norm_scope is None:
            p.norm_scope = "all"
        if p.eps is not None and p.normalize == "none":
            raise SpecError("%s eps: only with normalize = denominator, layernorm or rmsnorm" % where)
        if p.eps is not None and p.eps <= 0:
            raise SpecError("%s eps = %r: must be positive" % (where, p.eps))
        if p.eps is None:
            p.eps = _default_eps(p, ctx)
        if p.scale <= 0:
            raise SpecError("%s scale = %r: must be positive" % (where, p.scale))
        if p.v_conv and p.v_conv % 2 == 0 and not p.causal:
            raise SpecError("%s v_conv = %d: a centred conv needs odd taps" % (where, p.v_conv))
        ctx.spec.position.check_head_dim(p.head_dim, where)

    def slots(self, spec):
        p = self.p
        width = p.heads * p.head_dim
        out = []
        for nm in ("q", "k", "v"):
            out.append(Slot("layer.attn.%s.weight" % nm, (width, spec.dim), "linear"))
            if p.bias:
                out.append(Slot("layer.attn.%s.bias" % nm, (width,), "bias"))
        if p.k_positions:
            out.append(Slot("layer.attn.k_positions", (spec.max_seq, width), "embed"))
        if p.feature_map == "hedgehog":
            for nm in ("q", "k"):
                out.append(Slot("layer.attn.feature_%s.weight" % nm, (p.heads, p.head_dim, p.feature_dim),
                                _hedgehog_init))
        if p.v_conv:
            out.append(Slot("layer.attn.v_conv.weight", (p.head_dim, 1, p.v_conv), _conv_init))
            out.append(Slot("layer.attn.v_conv.bias", (p.head_dim,), "bias"))
        if p.normalize in ("layernorm", "rmsnorm"):
            n = width if p.norm_scope == "all" else p.head_dim
            out.append(Slot("layer.attn.out_norm.weight", (n,), "norm_weight"))
            if p.normalize == "layernorm":
                out.append(Slot("layer.attn.out_norm.bias", (n,), "bias"))
        out.append(Slot("layer.attn.o.weight", (spec.dim, width), "linear"))
        if p.bias:
            out.append(Slot("layer.attn.o.bias", (spec.dim,), "bias"))
        return out

    def forward(self, x, w, env):
        p = self.p
        B, S = x.shape[0], x.shape[1]
        H, hd = p.heads, p.head_dim
        heads = lambda t: t.reshape(B, S, H, hd).transpose(1, 2)  # noqa: E731
        q = linear(x, w, "layer.attn.q")
        k = linear(x, w, "layer.attn.k")
        v = heads(linear(x, w, "layer.attn.v"))
        if p.k_positions:
            k = k + F.embedding(env.pos, w["layer.attn.k_positions"])[None]
        q, k = env.position.rotate(heads(q), env.pos), env.position.rotate(heads(k), env.pos)  # RoPE
        maps = p.feature_map == "hedgehog"
        qf = feature_map(p.feature_map, q, w["layer.attn.feature_q.weight"] if maps else None) * p.scale
        kf = feature_map(p.feature_map, k, w["layer.attn.feature_k.weight"] if maps else None)
        eps = p.eps if p.normalize == "denominator" else None
        o = causal_chunked(qf, kf, v, eps) if p.causal else bidirectional(qf, kf, v, eps)
        norm = p.normalize in ("layernorm", "rmsnorm")
        g = w["layer.attn.out_norm.weight"] if norm else None
        b = w["layer.attn.out_norm.bias"] if p.normalize == "layernorm" else None
        if norm and p.norm_scope == "head":
            o = _norm(o, p.normalize, g, b, p.eps)
        if p.v_conv:
            o = o + v_conv(v, w["layer.attn.v_conv.weight"], w["layer.attn.v_conv.bias"], p.causal)
        o = o.transpose(1, 2).reshape(B, S, H * hd)
        if norm and p.norm_scope == "all":
            o = _norm(o, p.normalize, g, b, p.eps)
        return linear(o, w, "layer.attn.o")


# ------------------------------------------------------------------------------------------------
# self-tests
# ------------------------------------------------------------------------------------------------

def recurrent(q, k, v, eps=None):
    """The naive recurrent form, token by token: S_t = S_{t-1} + k_t v_t^T, z_t = z_{t-1} + k_t,
    o_t = q_t S_t (/ (q_t . z_t + eps))."""
    B, H, T, Fd = q.shape
    out = torch.zeros(B, H, T, v.shape[-1], dtype=q.dtype)
    for b_ in range(B):
        for h in range(H):
            St = torch.zeros(Fd, v.shape[-1], dtype=q.dtype)
            z = torch.zeros(Fd, dtype=q.dtype)
            for t in range(T):
                St = St + torch.outer(k[b_, h, t], v[b_, h, t])
                z = z + k[b_, h, t]
                o = q[b_, h, t] @ St
                out[b_, h, t] = o if eps is None else o / (q[b_, h, t] @ z + eps)
    return out


def quadratic(q, k, v, causal, eps=None):
    """The masked quadratic form: (q k^T * mask) v (/ row sums + eps)."""
    a = q @ k.transpose(-1, -2)
    if causal:
        a = a * torch.tril(torch.ones(a.shape[-2:], dtype=a.dtype))
    o = a @ v
    return o if eps is None else o / (a.sum(-1, keepdim=True) + eps)


@selftest("linear-attention-scan-forms", spec=model_toml() + "[block.attention]\nheads = 2\n",
          params=[{"S": S, "eps": e} for S in (1, 7, CHUNK, CHUNK + 5, 3 * CHUNK - 1) for e in (None, 1e-6)])
def _(case, S, eps):
    # chunked parallel = token-by-token recurrence = masked quadratic form, for lengths below, at and
    # across chunk boundaries
    q, k = F.elu(case.rand(2, 3, S, 5)) + 1, F.elu(case.rand(2, 3, S, 5, seed=1)) + 1
    v = case.rand(2, 3, S, 4, seed=2)
    got = causal_chunked(q, k, v, eps)
    torch.testing.assert_close(got, recurrent(q, k, v, eps), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(got, quadratic(q, k, v, True, eps), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(causal_chunked(q, k, v, eps, chunk=4), got, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(bidirectional(q, k, v, eps), quadratic(q, k, v, False, eps), rtol=1e-10,
                               atol=1e-12)


@selftest("linear-attention-feature-maps", spec=model_toml() + "[block.attention]\nheads = 2\n")
def _(case):
    x = case.rand(1, 2, 3, 4) * 3
    for i, t in np.ndindex(2, 3):
        for d in range(4):
            e = x[0, i, t, d].item()
            assert abs(feature_map("elu", x)[0, i, t, d].item() - (e + 1 if e > 0 else math.exp(e))) < 1e-12
            assert feature_map("relu", x)[0, i, t, d].item() == max(e, 0.0)
    # hedgehog: per head h, y = x W_h (f = 3), then [softmax(y) | softmax(-y)], each over the f features
    W = case.rand(2, 4, 3, seed=3)
    got = feature_map("hedgehog", x, W)
    assert got.shape == (1, 2, 3, 6)
    for h, t in np.ndindex(2, 3):
        y = [sum(x[0, h, t, d].item() * W[h, d, f].item() for d in range(4)) for f in range(3)]
        for sign, off in ((1, 0), (-1, 3)):
            z = sum(math.exp(sign * a) for a in y)
            for f in range(3):
                assert abs(got[0, h, t, off + f].item() - math.exp(sign * y[f]) / z) < 1e-12


@selftest("linear-attention-v-conv", spec=model_toml() + "[block.attention]\nheads = 2\n",
          params=[{"causal": True, "K": 4}, {"causal": False, "K": 3}])
def _(case, causal, K):
    v = case.rand(2, 2, 6, 3)
    w, b = case.rand(3, 1, K, seed=1), case.rand(3, seed=2)
    got = v_conv(v, w, b, causal)
    off = K - 1 if causal else K // 2
    for b_, h, t, d in np.ndindex(2, 2, 6, 3):
        want = b[d].item() + sum(w[d, 0, j].item() * v[b_, h, t + j - off, d].item()
                                 for j in range(K) if 0 <= t + j - off < 6)
        assert abs(got[b_, h, t, d].item() - want) < 1e-12


_MIX = model_toml(vocab=10, dim=12, max_seq=40) + """[embed]
position = "none"
[block]
mixer = "linear_attention"
[block.linear_attention]
heads = 3
head_dim = 5
causal = %s
feature_map = "%s"
%s"""


def naive_mixer(case, x, causal, kind, eps, scale=1.0):
    """The whole mixer with per-token loops: projections, phi, the recurrence (or the full sums),
    the denominator, the output projection."""
    g = lambda n: torch.from_numpy(case.w("layer.attn.%s" % n))  # noqa: E731
    B, S, _ = x.shape
    q, k, v = ((x @ g(n + ".weight").T + g(n + ".bias")).reshape(B, S, 3, 5) for n in ("q", "k", "v"))
    out = torch.zeros(B, S, 3, 5, dtype=x.dtype)
    for b_, h in np.ndindex(B, 3):
        W = (g("feature_q.weight")[h], g("feature_k.weight")[h]) if kind == "hedgehog" else (None, None)
        phi = lambda t, m: feature_map(kind, t[None, None, None], None if m is None else m[None])[0, 0, 0]  # noqa
        qs = [phi(q[b_, t, h], W[0]) * scale for t in range(S)]
        ks = [phi(k[b_, t, h], W[1]) for t in range(S)]
        for t in range(S):
            us = range(t + 1) if causal else range(S)
            o = sum((qs[t] @ ks[u_]) * v[b_, u_, h] for u_ in us)
            if eps is not None:
                o = o / (sum(qs[t] @ ks[u_] for u_ in us) + eps)
            out[b_, t, h] = o
    return out.reshape(B, S, 15) @ g("o.weight").T + g("o.bias")


@selftest("linear-attention-vs-naive-loop",
          spec=lambda causal, kind, extra: _MIX % ("true" if causal else "false", kind, extra),
          params=[{"causal": c, "kind": m, "extra": e} for c in (True, False) for m, e in
                  (("elu", ""), ("relu", "eps = 1e-3\n"), ("identity", ""), ("hedgehog", "feature_dim = 4\nscale = 0.5\n"))],
          seed=2)
def _(case, causal, kind, extra):
    x = case.rand(2, 37, 12)  # 37: not a multiple of the chunk
    p = case.block().p
    eps = p.eps if p.normalize == "denominator" else None
    want = naive_mixer(case, x, causal, kind, eps, p.scale)
    torch.testing.assert_close(case.run("mixer", x), want, rtol=1e-9, atol=1e-10)


@selftest("linear-attention-norms", spec=lambda scope, kind: _MIX % ("true", "elu", 'normalize = "%s"\nnorm_scope = "%s"\n'
                                                                      % (kind, scope)),
          params=[{"scope": s, "kind": k} for s in ("all", "head") for k in ("layernorm", "rmsnorm")])
def _(case, scope, kind):
    # normalize = layernorm/rmsnorm: no denominator, then torch's norm over all heads or each head
    x = case.rand(2, 9, 12)
    g = lambda n: torch.from_numpy(case.w("layer.attn.%s" % n))  # noqa: E731
    B, S = 2, 9
    sh = lambda t: t.reshape(B, S, 3, 5).transpose(1, 2)  # noqa: E731
    q, k, v = (sh(x @ g(n + ".weight").T + g(n + ".bias")) for n in ("q", "k", "v"))
    o = quadratic(F.elu(q) + 1, F.elu(k) + 1, v, True)
    shape = (15,) if scope == "all" else (5,)
    if scope == "all":
        o = o.transpose(1, 2).reshape(B, S, 15)
    if kind == "layernorm":
        o = F.layer_norm(o, shape, g("out_norm.weight"), g("out_norm.bias"), 1e-5)
    else:
        o = o / torch.sqrt((o * o).mean(-1, keepdim=True) + 1e-5) * g("out_norm.weight")
    if scope == "head":
        o = o.transpose(1, 2).reshape(B, S, 15)
    torch.testing.assert_close(case.run("mixer", x), o @ g("o.weight").T + g("o.bias"), rtol=1e-10, atol=1e-12)


@selftest("linear-attention-slab", spec=_MIX % ("false", "relu", "k_positions = true\nv_conv = 3\n"))
def _(case):
    # SLAB: ReLU features of k + position table, the denominator (eps 1e-6), plus dwc(v)
    x = case.rand(1, 8, 12)
    g = lambda n: torch.from_numpy(case.w("layer.attn.%s" % n))  # noqa: E731
    sh = lambda t: t.reshape(1, 8, 3, 5).transpose(1, 2)  # noqa: E731
    q, k, v = (x @ g(n + ".weight").T + g(n + ".bias") for n in ("q", "k", "v"))
    k = k + g("k_positions")[:8]
    o = quadratic(F.relu(sh(q)), F.relu(sh(k)), sh(v), False, 1e-6)
    o = o + v_conv(sh(v), g("v_conv.weight"), g("v_conv.bias"), False)
    want = o.transpose(1, 2).reshape(1, 8, 15) @ g("o.weight").T + g("o.bias")
    torch.testing.assert_close(case.run("mixer", x), want, rtol=1e-10, atol=1e-12)


_ERR = model_toml() + '[block]\nmixer = "linear_attention"\n[block.linear_attention]\nheads = 4\n%s'

spec_error("linear-attention-feature-dim-without-hedgehog", _ERR % "feature_dim = 4\n",
           match="feature_dim: only with feature_map = hedgehog")
spec_error("linear-attention-identity-denominator", _ERR % 'feature_map = "identity"\nnormalize = "denominator"\n',
           match="needs non-negative features")
spec_error("linear-attention-scope-without-norm", _ERR % 'norm_scope = "head"\n', match="norm_scope: only with")
spec_error("linear-attention-eps-without-normalize", _ERR % 'normalize = "none"\neps = 1e-6\n', match="eps: only with")
spec_error("linear-attention-eps-positive", _ERR % "eps = 0.0\n", match="eps = 0.0: must be positive")
spec_error("linear-attention-even-centred-conv", _ERR % "causal = false\nv_conv = 4\n", match="needs odd taps")
spec_error("linear-attention-no-memory-slots", _ERR % "memory_slots = 4\n", match="unknown key.*memory_slots")
spec_error("linear-attention-unknown-map", _ERR % 'feature_map = "gelu"\n', match="feature_map = 'gelu': expected one of")
