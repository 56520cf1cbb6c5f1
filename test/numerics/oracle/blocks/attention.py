"""Softmax attention (the "attention" mixer): multi-head, grouped-query (kv_heads < heads) and
multi-query (kv_heads = 1), causal or bidirectional, with or without biases; positions from the
spec's Position (RoPE rotates q and k)."""
import math

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import SpecError
from ..ops import linear
from ..registry import Key, Mixer, Slot, mixer
from ..selftest import model_toml, selftest, spec_error


def _default_head_dim(p, ctx):
    if ctx.spec.dim % p.heads:
        raise SpecError("[block.attention] dim %d not divisible by heads %d%s; give head_dim"
                        % (ctx.spec.dim, p.heads, ctx.for_layer()))
    return ctx.spec.dim // p.heads


@mixer("attention", default=True)
class Attention(Mixer):
    """softmax(q k^T * head_dim^-0.5 + mask) v per head; query head h uses kv head
    h // (heads / kv_heads); the causal mask hides j > i."""
    keys = (
        Key("heads", int, min=1),
        Key("kv_heads", int, lambda p, ctx: p.heads, min=1),  # < heads: GQA, 1: MQA
        Key("head_dim", int, _default_head_dim, min=1),
        Key("causal", bool, True),
        Key("bias", bool, lambda p, ctx: ctx.bias),  # default: the layer's bias
    )

    def check(self, ctx):
        p = self.p
        if p.heads % p.kv_heads:
            raise SpecError("%s kv_heads %d must divide heads %d%s" % (self.where, p.kv_heads, p.heads, ctx.for_layer()))
        ctx.spec.position.check_head_dim(p.head_dim, self.where + ctx.for_layer())

    def slots(self, spec):
        p = self.p
        out = []
        for nm, rows in (("q", p.heads * p.head_dim), ("k", p.kv_heads * p.head_dim), ("v", p.kv_heads * p.head_dim)):
            out.append(Slot("layer.attn.%s.weight" % nm, (rows, spec.dim), "linear"))
            if p.bias:
                out.append(Slot("layer.attn.%s.bias" % nm, (rows,), "bias"))
        out.append(Slot("layer.attn.o.weight", (spec.dim, p.heads * p.head_dim), "linear"))
        if p.bias:
            out.append(Slot("layer.attn.o.bias", (spec.dim,), "bias"))
        return out

    def forward(self, x, w, env):
        B, S = x.shape[0], x.shape[1]
        H, KV, hd = self.p.heads, self.p.kv_heads, self.p.head_dim
        pos = env.pos
        q = linear(x, w, "layer.attn.q").reshape(B, S, H, hd).transpose(1, 2)
        k = linear(x, w, "layer.attn.k").reshape(B, S, KV, hd).transpose(1, 2)
        v = linear(x, w, "layer.attn.v").reshape(B, S, KV, hd).transpose(1, 2)
        q, k = env.position.rotate(q, pos), env.position.rotate(k, pos)
        if KV != H:  # query head h uses kv head h // (H / KV)
            g = H // KV
            k = k[:, :, None].expand(B, KV, g, S, hd).reshape(B, H, S, hd)
            v = v[:, :, None].expand(B, KV, g, S, hd).reshape(B, H, S, hd)
        s = torch.matmul(q, k.transpose(-1, -2)) * (hd ** -0.5)
        if self.p.causal:
            s = s.masked_fill(pos[None, :] > pos[:, None], float("-inf"))  # hide j > i
        o = torch.matmul(torch.softmax(s, dim=-1), v).transpose(1, 2).reshape(B, S, H * hd)
        return linear(o, w, "layer.attn.o")


# ------------------------------------------------------------------------------------------------
# self-tests
# ------------------------------------------------------------------------------------------------

