"""Position schemes ([embed] position): learned and sinusoidal absolute positions (added to the
embedding), rotary (RoPE, full or partial, consumed by attention through Position.rotate), ALiBi (a
score bias, through Position.score_bias), none."""
import math

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import SpecError
from ..registry import Key, Position, Slot, position
from ..selftest import model_toml, selftest, spec_error


@position("learned", default=True)
class Learned(Position):
    """A learned [max_seq, dim] table added to the token embedding (GPT-2, BERT)."""

    def slots(self, spec):
        return [Slot("embed.positions", (spec.max_seq, spec.dim), "embed")]

    def embed(self, x, w, env):
        return x + F.embedding(env.pos, w["embed.positions"])[None]


@position("none")
class NoPosition(Position):
    """No position information."""


def rope(x, pos, theta, style, rope_dim=None):
    """x: [..., S, hd]; pos: [S] positions. Rotates the first rope_dim channels (default: all; the
    rest pass through, GPT-NeoX's rotary_ndims): pair p by pos * theta^(-2p/rope_dim); the pairs are
    (x[2p], x[2p+1]) ("interleaved": Meta Llama, GPT-J) or (x[p], x[p+rope_dim/2]) ("half":
    GPT-NeoX, HF Llama)."""
    if rope_dim is not None and rope_dim < x.shape[-1]:
        return torch.cat([rope(x[..., :rope_dim], pos, theta, style), x[..., rope_dim:]], dim=-1)
    hd = x.shape[-1]
    half = hd // 2
    p = torch.arange(half, dtype=torch.float64)
    inv = torch.pow(torch.tensor(theta, dtype=torch.float64), -2.0 * p / hd).to(x.dtype)
    ang = pos.to(x.dtype)[:, None] * inv[None, :]  # [S, half]
    cos, sin = torch.cos(ang), torch.sin(ang)
    if style == "interleaved":
        x1, x2 = x[..., 0::2], x[..., 1::2]
        r1 = x1 * cos - x2 * sin
        r2 = x1 * sin + x2 * cos
        return torch.stack([r1, r2], dim=-1).flatten(-2)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


@position("rope")
class Rope(Position):
    """Rotary positions (Su et al. 2021, RoFormer) on q and k of every attention layer."""
    keys = (
        Key("rope_theta", float, 10000.0),
        Key("rope_style", str, "half", choices=("half", "interleaved")),
        Key("rope_dim", int, None, min=1),  # None: every channel of the head
    )

    def rotate(self, t, pos):
        return rope(t, pos, self.p.rope_theta, self.p.rope_style, self.p.rope_dim)

    def check(self, ctx):
        # Checked where it is read, whether or not a layer rotates anything (as modelc does).
        if self.p.rope_dim is not None and self.p.rope_dim % 2:
            raise SpecError("[embed]: rope_dim must be even, got %d" % self.p.rope_dim)

    def check_head_dim(self, hd, where):
        rd = self.p.rope_dim
        if rd is None:
            if hd % 2:
                raise SpecError("%s: rope needs an even head_dim, got %d" % (where, hd))
            return
        if rd > hd:
            raise SpecError("%s: rope_dim %d exceeds head_dim %d" % (where, rd, hd))


def sinusoidal_table(seq, dim, layout):
    """[seq, dim] float64 sinusoidal positions. "interleaved" (Vaswani et al. 2017 as written):
    PE[t, 2i] = sin(t w_i), PE[t, 2i+1] = cos(t w_i), w_i = 10000^(-2i/dim). "concat"
    (tensor2tensor get_timing_signal_1d, fairseq SinusoidalPositionalEmbedding): [sin(t w_i) ||
    cos(t w_i)], w_i = 10000^(-i/(dim/2 - 1))."""
    half = dim // 2
    t = torch.arange(seq, dtype=torch.float64)[:, None]
    i = torch.arange(half, dtype=torch.float64)[None, :]
    if layout == "interleaved":
        ang = t * torch.pow(torch.tensor(10000.0, dtype=torch.float64), -2.0 * i / dim)
        return torch.stack([torch.sin(ang), torch.cos(ang)], dim=-1).reshape(seq, dim)
    ang = t * torch.exp(-i * math.log(10000.0) / max(half - 1, 1))
    return torch.cat([torch.sin(ang), torch.cos(ang)], dim=-1)


