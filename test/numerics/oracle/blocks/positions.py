"""Position schemes ([embed] position): learned absolute positions, rotary (RoPE, consumed by
attention through Position.rotate), none."""
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


def rope(x, pos, theta, style):
    """x: [..., S, hd]; pos: [S] positions. Rotates pair p by pos * theta^(-2p/hd); the pairs are
    (x[2p], x[2p+1]) ("interleaved": Meta Llama, GPT-J) or (x[p], x[p+hd/2]) ("half": GPT-NeoX,
    HF Llama)."""
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
    )

    def rotate(self, t, pos):
        return rope(t, pos, self.p.rope_theta, self.p.rope_style)

    def check_head_dim(self, hd, where):
        if hd % 2:
            raise SpecError("%s: rope needs an even head_dim, got %d" % (where, hd))


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


@selftest("learned-positions-added", spec=model_toml() + "[block.attention]\nheads = 3\n")
def _(case):
    x = case.rand(2, 5, 24)
    got = case.spec.position.embed(x, case.module.weights(), case.module.env(5))
    np.testing.assert_array_equal(got.numpy(), x.numpy() + case.w("embed.positions")[None, :5])


spec_error("rope-odd-head-dim", model_toml() + '[embed]\nposition = "rope"\n[block.attention]\nheads = 8\n',
           match="even head_dim")
spec_error("rope-keys-need-rope", model_toml() + "[embed]\nrope_theta = 500.0\n[block.attention]\nheads = 3\n",
           match=r"rope_theta: only with position = rope")
spec_error("position-unknown", model_toml() + '[embed]\nposition = "alibi"\n[block.attention]\nheads = 3\n',
           match=r"position = 'alibi': expected one of")
