"""Softmax attention (the "attention" mixer): multi-head, grouped-query (kv_heads < heads) and
multi-query (kv_heads = 1), causal or bidirectional, with or without biases; positions from the
spec's Position (RoPE rotates q and k); on an image's patch grid, Swin's (shifted) windows (Liu et
al. 2021, "Swin Transformer")."""
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


SOFTMAXES = ("softmax", "clipped", "power")
FIRST_VALUE = "attention.v1"  # env.state: the value of the model's first attention layer (ResFormer)


def _swin_windows(rows, cols, M, s):
    """Per token (row by row), on the grid cyclically shifted by (-s, -s) as Swin shifts it
    (torch.roll): its window (window_partition's order), its position inside the window, and its
    region label (Swin's img_mask: the slices (0, -M), (-M, -s), (-s, None) of each side when
    s > 0, which split the windows wrapped around the edges). The reverse roll by (s, s) gives
    each token its shifted position."""
    label = torch.zeros(rows, cols, dtype=torch.long)
    if s:
        cuts = (slice(0, -M), slice(-M, -s), slice(-s, None))
        for n, (h, w) in enumerate((h, w) for h in cuts for w in cuts):
            label[h, w] = n
    r, c = torch.meshgrid(torch.arange(rows), torch.arange(cols), indexing="ij")
    window = (r // M) * (cols // M) + c // M
    inside = (r % M) * M + c % M
    shifted = torch.roll(torch.arange(rows * cols).reshape(rows, cols), shifts=(s, s), dims=(0, 1)).flatten()
    return window.flatten()[shifted], inside.flatten()[shifted], label.flatten()[shifted]


def swin_mask(rows, cols, M, s):
    """[S, S] bool over the grid's tokens, the way Swin builds it (microsoft/Swin-Transformer,
    SwinTransformerBlock): two tokens see each other when, on the shifted grid, they share a window
    and a region label."""
    window, _, label = _swin_windows(rows, cols, M, s)
    key = window * 9 + label
    return key[:, None] == key[None, :]


def swin_relative_bias(table, rows, cols, M, s):
    """[heads, S, S]: Swin's relative position bias between the grid's tokens (WindowAttention's
    relative_position_index over the positions inside a window of the shifted grid), meaningful
    where swin_mask() holds."""
    coords = torch.stack(torch.meshgrid(torch.arange(M), torch.arange(M), indexing="ij")).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (M - 1)
    index = rel[:, :, 0] * (2 * M - 1) + rel[:, :, 1]  # [M*M, M*M]
    _, inside, _ = _swin_windows(rows, cols, M, s)
    return table[index[inside[:, None], inside[None, :]]].permute(2, 0, 1)


def visible(p, pos, grid=None):
    """[S, S] bool, query i (rows) may see key j (columns): j <= i when causal, |i - j| < window,
    i and j in the same block of block_size; with grid_window on the grid (rows, cols): Swin's
    mask."""
    if p.grid_window:
        return swin_mask(grid[0], grid[1], p.window_size, p.shift_size)
    i, j = pos[:, None], pos[None, :]
    m = torch.ones(len(pos), len(pos), dtype=torch.bool)
    if p.causal:
        m &= j <= i
    if p.window:
        m &= (i - j).abs() < p.window
    if p.block_size:
        m &= (i // p.block_size) == (j // p.block_size)
    return m


@mixer("attention", default=True)
class Attention(Mixer):
    """Per head h (kv head h // (heads / kv_heads)), over the keys query i may see (visible())
    and the `memory` persistent slots (always visible, no position):
      s = q k^T * scale (+ the position's score bias, ALiBi); talking heads mix s across heads;
      p = softmax(s), clip((eta - gamma) softmax(s) + gamma, 0, 1) or s^power / sum s^power;
      talking heads mix p across heads; o = p v, where v is lambda1 V_1 + lambda2 v with
      value_residual (V_1: the value of the model's first attention layer)."""
    keys = (
        Key("heads", int, min=1),
        Key("kv_heads", int, lambda p, ctx: p.heads, min=1),  # < heads: GQA, 1: MQA
        Key("head_dim", int, _default_head_dim, min=1),
        Key("grid_window", int, None, min=1),  # Swin's M x M windows on the patch grid
        # Without grid_window these two default to None: given at all, they are an error there.
        Key("grid_shift", int, lambda p, ctx: None if p.grid_window is None else 0, min=0),  # their shift s
        Key("relative_position_bias", bool,
            lambda p, ctx: None if p.grid_window is None else False),  # Swin's table [(2M - 1)^2, heads]
        Key("causal", bool, lambda p, ctx: p.grid_window is None),
        Key("bias", bool, lambda p, ctx: ctx.bias),  # default: the layer's bias
        Key("o_bias", bool, None),  # the output projection's, default (check): bias
        Key("scale", float, lambda p, ctx: p.head_dim ** -0.5),
        Key("window", int, None, min=1),
        Key("block_size", int, None, min=1),
        Key("memory", int, 0, min=0),
        Key("talking_heads", bool, False),
        Key("softmax", str, "softmax", choices=SOFTMAXES),
        Key("clip_gamma", float, None),
        Key("clip_eta", float, None),
        Key("power", int, None, min=1),
        Key("value_residual", bool, False),
        Key("value_lambda1", float, None),  # default 0.5, with value_residual only
        Key("value_lambda2", float, None),
        # SwitchHead: v and o are mixtures of switch_experts experts per head (no biases)
        Key("switch_experts", int, None, min=1),
        Key("switch_top_k", int, lambda p, ctx: None if p.switch_experts is None else min(2, p.switch_experts),
            min=1),
    )

    def check(self, ctx):
        p, at = self.p, self.where + ctx.for_layer()
        self.check_grid_window(ctx, at)
        if p.heads % p.kv_heads:
            raise SpecError("%s kv_heads %d must divide heads %d%s" % (self.where, p.kv_heads, p.heads, ctx.for_layer()))
        ctx.spec.position.check_head_dim(p.head_dim, at)
        if not p.scale > 0:
            raise SpecError("%s scale = %r: must be positive" % (at, p.scale))
        clipped = p.softmax == "clipped"
        for k in ("clip_gamma", "clip_eta"):
            if getattr(p, k) is not None and not clipped:
                raise SpecError("%s %s: only with softmax = clipped" % (at, k))
        if clipped:
            p.clip_gamma = -0.03 if p.clip_gamma is None else p.clip_gamma
            p.clip_eta = 1.0 if p.clip_eta is None else p.clip_eta
            if p.clip_gamma > 0:
                raise SpecError("%s clip_gamma = %r must be <= 0" % (at, p.clip_gamma))
            if p.clip_eta < 1:
                raise SpecError("%s clip_eta = %r must be >= 1" % (at, p.clip_eta))
        if p.power is not None and p.softmax != "power":
            raise SpecError("%s power: only with softmax = power" % at)
        if p.softmax == "power":
            p.power = 2 if p.power is None else p.power
            if p.power % 2:
                raise SpecError("%s power = %d must be even" % (at, p.power))
            if ctx.spec.position.name == "alibi":
                raise SpecError("%s softmax = power cannot take position = alibi" % at)
        for k in ("value_lambda1", "value_lambda2"):
            if getattr(p, k) is None:
                setattr(p, k, 0.5)
            elif not p.value_residual:
                raise SpecError("%s %s: only with value_residual = true" % (at, k))
        if p.switch_experts is not None and p.switch_top_k > p.switch_experts:
            raise SpecError("%s switch_top_k = %d exceeds switch_experts = %d" % (at, p.switch_top_k, p.switch_experts))
        if p.switch_experts is None and p.switch_top_k is not None:
            raise SpecError("%s switch_top_k: only with switch_experts" % at)
        if p.switch_experts is not None and p.o_bias:
            raise SpecError("%s o_bias = true cannot be combined with switch_experts" % at)
        if p.o_bias is None:
            p.o_bias = p.bias
        first = next((L.mixer for L in ctx.spec.layer if isinstance(L.mixer, Attention)), None)
        if p.value_residual and first is not None and first.p.kv_heads * first.p.head_dim != p.kv_heads * p.head_dim:
            raise SpecError("%s value_residual: the first attention layer's value is %d wide, this layer's %d"
                            % (at, first.p.kv_heads * first.p.head_dim, p.kv_heads * p.head_dim))

    def check_grid_window(self, ctx, at):
        p, spec = self.p, ctx.spec
        if p.grid_window is None:
            for k in ("grid_shift", "relative_position_bias"):
                if getattr(p, k) is not None:
                    raise SpecError("%s %s: only with grid_window" % (at, k))
            return
        if spec.input != "image" or spec.cls_token:
            raise SpecError("%s grid_window: needs input = image with cls_token = false" % at)
        rows, cols = spec.rows, spec.cols
        if p.grid_shift >= p.grid_window:
            raise SpecError("%s grid_shift = %d must be < grid_window" % (at, p.grid_shift))
        # window_size, shift_size: what the layer computes. A window at least the grid's shorter
        # side is that side, unshifted (Swin's SwinTransformerBlock, Hugging Face's SwinLayer).
        p.window_size, p.shift_size = p.grid_window, p.grid_shift
        if min(rows, cols) <= p.grid_window:
            p.window_size, p.shift_size = min(rows, cols), 0
        if rows % p.window_size or cols % p.window_size:
            raise SpecError("%s grid_window = %d must divide the grid's sides %d x %d%s"
                            % (at, p.grid_window, rows, cols,
                               "" if p.window_size == p.grid_window else " (as their shorter side)"))
        if p.window or p.block_size or p.causal:
            raise SpecError("%s grid_window: no causal, window or block_size with it" % at)

    def slots(self, spec):
        p = self.p
        out = []
        E = p.switch_experts
        for nm, rows in (("q", p.heads * p.head_dim), ("k", p.kv_heads * p.head_dim), ("v", p.kv_heads * p.head_dim)):
            if nm == "v" and E:
                continue
            out.append(Slot("layer.attn.%s.weight" % nm, (rows, spec.dim), "linear"))
            if p.bias:
                out.append(Slot("layer.attn.%s.bias" % nm, (rows,), "bias"))
        if E:  # SwitchHead: routers [heads E, dim]; experts stacked [in, out] per (head, expert)
            out.append(Slot("layer.attn.v_router.weight", (p.kv_heads * E, spec.dim), "linear"))
            out.append(Slot("layer.attn.o_router.weight", (p.heads * E, spec.dim), "linear"))
            out.append(Slot("layer.attn.v_experts", (p.kv_heads * E * spec.dim, p.head_dim), "linear", linear=False))
            out.append(Slot("layer.attn.o_experts", (p.heads * E * p.head_dim, spec.dim), "linear", linear=False))
        else:
            out.append(Slot("layer.attn.o.weight", (spec.dim, p.heads * p.head_dim), "linear"))
        if p.o_bias and not E:
            out.append(Slot("layer.attn.o.bias", (spec.dim,), "bias"))
        if p.memory:
            kvw = p.kv_heads * p.head_dim
            out.append(Slot("layer.attn.memory_k", (p.memory, kvw), "embed", linear=False))
            out.append(Slot("layer.attn.memory_v", (p.memory, kvw), "embed", linear=False))
        if p.talking_heads:
            out.append(Slot("layer.attn.talk_pre", (p.heads, p.heads), "linear", linear=False))
            out.append(Slot("layer.attn.talk_post", (p.heads, p.heads), "linear", linear=False))
        if p.relative_position_bias:
            span = 2 * p.window_size - 1
            out.append(Slot("layer.attn.relative_position_bias_table", (span * span, p.heads), "embed", linear=False))
        return out

    def forward(self, x, w, env):
        B, S = x.shape[0], x.shape[1]
        p = self.p
        H, KV, hd, N = p.heads, p.kv_heads, p.head_dim, p.memory
        pos = env.pos
        q = linear(x, w, "layer.attn.q").reshape(B, S, H, hd).transpose(1, 2)
        k = linear(x, w, "layer.attn.k").reshape(B, S, KV, hd).transpose(1, 2)
        v = self.switch(x, x, w, "v", KV) if p.switch_experts else linear(x, w, "layer.attn.v")
        if FIRST_VALUE not in env.state:
            env.state[FIRST_VALUE] = v
        elif p.value_residual:
            v = p.value_lambda1 * env.state[FIRST_VALUE] + p.value_lambda2 * v
        v = v.reshape(B, S, KV, hd).transpose(1, 2)
        q, k = env.position.rotate(q, pos), env.position.rotate(k, pos)
        if N:  # persistent slots: [KV, N, hd], before the sequence's keys, no position
            mk = w["layer.attn.memory_k"].reshape(N, KV, hd).transpose(0, 1)
            mv = w["layer.attn.memory_v"].reshape(N, KV, hd).transpose(0, 1)
            k = torch.cat([mk[None].expand(B, KV, N, hd), k], dim=2)
            v = torch.cat([mv[None].expand(B, KV, N, hd), v], dim=2)
        if KV != H:  # query head h uses kv head h // (H / KV)
            g = H // KV
            k = k[:, :, None].expand(B, KV, g, N + S, hd).reshape(B, H, N + S, hd)
            v = v[:, :, None].expand(B, KV, g, N + S, hd).reshape(B, H, N + S, hd)
        s = torch.matmul(q, k.transpose(-1, -2)) * p.scale
        # After head pruning (check_approx.py) the kept heads keep their own position bias.
        bias = env.position.score_bias(getattr(p, "unpruned_heads", H), pos)
        if bias is not None and getattr(p, "kept_heads", None) is not None:
            bias = bias[p.kept_heads]
        if bias is not None:
            s[..., N:] = s[..., N:] + bias
        grid = (env.spec.rows, env.spec.cols) if p.grid_window else None
        if p.relative_position_bias:
            table = w["layer.attn.relative_position_bias_table"]
            s[..., N:] = s[..., N:] + swin_relative_bias(table, *grid, p.window_size, p.shift_size)
        if p.talking_heads:  # mixed[h] = sum_g W[h, g] s[g]
            s = torch.einsum("hg,bgij->bhij", w["layer.attn.talk_pre"], s)
        seen = torch.cat([torch.ones(S, N, dtype=torch.bool), visible(p, pos, grid)], dim=1)
        if p.softmax == "power":
            e = torch.where(seen, s ** p.power, torch.zeros_like(s))
            a = e / e.sum(-1, keepdim=True)
        else:
            a = torch.softmax(s.masked_fill(~seen, float("-inf")), dim=-1)
            if p.softmax == "clipped":
                a = torch.where(seen, ((p.clip_eta - p.clip_gamma) * a + p.clip_gamma).clamp(0, 1), a)
        if p.talking_heads:
            a = torch.einsum("hg,bgij->bhij", w["layer.attn.talk_post"], a)
        o = torch.matmul(a, v).transpose(1, 2).reshape(B, S, H * hd)
        if p.switch_experts:
            return self.switch(o, x, w, "o", H)
        return linear(o, w, "layer.attn.o")

    def switch(self, inp, x, w, name, n):
        """SwitchHead's v (name "v": each of the n heads reads all of inp and writes its head_dim
        channels) or o ("o": head h reads its head_dim channels of inp; the heads' outputs add up):
        per head, the top_k of switch_experts experts by x's router logits, gated by their
        sigmoids, not renormalized."""
        p = self.p
        E, K, B, S = p.switch_experts, p.switch_top_k, x.shape[0], x.shape[1]
        logits = linear(x, w, "layer.attn.%s_router" % name).reshape(B, S, n, E)
        top = torch.sort(logits, dim=-1, descending=True, stable=True).indices[..., :K]  # ties: lower index
        gate = torch.zeros_like(logits).scatter(-1, top, torch.sigmoid(logits).gather(-1, top))
        experts = w["layer.attn.%s_experts" % name]
        if name == "o":
            W = experts.reshape(n, E, p.head_dim, -1)
            y = torch.einsum("bshd,hedo->bsheo", inp.reshape(B, S, n, p.head_dim), W)
            return (gate[..., None] * y).sum((2, 3))
        W = experts.reshape(n, E, inp.shape[-1], -1)
        y = torch.einsum("bsd,hedo->bsheo", inp, W)
        return (gate[..., None] * y).sum(3).reshape(B, S, n * p.head_dim)


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


_SWITCH = model_toml(vocab=10, dim=24) + """[embed]
position = "none"
[block.attention]
heads = 4
kv_heads = %d
head_dim = 5
switch_experts = 3
switch_top_k = %d
"""


@selftest("switch-head-vs-per-token-loop", spec=lambda kv, k: _SWITCH % (kv, k),
          params=[{"kv": 4, "k": 2}, {"kv": 2, "k": 1}, {"kv": 4, "k": 3}])
def _(case, kv, k):
    # SwitchHead's v and o, token by token and head by head: the top k experts by router logit,
    # each gated by its sigmoid.
    block, E, hd = case.block(), 3, 5
    w = case.module.weights(0)
    x = case.rand(2, 4, 24)
    for name, n, inp in (("v", kv, x), ("o", 4, case.rand(2, 4, 4 * hd, seed=1))):
        got = block.switch(inp, x, w, name, n)
        router, experts = w["layer.attn.%s_router.weight" % name], w["layer.attn.%s_experts" % name]
        rows = hd if name == "o" else 24
        want = torch.zeros_like(got)
        for b in range(2):
            for t in range(4):
                for h in range(n):
                    logits = router[h * E:(h + 1) * E] @ x[b, t]
                    for e in sorted(range(E), key=lambda e: -float(logits[e]))[:k]:
                        W = experts[(h * E + e) * rows:(h * E + e + 1) * rows]
                        g = 1.0 / (1.0 + math.exp(-float(logits[e])))
                        if name == "v":
                            want[b, t, h * hd:(h + 1) * hd] += g * (inp[b, t] @ W)
                        else:
                            want[b, t] += g * (inp[b, t, h * hd:(h + 1) * hd] @ W)
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


spec_error("switch-head-top-k-above", _SWITCH % (4, 4), match="switch_top_k = 4 exceeds switch_experts = 3")
spec_error("switch-head-o-bias", _SWITCH % (4, 2) + "o_bias = true\n",
           match="o_bias = true cannot be combined with switch_experts")


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


def naive_variant(x, w, H, KV, hd, o, v=None):
    """The variants with per-query, per-key loops. w: a layer's canonical weights by short name
    ("q.weight", "memory_k", "talk_pre", ...); o: the options (scale, causal, window, block_size,
    grid (rows, cols, grid_window, grid_shift; with w's relative_position_bias_table, Swin's bias
    by the grid offset), memory, talking_heads, softmax, clip_gamma, clip_eta, power, slopes); v:
    the value to attend (default: x's own)."""
    x = x.numpy()
    B, S, _ = x.shape
    lin = lambda n: x @ w[n + ".weight"].T + (w[n + ".bias"] if n + ".bias" in w else 0)  # noqa: E731
    q, k = lin("q"), lin("k")
    v = lin("v") if v is None else v
    N, g = o.get("memory", 0), H // KV
    slopes = o.get("slopes")

    def band(x, n, M, s):  # which of the bands [0, s), [s, s + M), ... up to n holds x
        edges = sorted({0, n} | set(range(s, n, M)))
        return next(b for b in range(len(edges) - 1) if edges[b] <= x < edges[b + 1])

    def same_window(i, j):
        rows, cols, M, s = o["grid"]
        return (band(i // cols, rows, M, s) == band(j // cols, rows, M, s)
                and band(i % cols, cols, M, s) == band(j % cols, cols, M, s))

    def seen(i, j):
        return ((not o.get("causal", True) or j <= i) and (not o.get("window") or abs(i - j) < o["window"])
                and (not o.get("block_size") or i // o["block_size"] == j // o["block_size"])
                and (not o.get("grid") or same_window(i, j)))

    out = np.zeros((B, S, H * hd))
    for b_ in range(B):
        for i in range(S):
            keys = [("m", n) for n in range(N)] + [("s", j) for j in range(S) if seen(i, j)]

            def kv(h, key, which):
                c = slice((h // g) * hd, (h // g + 1) * hd)
                if key[0] == "m":
                    return w["memory_" + which][key[1], c]
                return (k if which == "k" else v)[b_, key[1], c]

            raw = np.zeros((H, len(keys)))
            for h in range(H):
                qh = q[b_, i, h * hd:(h + 1) * hd]
                for c, key in enumerate(keys):
                    raw[h, c] = sum(qh[t] * kv(h, key, "k")[t] for t in range(hd)) * o["scale"]
                    if slopes is not None and key[0] == "s":
                        raw[h, c] -= slopes[h] * abs(i - key[1])
                    if "relative_position_bias_table" in w and key[0] == "s":
                        _, cols, M, _ = o["grid"]
                        dr, dc = i // cols - key[1] // cols, i % cols - key[1] % cols
                        raw[h, c] += w["relative_position_bias_table"][(dr + M - 1) * (2 * M - 1) + dc + M - 1, h]
            if o.get("talking_heads"):
                raw = np.array([[sum(w["talk_pre"][h, gg] * raw[gg, c] for gg in range(H)) for c in range(len(keys))]
                                for h in range(H)])
            prob = np.zeros_like(raw)
            for h in range(H):
                if o.get("softmax") == "power":
                    e = [r ** o["power"] for r in raw[h]]
                    prob[h] = [t / sum(e) for t in e]
                    continue
                mx = max(raw[h])
                e = [math.exp(r - mx) for r in raw[h]]
                prob[h] = [t / sum(e) for t in e]
                if o.get("softmax") == "clipped":
                    ga, et = o["clip_gamma"], o["clip_eta"]
                    prob[h] = [min(max((et - ga) * t + ga, 0.0), 1.0) for t in prob[h]]
            if o.get("talking_heads"):
                prob = np.array([[sum(w["talk_post"][h, gg] * prob[gg, c] for gg in range(H))
                                  for c in range(len(keys))] for h in range(H)])
            for h in range(H):
                for c, key in enumerate(keys):
                    out[b_, i, h * hd:(h + 1) * hd] += prob[h, c] * kv(h, key, "v")
    return out @ w["o.weight"].T + (w["o.bias"] if "o.bias" in w else 0)


_VARIANT = model_toml(vocab=10, dim=24, max_seq=16) + """[embed]
position = "%s"
[block.attention]
heads = 4
kv_heads = %d
head_dim = 5
%s
"""

# each a different corner: masks (causal/bidirectional), memory, talking heads with GQA, the
# softmax variants, ALiBi, an explicit scale, separate output bias
_VARIANTS = [
    {"pos": "none", "kv": 4, "keys": "window = 3"},
    {"pos": "none", "kv": 2, "keys": "window = 2\ncausal = false"},
    {"pos": "none", "kv": 4, "keys": "block_size = 3"},
    {"pos": "none", "kv": 1, "keys": "block_size = 4\ncausal = false\nwindow = 3"},
    {"pos": "none", "kv": 2, "keys": "memory = 3\nwindow = 2"},
    {"pos": "none", "kv": 2, "keys": "talking_heads = true\nmemory = 2"},
    {"pos": "none", "kv": 4, "keys": 'softmax = "clipped"\nclip_gamma = -0.1\nclip_eta = 1.2\ncausal = false'},
    {"pos": "none", "kv": 4, "keys": 'softmax = "power"\npower = 4\nscale = 0.7'},
    {"pos": "alibi", "kv": 4, "keys": "bias = false\no_bias = true"},
    {"pos": "alibi", "kv": 2, "keys": "causal = false\ntalking_heads = true\nbias = true\no_bias = false"},
]


def _options(p):
    return {k: getattr(p, k) for k in ("scale", "causal", "window", "block_size", "memory", "talking_heads",
                                        "softmax", "clip_gamma", "clip_eta", "power")}


def _short_weights(case, layer=0):
    block = case.block(layer=layer)
    return {s.name[len("layer.attn."):]: case.w(s.name, layer) for s in block.slots(case.spec)}


@selftest("attention-variants-vs-naive-loop", spec=lambda pos, kv, keys: _VARIANT % (pos, kv, keys),
          params=_VARIANTS, seed=2)
def _(case, pos, kv, keys):
    x = case.rand(2, 9, 24)
    got = case.run("mixer", x).numpy()
    o = _options(case.block().p)
    if pos == "alibi":
        from .positions import alibi_slopes
        o["slopes"] = alibi_slopes(4).numpy()
    want = naive_variant(x, _short_weights(case), 4, kv, 5, o)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@selftest("attention-value-residual", spec=model_toml(vocab=10, dim=24, layers=3, max_seq=16) + """[embed]
position = "none"
[block.attention]
heads = 4
kv_heads = 2
head_dim = 5
value_residual = true
value_lambda1 = 0.3
value_lambda2 = 0.9
""", seed=3)
def _(case):
    # layer 0 attends its own value and hands it on; layers 1, 2 attend 0.3 V_1 + 0.9 V_n
    env = case.module.env(7)
    xs = [case.rand(2, 7, 24, seed=s) for s in range(3)]
    got = []
    for i, x in enumerate(xs):
        env.layer = i
        got.append(case.block(layer=i).forward(x, case.module.weights(i), env).numpy())
    w0 = _short_weights(case, 0)
    v1 = xs[0].numpy() @ w0["v.weight"].T + w0["v.bias"]
    o = _options(case.block().p)
    np.testing.assert_allclose(got[0], naive_variant(xs[0], w0, 4, 2, 5, o), rtol=1e-10, atol=1e-12)
    for i in (1, 2):
        wi = _short_weights(case, i)
        vi = 0.3 * v1 + 0.9 * (xs[i].numpy() @ wi["v.weight"].T + wi["v.bias"])
        np.testing.assert_allclose(got[i], naive_variant(xs[i], wi, 4, 2, 5, o, v=vi), rtol=1e-10, atol=1e-12)


@selftest("attention-window-covers-all", spec=_VARIANT % ("none", 4, "window = 16\nblock_size = 16\nscale = 0.4472135954999579"))
def _(case):
    # a window and a block as long as the sequence hide nothing: plain causal attention
    x = case.rand(1, 9, 24)
    g = lambda n: case.w("layer.attn.%s" % n)  # noqa: E731
    want = naive_attention(x, g("q.weight"), g("q.bias"), g("k.weight"), g("k.bias"), g("v.weight"),
                           g("v.bias"), g("o.weight"), g("o.bias"), 4, 4, 5, True)
    np.testing.assert_allclose(case.run("mixer", x).numpy(), want, rtol=1e-10, atol=1e-12)


_SWIN = ('[model]\nname = "case"\ndim = 24\nlayers = 1\ninput = "image"\noutput = "hidden"\n'
         '[embed]\nimage_size = [%d, %d]\npatch = 4\ncls_token = false\nposition = "none"\n'
         '[block.attention]\nheads = 4\nkv_heads = %d\ngrid_window = %d\ngrid_shift = %d\n%s')
# [rows, cols] = image_size / 4; shifted and not, windows of one row or column, GQA with memory
_SWINS = [{"h": 16, "w": 32, "kv": 4, "M": 4, "s": 0, "keys": ""},
          {"h": 32, "w": 48, "kv": 4, "M": 4, "s": 2, "keys": ""},
          {"h": 24, "w": 16, "kv": 2, "M": 2, "s": 1, "keys": ""},
          {"h": 8, "w": 8, "kv": 4, "M": 2, "s": 0, "keys": ""},
          {"h": 16, "w": 12, "kv": 1, "M": 1, "s": 0, "keys": ""},
          {"h": 24, "w": 24, "kv": 2, "M": 3, "s": 1, "keys": "memory = 2\n"},
          {"h": 32, "w": 32, "kv": 4, "M": 4, "s": 2, "keys": "relative_position_bias = true\n"},
          {"h": 24, "w": 12, "kv": 4, "M": 3, "s": 0, "keys": "relative_position_bias = true\n"},
          {"h": 24, "w": 16, "kv": 2, "M": 2, "s": 1, "keys": "relative_position_bias = true\nmemory = 1\n"}]


@selftest("attention-grid-window-vs-naive-loop", spec=lambda h, w, kv, M, s, keys: _SWIN % (h, w, kv, M, s, keys),
          params=_SWINS, seed=4)
def _(case, h, w, kv, M, s, keys):
    rows, cols = h // 4, w // 4
    x = case.rand(2, rows * cols, 24)
    o = dict(_options(case.block().p), grid=(rows, cols, M, s))
    want = naive_variant(x, _short_weights(case), 4, kv, 6, o)
    np.testing.assert_allclose(case.run("mixer", x).numpy(), want, rtol=1e-10, atol=1e-12)


# A window at least the grid's shorter side is that side, unshifted (Swin's and Hugging Face's
# rule): on a 4x4 grid, 7x7 windows shifted by 3 are one 4x4 window, and the bias table is 7x7.
@selftest("attention-grid-window-past-the-grid", spec=lambda M, s, keys: _SWIN % (16, 16, 4, M, s, keys),
          params=[{"M": 7, "s": 3, "keys": "relative_position_bias = true\n"}, {"M": 4, "s": 2, "keys": ""}],
          seed=5)
def _(case, M, s, keys):
    x = case.rand(2, 16, 24)
    w = _short_weights(case)
    if keys:
        assert tuple(w["relative_position_bias_table"].shape) == (49, 4)
    want = naive_variant(x, w, 4, 4, 6, dict(_options(case.block().p), grid=(4, 4, 4, 0)))
    np.testing.assert_allclose(case.run("mixer", x).numpy(), want, rtol=1e-10, atol=1e-12)


def swin_window_attention(x, w, H, rows, cols, M, s, scale):
    """microsoft/Swin-Transformer's attention branch of SwinTransformerBlock: torch.roll by
    (-s, -s), window_partition, WindowAttention (with its relative position bias when w has the
    table) with the shifted windows' attn_mask (-100 between regions), window_reverse, torch.roll
    by (s, s)."""
    B, S, C = x.shape
    t = {n: torch.from_numpy(a) for n, a in w.items()}

    def partition(g):  # [B, rows, cols, c] -> [B * windows, M * M, c]
        c = g.shape[-1]
        return g.reshape(-1, rows // M, M, cols // M, M, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, M * M, c)

    g = torch.roll(x.reshape(B, rows, cols, C), shifts=(-s, -s), dims=(1, 2)) if s else x.reshape(B, rows, cols, C)
    win = partition(g)
    q, k, v = (win @ t[n + ".weight"].T + t[n + ".bias"] for n in "qkv")
    q, k, v = (y.reshape(y.shape[0], M * M, H, -1).transpose(1, 2) for y in (q, k, v))
    attn = q @ k.transpose(-2, -1) * scale
    if "relative_position_bias_table" in t:
        coords = torch.stack(torch.meshgrid([torch.arange(M), torch.arange(M)], indexing="ij"))
        coords_flatten = torch.flatten(coords, 1)
        relative_coords = (coords_flatten[:, :, None] - coords_flatten[:, None, :]).permute(1, 2, 0).contiguous()
        relative_coords[:, :, 0] += M - 1
        relative_coords[:, :, 1] += M - 1
        relative_coords[:, :, 0] *= 2 * M - 1
        index = relative_coords.sum(-1)
        bias = t["relative_position_bias_table"][index.view(-1)].view(M * M, M * M, -1)
        attn = attn + bias.permute(2, 0, 1).contiguous().unsqueeze(0)
    if s:
        img = torch.zeros(1, rows, cols, 1, dtype=x.dtype)
        cnt = 0
        for hs in (slice(0, -M), slice(-M, -s), slice(-s, None)):
            for ws in (slice(0, -M), slice(-M, -s), slice(-s, None)):
                img[:, hs, ws, :] = cnt
                cnt += 1
        mw = partition(img).reshape(-1, M * M)
        mask = mw.unsqueeze(1) - mw.unsqueeze(2)
        mask = mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0)
        nW = mask.shape[0]
        attn = (attn.view(B, nW, H, M * M, M * M) + mask.unsqueeze(1).unsqueeze(0)).view(-1, H, M * M, M * M)
    o = (torch.softmax(attn, -1) @ v).transpose(1, 2).reshape(-1, M * M, C)
    o = o @ t["o.weight"].T + t["o.bias"]
    g = o.reshape(B, rows // M, cols // M, M, M, C).permute(0, 1, 3, 2, 4, 5).reshape(B, rows, cols, C)
    if s:
        g = torch.roll(g, shifts=(s, s), dims=(1, 2))
    return g.reshape(B, S, C)


@selftest("attention-grid-window-vs-swin", spec=lambda h, w, kv, M, s, keys: _SWIN % (h, w, kv, M, s, keys),
          params=[p for p in _SWINS if p["kv"] == 4], seed=5)
def _(case, h, w, kv, M, s, keys):
    # Swin's own computation (its -100 mask leaves exp(-100) of a weight: below the tolerance)
    rows, cols = h // 4, w // 4
    x = case.rand(2, rows * cols, 24)
    want = swin_window_attention(x, _short_weights(case), 4, rows, cols, M, s, case.block().p.scale)
    torch.testing.assert_close(case.run("mixer", x), want, rtol=1e-10, atol=1e-12)


spec_error("attention-grid-window-divides", _SWIN % (16, 32, 4, 3, 0, ""), match="grid_window = 3 must divide")
spec_error("attention-grid-window-longer-side", _SWIN % (24, 32, 4, 7, 3, ""),
           match="grid_window = 7 must divide the grid's sides 6 x 8 \\(as their shorter side\\)")
spec_error("attention-grid-shift-below-window", _SWIN % (16, 32, 4, 4, 4, ""), match="grid_shift = 4 must be <")
spec_error("attention-grid-window-causal", _SWIN % (16, 32, 4, 4, 0, "causal = true\n"), match="no causal")
spec_error("attention-grid-window-block", _SWIN % (16, 32, 4, 4, 0, "block_size = 4\n"), match="no causal")
spec_error("attention-grid-window-cls", _SWIN.replace("cls_token = false", "cls_token = true") % (16, 32, 4, 4, 0, ""),
           match="cls_token = false")
spec_error("attention-grid-window-tokens", _BASIC % ("true", 4, "grid_window = 2\n"), match="needs input = image")
spec_error("attention-grid-shift-alone", _BASIC % ("true", 4, "grid_shift = 2\n"), match="only with grid_window")
# Given at all, even as the default value, as modelc reports it (the differential run, seed 20373).
spec_error("attention-grid-shift-zero-alone", _BASIC % ("true", 4, "grid_shift = 0\n"), match="only with grid_window")
spec_error("attention-relative-bias-false-alone", _BASIC % ("true", 4, "relative_position_bias = false\n"),
           match="relative_position_bias: only with grid_window")
spec_error("attention-relative-bias-alone", _BASIC % ("true", 4, "relative_position_bias = true\n"),
           match="relative_position_bias: only with grid_window")

_ERR = _BASIC % ("true", 4, "%s")
spec_error("attention-window-positive", _ERR % "window = 0\n", match="window = 0: must be >= 1")
spec_error("attention-block-positive", _ERR % "block_size = -2\n", match="block_size = -2: must be >= 1")
spec_error("attention-power-odd", _ERR % 'softmax = "power"\npower = 3\n', match="power = 3 must be even")
spec_error("attention-power-needs-power", _ERR % "power = 2\n", match="power: only with softmax = power")
spec_error("attention-clip-needs-clipped", _ERR % "clip_gamma = -0.1\n", match="clip_gamma: only with softmax = clipped")
spec_error("attention-clip-gamma", _ERR % 'softmax = "clipped"\nclip_gamma = 0.1\n', match="clip_gamma = 0.1 must be <= 0")
spec_error("attention-clip-eta", _ERR % 'softmax = "clipped"\nclip_eta = 0.5\n', match="clip_eta = 0.5 must be >= 1")
spec_error("attention-softmax-choice", _ERR % 'softmax = "sparsemax"\n', match="softmax = 'sparsemax': expected one of")
spec_error("attention-scale-positive", _ERR % "scale = 0.0\n", match="scale = 0.0: must be positive")
spec_error("attention-power-alibi", model_toml() + '[embed]\nposition = "alibi"\n[block.attention]\nheads = 4\n'
           'softmax = "power"\n', match="softmax = power cannot take position = alibi")
spec_error("attention-value-residual-width", model_toml(layers=2) + "[block.attention]\nheads = 4\nvalue_residual = true\n"
           "[[layer]]\nindex = 1\n[layer.attention]\nkv_heads = 2\n", match="first attention layer's value is 24 wide")
spec_error("attention-memory-not-negative", _ERR % "memory = -1\n", match="memory = -1: must be >= 0")
spec_error("attention-lambda-needs-value-residual", _ERR % "value_lambda2 = 0.2\n",
           match="value_lambda2: only with value_residual = true")