@position("sinusoidal")
class Sinusoidal(Position):
    """Fixed sinusoidal positions added to the (scaled) token embedding; positions 0..seq-1."""
    keys = (Key("sinusoidal_layout", str, "interleaved", choices=("interleaved", "concat")),)

    def check(self, ctx):
        if ctx.spec.dim % 2:
            raise SpecError("[embed] position = sinusoidal needs an even dim, got %d" % ctx.spec.dim)

    def embed(self, x, w, env):
        return x + sinusoidal_table(x.shape[1], x.shape[2], self.p.sinusoidal_layout).to(x.dtype)[None]


def alibi_slopes(heads):
    """ALiBi's head slopes (Press et al. 2022), as Hugging Face Bloom's build_alibi_tensor computes
    them: for the largest power of two n <= heads, 2^(-8k/n), k = 1..n; the remaining heads take
    every other slope of 2n heads, 2^(-4k/n) for k = 1, 3, 5, ..."""
    n = 2 ** math.floor(math.log2(heads))
    slopes = [2.0 ** (-8.0 * k / n) for k in range(1, n + 1)]
    rest = min(n, heads - n)
    slopes += [2.0 ** (-4.0 * k / n) for k in range(1, 2 * rest, 2)]
    return torch.tensor(slopes, dtype=torch.float64)


@position("alibi")
class Alibi(Position):
    """Attention with linear biases: score(i, j) of head h gets -slope_h * |i - j| (causal: i - j)."""

    def score_bias(self, heads, pos):
        dist = (pos[:, None] - pos[None, :]).abs().to(torch.float64)
        return -alibi_slopes(heads)[:, None, None] * dist[None]


@selftest("rope-definition", spec=model_toml() + '[embed]\nposition = "rope"\n[block.attention]\nheads = 3\n',
          params=[{"style": "interleaved"}, {"style": "half"}])
