"""AFT-simple (the "aft" mixer; Zhai et al. 2021, "An Attention Free Transformer"): per channel,
sigmoid(q_t) * sum_j softmax_j(k)_j v_j over the whole sequence, or over the prefix j <= t when
causal. The q, k, v projections (dim -> hidden) and the output projection (hidden -> dim) carry the
attribute names of aft-pytorch's AFTSimple (to_q, to_k, to_v, project)."""
import math

import numpy as np
import torch

from ..ops import linear
from ..registry import Key, Mixer, Slot, mixer
from ..selftest import model_toml, selftest, spec_error

_PROJ = (("to_q", "in"), ("to_k", "in"), ("to_v", "in"), ("project", "out"))


def aft(q, k, v, causal):
    """The parallel form. Causal: prefix sums of exp(k - M) v and exp(k - M), with M the channel's
    maximum key over the whole sequence (so no exp overflows; a prefix loses all its weight only if
    every key in it is ~700 below M in float64, ~87 in float32)."""
    if not causal:
        return torch.sigmoid(q) * (torch.softmax(k, dim=1) * v).sum(dim=1, keepdim=True)
    e = torch.exp(k - k.amax(dim=1, keepdim=True))
    return torch.sigmoid(q) * (torch.cumsum(e * v, dim=1) / torch.cumsum(e, dim=1))


@mixer("aft")
class Aft(Mixer):
    """project(aft(to_q x, to_k x, to_v x)); biases follow the layer's bias."""
    keys = (
        Key("hidden", int, lambda p, ctx: ctx.spec.dim, min=1),
        Key("causal", bool, True),
        Key("bias", bool, lambda p, ctx: ctx.bias),  # default: the layer's bias
    )

    def slots(self, spec):
        out = []
        for name, side in _PROJ:
            rows, cols = (self.p.hidden, spec.dim) if side == "in" else (spec.dim, self.p.hidden)
            out.append(Slot("layer.aft.%s.weight" % name, (rows, cols), "linear"))
            if self.p.bias:
                out.append(Slot("layer.aft.%s.bias" % name, (rows,), "bias"))
        return out

    def forward(self, x, w, env):
        q, k, v = (linear(x, w, "layer.aft." + n) for n in ("to_q", "to_k", "to_v"))
        return linear(aft(q, k, v, self.p.causal), w, "layer.aft.project")


# ------------------------------------------------------------------------------------------------
# self-tests
# ------------------------------------------------------------------------------------------------

def recurrent_aft(q, k, v, causal):
    """Token by token per channel, carrying the running maximum m and the sums n, d of
    exp(k - m) v and exp(k - m), rescaled whenever the maximum grows (what the compiled kernel
    computes). Non-causal: every token reads the state after the last one."""
    B, S, C = q.shape
    y = np.zeros((B, S, C))
    for b in range(B):
        for c in range(C):
            m, n, d = -math.inf, 0.0, 0.0
            states = []
            for t in range(S):
                m2 = max(m, k[b, t, c])
                n = n * math.exp(m - m2) + v[b, t, c] * math.exp(k[b, t, c] - m2)
                d = d * math.exp(m - m2) + math.exp(k[b, t, c] - m2)
                m = m2
                states.append(n / d)
            for t in range(S):
                y[b, t, c] = states[t] if causal else states[-1]
    return 1.0 / (1.0 + np.exp(-q)) * y


def masked_softmax_aft(q, k, v, causal):
    """The defining form: for each query t, a softmax over the keys j (j <= t when causal)."""
    S = q.shape[1]
    s = k[:, None, :, :].expand(-1, S, -1, -1)  # [B, t, j, C]
    if causal:
        hide = torch.arange(S)[None, :] > torch.arange(S)[:, None]  # j > t
        s = s.masked_fill(hide[None, :, :, None], float("-inf"))
    return torch.sigmoid(q) * (torch.softmax(s, dim=2) * v[:, None]).sum(dim=2)