def naive_attention(x, Wq, bq, Wk, bk, Wv, bv, Wo, bo, H, KV, hd, causal):
    """Per-element loops with an explicit exp-sum softmax."""
    x = x.numpy()
    B, S, _ = x.shape
    q = x @ Wq.T + bq
    k = x @ Wk.T + bk
    v = x @ Wv.T + bv
    out = np.zeros((B, S, H * hd))
    for b_ in range(B):
        for h in range(H):
            kvh = h // (H // KV)
            for i in range(S):
                qi = q[b_, i, h * hd:(h + 1) * hd]
                scores = []
                for j in range(S):
                    if causal and j > i:
                        scores.append(None)
                        continue
                    kj = k[b_, j, kvh * hd:(kvh + 1) * hd]
                    scores.append(sum(qi[t] * kj[t] for t in range(hd)) / math.sqrt(hd))
                mx = max(s for s in scores if s is not None)
                e = [0.0 if s is None else math.exp(s - mx) for s in scores]
                z = sum(e)
                for j in range(S):
                    out[b_, i, h * hd:(h + 1) * hd] += e[j] / z * v[b_, j, kvh * hd:(kvh + 1) * hd]
    return out @ Wo.T + bo


_NAIVE = model_toml(vocab=10, dim=24) + """[embed]
position = "none"
[block.attention]
heads = 4
kv_heads = %d
head_dim = 5
causal = %s
"""  # head_dim != dim / heads on purpose


@selftest("attention-vs-naive-loop", spec=lambda kv, causal: _NAIVE % (kv, "true" if causal else "false"),
          params=[{"kv": 4, "causal": True}, {"kv": 4, "causal": False}, {"kv": 2, "causal": True},
                  {"kv": 1, "causal": True}, {"kv": 1, "causal": False}], seed=1)
def _(case, kv, causal):
    H, hd = 4, 5
    x = case.rand(2, 7, 24)
    got = case.run("mixer", x).numpy()
    g = lambda n: case.w("layer.attn.%s" % n)  # noqa: E731
    want = naive_attention(x, g("q.weight"), g("q.bias"), g("k.weight"), g("k.bias"), g("v.weight"),
                           g("v.bias"), g("o.weight"), g("o.bias"), H, kv, hd, causal)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    if kv != H:
        return
    # and against a softmax over a masked score matrix built with F.softmax, per head
    t = lambda n: torch.from_numpy(g(n))  # noqa: E731
    sh = lambda y: y.reshape(2, 7, H, hd).transpose(1, 2)  # noqa: E731
    q, k, v = (sh(x @ t(n + ".weight").T + t(n + ".bias")) for n in ("q", "k", "v"))
    s = q @ k.transpose(-1, -2) / math.sqrt(hd)
    if causal:
        s = s + torch.triu(torch.full((7, 7), float("-inf"), dtype=torch.float64), 1)
    o = (F.softmax(s, -1) @ v).transpose(1, 2).reshape(2, 7, H * hd)
    np.testing.assert_allclose(got, (o @ t("o.weight").T + t("o.bias")).numpy(), rtol=1e-10, atol=1e-12)


_BASIC = model_toml() + "[block]\nbias = %s\n[block.attention]\nheads = %d\n%s"

spec_error("attention-kv-heads-divide", _BASIC % ("true", 4, "kv_heads = 3\n"), match="kv_heads 3 must divide heads 4")
spec_error("attention-heads-divide-dim", _BASIC % ("true", 5, ""), match="not divisible by heads 5")
spec_error("attention-heads-required", model_toml() + "[block.mlp]\nhidden = 8\n", match="heads is required")
spec_error("attention-unknown-key", _BASIC % ("true", 4, "casual = true\n"), match="unknown key.*casual")
spec_error("attention-heads-type", _BASIC % ("true", 4, "head_dim = 6.0\n"), match="head_dim = 6.0: expected an integer")


@selftest("attention-bias-follows-layer", spec=_BASIC % ("false", 4, ""))
def _(case):
    names = {s.name for s in case.block().slots(case.spec)}
    assert "layer.attn.q.weight" in names and not any(n.endswith(".bias") for n in names)