def _(case, style):
    # pair p of position t rotates by t * theta^(-2p/hd): check every element by hand
    hd, theta = 8, 500.0
    x = case.rand(1, 1, 6, hd)
    y = rope(x, torch.arange(6), theta, style)
    for t in range(6):
        for p in range(hd // 2):
            i, j = (2 * p, 2 * p + 1) if style == "interleaved" else (p, p + hd // 2)
            a = t * theta ** (-2.0 * p / hd)
            c, s = math.cos(a), math.sin(a)
            xa, xb = x[0, 0, t, i].item(), x[0, 0, t, j].item()
            assert abs(y[0, 0, t, i].item() - (xa * c - xb * s)) < 1e-12
            assert abs(y[0, 0, t, j].item() - (xa * s + xb * c)) < 1e-12
    # and the position scheme hands exactly this rotation to attention
    torch.testing.assert_close(case.spec.position.rotate(x, torch.arange(6)),
                               rope(x, torch.arange(6), 10000.0, "half"))


@selftest("partial-rope", spec=model_toml() + '[embed]\nposition = "rope"\nrope_dim = 4\n'
          '[block.attention]\nheads = 2\n', params=[{"style": "interleaved"}, {"style": "half"}])
def _(case, style):
    # the first rope_dim channels rotate as a rope_dim-wide head would; the rest pass through
    x = case.rand(1, 2, 5, 12)
    y = rope(x, torch.arange(5), 500.0, style, rope_dim=4)
    torch.testing.assert_close(y[..., :4], rope(x[..., :4], torch.arange(5), 500.0, style))
    torch.testing.assert_close(y[..., 4:], x[..., 4:])
    torch.testing.assert_close(case.spec.position.rotate(x, torch.arange(5)),
                               rope(x, torch.arange(5), 10000.0, "half", rope_dim=4))


@selftest("sinusoidal-definition", spec=model_toml() + '[embed]\nposition = "sinusoidal"\n'
          'sinusoidal_layout = "concat"\n[block.attention]\nheads = 3\n')
def _(case):
    # element by element from the formulas of the paper and of fairseq
    seq, dim = 9, 8
    inter, cat = sinusoidal_table(seq, dim, "interleaved"), sinusoidal_table(seq, dim, "concat")
    for t in range(seq):
        for i in range(dim // 2):
            a = t / 10000.0 ** (2.0 * i / dim)
            assert abs(inter[t, 2 * i].item() - math.sin(a)) < 1e-12
            assert abs(inter[t, 2 * i + 1].item() - math.cos(a)) < 1e-12
            b = t * math.exp(-i * math.log(10000.0) / (dim // 2 - 1))
            assert abs(cat[t, i].item() - math.sin(b)) < 1e-12
            assert abs(cat[t, dim // 2 + i].item() - math.cos(b)) < 1e-12
    x = case.rand(2, 5, 24)
    got = case.spec.position.embed(x, case.module.weights(), case.module.env(5))
    torch.testing.assert_close(got, x + sinusoidal_table(5, 24, "concat")[None])


@selftest("alibi-slopes", spec=model_toml() + '[embed]\nposition = "alibi"\n[block.attention]\nheads = 3\n')
def _(case):
    # the paper's closed form for powers of two, and Bloom's published values for 12 heads
    np.testing.assert_allclose(alibi_slopes(8).numpy(), [2.0 ** -k for k in range(1, 9)], rtol=1e-15)
    want12 = [0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625,
              0.7071067811865476, 0.3535533905932738, 0.1767766952966369, 0.08838834764831845]
    np.testing.assert_allclose(alibi_slopes(12).numpy(), want12, rtol=1e-12)
    # the recursive definition of the paper's code (get_slopes) for a non-power of two
    def get_slopes(n):
        def pow2(n):
            start = 2 ** (-2 ** -(math.log2(n) - 3))
            return [start * start ** i for i in range(n)]
        if math.log2(n).is_integer():
            return pow2(n)
        c = 2 ** math.floor(math.log2(n))
        return pow2(c) + get_slopes(2 * c)[0::2][:n - c]
    for n in (1, 2, 3, 5, 6, 7, 12, 20, 24):
        np.testing.assert_allclose(alibi_slopes(n).numpy(), get_slopes(n), rtol=1e-12)
    bias = case.spec.position.score_bias(3, torch.arange(4))
    assert bias.shape == (3, 4, 4)
    assert bias[1, 3, 1].item() == -get_slopes(3)[1] * 2 and bias[1, 1, 3].item() == bias[1, 3, 1].item()


@selftest("learned-positions-added", spec=model_toml() + "[block.attention]\nheads = 3\n")
def _(case):
    x = case.rand(2, 5, 24)
    got = case.spec.position.embed(x, case.module.weights(), case.module.env(5))
    np.testing.assert_array_equal(got.numpy(), x.numpy() + case.w("embed.positions")[None, :5])


spec_error("rope-odd-head-dim", model_toml() + '[embed]\nposition = "rope"\n[block.attention]\nheads = 8\n',
           match="even head_dim")
spec_error("rope-keys-need-rope", model_toml() + "[embed]\nrope_theta = 500.0\n[block.attention]\nheads = 3\n",
           match=r"rope_theta: only with position = rope")
spec_error("position-unknown", model_toml() + '[embed]\nposition = "alibi2"\n[block.attention]\nheads = 3\n',
           match=r"position = 'alibi2': expected one of")
spec_error("sinusoidal-odd-dim", model_toml(dim=25) + '[embed]\nposition = "sinusoidal"\n[block.attention]\n'
           'heads = 5\n', match="sinusoidal needs an even dim")
spec_error("sinusoidal-layout-choice", model_toml() + '[embed]\nposition = "sinusoidal"\nsinusoidal_layout = "cat"\n'
           '[block.attention]\nheads = 3\n', match="sinusoidal_layout = 'cat': expected one of")
spec_error("rope-dim-odd", model_toml() + '[embed]\nposition = "rope"\nrope_dim = 3\n[block.attention]\nheads = 3\n',
           match="rope_dim must be even")
spec_error("rope-dim-too-wide", model_toml() + '[embed]\nposition = "rope"\nrope_dim = 10\n[block.attention]\n'
           'heads = 3\n', match="rope_dim 10 exceeds head_dim 8")
spec_error("rope-dim-needs-rope", model_toml() + '[embed]\nrope_dim = 4\n[block.attention]\nheads = 3\n',
           match=r"rope_dim: only with position = rope")