_CASE = model_toml(dim=12) + "[block]\nmixer = \"aft\"\nbias = %s\n[block.aft]\nhidden = 10\ncausal = %s\n"


@selftest("aft-parallel-vs-recurrent-and-masked", spec=lambda causal, bias: _CASE % (bias, causal),
          params=[{"causal": c, "bias": b} for c in ("true", "false") for b in ("true", "false")], seed=2)
def _(case, causal, bias):
    x = case.rand(2, 9, 12) * 2
    g = lambda n: torch.from_numpy(case.w("layer.aft.%s" % n))  # noqa: E731
    lin = lambda h, n: h @ g(n + ".weight").T + (g(n + ".bias") if bias == "true" else 0)  # noqa: E731
    q, k, v = (lin(x, n) * 3 for n in ("to_q", "to_k", "to_v"))  # wide keys: the maximum moves
    c = causal == "true"
    par = aft(q, k, v, c)
    np.testing.assert_allclose(par.numpy(), recurrent_aft(q.numpy(), k.numpy(), v.numpy(), c), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(par, masked_softmax_aft(q, k, v, c), rtol=1e-10, atol=1e-12)
    q, k, v = (lin(x, n) for n in ("to_q", "to_k", "to_v"))
    torch.testing.assert_close(case.run("mixer", x), lin(aft(q, k, v, c), "project"), rtol=1e-12, atol=1e-12)


@selftest("aft-causal-last-token-is-bidirectional", spec=_CASE % ("true", "true"))
def _(case):
    q, k, v = (case.rand(2, 6, 5, seed=i) * 4 for i in range(3))
    torch.testing.assert_close(aft(q, k, v, True)[:, -1], aft(q, k, v, False)[:, -1], rtol=1e-12, atol=1e-12)


class AFTSimple(torch.nn.Module):
    """aft-pytorch's AFTSimple (rish-16/aft-pytorch, aft_pytorch.py): its attribute names, its
    forward written as that file writes it."""

    def __init__(self, dim, hidden_dim):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.to_q = torch.nn.Linear(dim, hidden_dim)
        self.to_k = torch.nn.Linear(dim, hidden_dim)
        self.to_v = torch.nn.Linear(dim, hidden_dim)
        self.project = torch.nn.Linear(hidden_dim, dim)

    def forward(self, x):
        B, T, _ = x.shape
        Q = self.to_q(x).view(B, T, self.hidden_dim)
        K = self.to_k(x).view(B, T, self.hidden_dim)
        V = self.to_v(x).view(B, T, self.hidden_dim)
        weights = torch.mul(torch.softmax(K, 1), V).sum(dim=1, keepdim=True)
        Yt = torch.mul(torch.sigmoid(Q), weights)
        return self.project(Yt.view(B, T, self.hidden_dim))


@selftest("aft-matches-aft-pytorch-aftsimple", spec=_CASE % ("true", "false"))
def _(case):
    ref = AFTSimple(12, 10).double()
    with torch.no_grad():
        for name, _ in _PROJ:
            getattr(ref, name).weight.copy_(torch.from_numpy(case.w("layer.aft.%s.weight" % name)))
            getattr(ref, name).bias.copy_(torch.from_numpy(case.w("layer.aft.%s.bias" % name)))
        x = case.rand(3, 7, 12)
        torch.testing.assert_close(case.run("mixer", x), ref(x), rtol=1e-12, atol=1e-12)
    names = {"layers.0.aft." + k for k in ref.state_dict()}
    assert names <= set(case.weights), names - set(case.weights)


spec_error("aft-hidden-positive", _CASE.replace("hidden = 10", "hidden = 0") % ("true", "true"),
           match="hidden = 0: must be >= 1")
spec_error("aft-unknown-key", _CASE % ("true", "true") + "heads = 2\n", match="unknown key.*heads")
