"""The Mamba mixer ("mamba"): the selective SSM block of mamba_ssm's `Mamba` / Hugging Face's
`MambaMixer` (Gu and Dao 2023). in_proj -> (x, z); u = silu(causal depthwise conv1d(x) + conv bias);
x_proj(u) -> (dt, B, C); delta = softplus(dt_proj(dt)); A = -exp(A_log);
h_t = exp(delta_t A) h_(t-1) + delta_t B_t u_t; y_t = C_t h_t + D u_t; out_proj(y * silu(z)).

The forward scans token by token, as Hugging Face's slow path and mamba_ssm's selective_scan_ref do;
scan_chunked is the chunkwise-parallel form (each chunk in closed form from its start state), and the
self-tests check each against the other and both against per-element loops."""
import functools
import math

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import SpecError
from ..ops import linear
from ..registry import Key, Mixer, Slot, mixer
from ..selftest import model_toml, selftest, spec_error


def _a_log_init(rng, shape, spec):
    """log(1..N) per channel (mamba_ssm's S4D-real init) plus noise: decays over a range of rates."""
    return np.log(np.arange(1, shape[1] + 1, dtype=np.float64))[None, :] + 0.1 * rng.standard_normal(shape)


def _dt_bias_init(rng, shape, spec):
    """softplus^-1(dt) for dt log-normal around 0.01 (mamba_ssm draws dt in [0.001, 0.1])."""
    dt = np.exp(math.log(0.01) + 0.5 * rng.standard_normal(shape))
    return dt + np.log(-np.expm1(-dt))


def _d_init(rng, shape, spec):
    return 1.0 + 0.1 * rng.standard_normal(shape)


class Scan:
    """The discretized inputs of one scan, time-major so that each token's slice is contiguous:
    delta_a = delta A and bu = delta B u are [seq, batch, inner, d_state], c = C [seq, batch, d_state]."""

    def __init__(self, delta, a, b, c, u):
        # delta, u: [batch, seq, inner]; b, c: [batch, seq, d_state]
        delta, u, b, c = (v.transpose(0, 1) for v in (delta, u, b, c))
        self.delta_a = delta[..., None] * a
        self.bu = (delta * u)[..., None] * b[:, :, None, :]
        self.c = c


def scan_steps(decay, bu, c):
    """h_t = decay_t h_(t-1) + bu_t; y_t = h_t c_t, one token at a time (time-major inputs as in
    Scan). y: [batch, seq, inner]. Plain torch, so torch.jit.script can make it an ONNX Loop."""
    h = torch.zeros_like(bu[0])
    ys = []
    for t in range(bu.shape[0]):
        h = decay[t] * h + bu[t]
        ys.append((h * c[t].unsqueeze(1)).sum(-1))
    return torch.stack(ys, dim=1)


@functools.lru_cache(maxsize=None)
def scripted_scan_steps():
    """scan_steps compiled by TorchScript: a traced export (bench/export_onnx.py) then records its
    loop as one ONNX Loop over the dynamic sequence instead of unrolling the traced length."""
    return torch.jit.script(scan_steps)


def scan_recurrent(s):
    """The scan token by token (eager; the TorchScript form while tracing for ONNX)."""
    steps = scripted_scan_steps() if torch.jit.is_tracing() else scan_steps
    return steps(torch.exp(s.delta_a), s.bu, s.c)


def scan_chunked(s, chunk):
    """The same scan chunk by chunk: inside a chunk, with L_t = sum_(r<=t) delta_a_r,
    h_t = exp(L_t) h_start + sum_(s<=t) exp(L_t - L_s) bu_s, all tokens of the chunk at once."""
    seq = s.bu.shape[0]
    h = torch.zeros_like(s.bu[0])
    ys = []
    for t0 in range(0, seq, chunk):
        da, bu, c = (v[t0:t0 + chunk] for v in (s.delta_a, s.bu, s.c))
        L = torch.cumsum(da, dim=0)                                   # [l, b, i, n]
        n = L.shape[0]
        diff = L[:, None] - L[None, :]                                # [t, s, b, i, n]
        mask = torch.tril(torch.ones(n, n, dtype=torch.bool))[:, :, None, None, None]
        decay = torch.where(mask, torch.exp(diff.masked_fill(~mask, 0.0)), torch.zeros_like(diff))
        hs = torch.exp(L) * h + (decay * bu[None]).sum(1)             # [t, b, i, n]
        ys.append((hs * c[:, :, None, :]).sum(-1))
        h = hs[-1]
    return torch.cat(ys, dim=0).transpose(0, 1)


@mixer("mamba")
class Mamba(Mixer):
    """The selective SSM block (module docstring); defaults are Hugging Face MambaConfig's."""
    keys = (
        Key("d_state", int, 16, min=1),
        Key("d_conv", int, 4, min=1),
        Key("expand", int, 2, min=1),
        Key("dt_rank", int, lambda p, ctx: -(-ctx.spec.dim // 16), min=1),  # HF "auto": ceil(dim / 16)
        Key("conv_bias", bool, True),
        Key("bias", bool, False),  # in_proj / out_proj (HF use_bias); [block] bias does not apply
    )

    def inner(self, spec):
        return self.p.expand * spec.dim

    def check(self, ctx):
        inner = self.inner(ctx.spec)
        if self.p.dt_rank > inner:
            raise SpecError("%s dt_rank %d exceeds the inner width expand * dim = %d%s"
                            % (self.where, self.p.dt_rank, inner, ctx.for_layer()))

    def slots(self, spec):
        p, I, D = self.p, self.inner(spec), spec.dim
        out = [Slot("layer.mamba.in_proj.weight", (2 * I, D), "linear")]
        if p.bias:
            out.append(Slot("layer.mamba.in_proj.bias", (2 * I,), "bias"))
        out.append(Slot("layer.mamba.conv1d.weight", (I, 1, p.d_conv), "linear", linear=False))
        if p.conv_bias:
            out.append(Slot("layer.mamba.conv1d.bias", (I,), "bias"))
        out += [Slot("layer.mamba.x_proj.weight", (p.dt_rank + 2 * p.d_state, I), "linear"),
                Slot("layer.mamba.dt_proj.weight", (I, p.dt_rank), "linear"),
                Slot("layer.mamba.dt_proj.bias", (I,), _dt_bias_init),
                Slot("layer.mamba.A_log", (I, p.d_state), _a_log_init),
                Slot("layer.mamba.D", (I,), _d_init),
                Slot("layer.mamba.out_proj.weight", (D, I), "linear")]
        if p.bias:
            out.append(Slot("layer.mamba.out_proj.bias", (D,), "bias"))
        return out

    def scan_inputs(self, x, w):
        """(Scan, u, z) of the block's input x [batch, seq, dim]."""
        p, I = self.p, w["layer.mamba.D"].shape[0]
        xz = linear(x, w, "layer.mamba.in_proj")
        xs, z = xz[..., :I].transpose(1, 2), xz[..., I:]
        seq = xs.shape[2]
        bias = w["layer.mamba.conv1d.bias"] if "layer.mamba.conv1d.bias" in w else None
        conv = F.conv1d(xs, w["layer.mamba.conv1d.weight"], bias, padding=p.d_conv - 1, groups=I)
        u = F.silu(conv[..., :seq]).transpose(1, 2)                    # [batch, seq, inner]
        dbc = torch.matmul(u, w["layer.mamba.x_proj.weight"].t())
        dt, b, c = torch.split(dbc, [p.dt_rank, p.d_state, p.d_state], dim=-1)
        delta = F.softplus(linear(dt, w, "layer.mamba.dt_proj"))
        return Scan(delta, -torch.exp(w["layer.mamba.A_log"]), b, c, u), u, z

    def finish(self, y, u, z, w):
        y = y + u * w["layer.mamba.D"]
        return linear(y * F.silu(z), w, "layer.mamba.out_proj")

    def forward(self, x, w, env):
        s, u, z = self.scan_inputs(x, w)
        return self.finish(scan_recurrent(s), u, z, w)


# ------------------------------------------------------------------------------------------------
# self-tests
# ------------------------------------------------------------------------------------------------

def naive_mamba(x, g, d_conv, dt_rank, d_state):
    """The whole block with per-element loops in float64 numpy (g(slot) -> canonical weight or None)."""
    x = x.numpy()
    B, S, D = x.shape
    Win = g("in_proj.weight")
    I = Win.shape[0] // 2
    xz = x @ Win.T + (g("in_proj.bias") if g("in_proj.bias") is not None else 0)
    cw, cb = g("conv1d.weight"), g("conv1d.bias")
    A = -np.exp(g("A_log"))
    out = np.zeros((B, S, I))
    for b_ in range(B):
        h = np.zeros((I, d_state))
        for t in range(S):
            u = np.zeros(I)
            for i in range(I):
                acc = cb[i] if cb is not None else 0.0
                for k in range(d_conv):
                    ts = t - (d_conv - 1) + k
                    if ts >= 0:
                        acc += cw[i, 0, k] * xz[b_, ts, i]
                u[i] = acc / (1 + math.exp(-acc))
            dbc = g("x_proj.weight") @ u
            dt = g("dt_proj.weight") @ dbc[:dt_rank] + g("dt_proj.bias")
            delta = np.array([v if v > 20 else math.log1p(math.exp(v)) for v in dt])
            Bv, Cv = dbc[dt_rank:dt_rank + d_state], dbc[dt_rank + d_state:]
            for i in range(I):
                y = g("D")[i] * u[i]
                for n in range(d_state):
                    h[i, n] = math.exp(delta[i] * A[i, n]) * h[i, n] + delta[i] * Bv[n] * u[i]
                    y += Cv[n] * h[i, n]
                zz = xz[b_, t, I + i]
                out[b_, t, i] = y * zz / (1 + math.exp(-zz))
    y = out @ g("out_proj.weight").T
    return y + g("out_proj.bias") if g("out_proj.bias") is not None else y


_SMALL = model_toml(vocab=10, dim=6, max_seq=16) + """[block]
mixer = "mamba"
channel = "none"
[block.mamba]
d_state = 3
d_conv = %d
expand = 2
dt_rank = 2
conv_bias = %s
bias = %s
"""


@selftest("mamba-vs-naive-loop", spec=lambda k, cb, b: _SMALL % (k, cb, b),
          params=[{"k": 4, "cb": "true", "b": "false"}, {"k": 1, "cb": "false", "b": "true"},
                  {"k": 3, "cb": "true", "b": "true"}], seed=2)
def _(case, k, cb, b):
    x = case.rand(2, 9, 6)
    got = case.run("mixer", x).numpy()
    names = {s.name for s in case.block().slots(case.spec)}

    def g(n):
        slot = "layer.mamba." + n
        return case.w(slot) if slot in names else None
    np.testing.assert_allclose(got, naive_mamba(x, g, k, 2, 3), rtol=1e-10, atol=1e-12)


_WIDE = model_toml(vocab=10, dim=8, max_seq=160) + """[block]
mixer = "mamba"
channel = "none"
[block.mamba]
d_state = 5
"""


@selftest("mamba-recurrent-vs-chunked", spec=_WIDE, params=[{"chunk": c} for c in (1, 7, 16, 40)], seed=3)
def _(case, chunk):
    """Both forms, with chunks that divide the 40 tokens or not, on the block's real scan inputs."""
    blk, w = case.block(), case.module.weights(0)
    with torch.no_grad():
        s, _, _ = blk.scan_inputs(case.rand(3, 40, 8), w)
        want = scan_recurrent(s)
        torch.testing.assert_close(scan_chunked(s, chunk), want, rtol=1e-10, atol=1e-12)
        assert want.abs().max() > 1e-3


@selftest("mamba-scripted-scan-is-eager", spec=_WIDE, seed=5)
def _(case):
    """The TorchScript scan used for ONNX export computes what the eager one does."""
    with torch.no_grad():
        s, _, _ = case.block().scan_inputs(case.rand(2, 33, 8), case.module.weights(0))
        decay = torch.exp(s.delta_a)
        torch.testing.assert_close(scripted_scan_steps()(decay, s.bu, s.c), scan_steps(decay, s.bu, s.c),
                                   rtol=0, atol=0)


@selftest("mamba-memory-outlasts-a-chunk", spec=_WIDE, seed=4)
def _(case):
    """With the random weights the state carried into token 128 matters: restarting the scan there
    (what a kernel that lost its state between its 128-token chunks would compute) changes the
    outputs far beyond the 1e-4 tolerance of the numerics tests."""
    x = case.rand(1, 150, 8)
    full, restarted = case.run("mixer", x)[:, 128:], case.run("mixer", x[:, 128:])
    assert (full - restarted).abs().max() > 1e-2 * full.abs().max()


spec_error("mamba-d-state-positive", _WIDE.replace("d_state = 5", "d_state = 0"), match="d_state = 0: must be >= 1")
spec_error("mamba-d-conv-positive", _WIDE + "d_conv = 0\n", match="d_conv = 0: must be >= 1")
spec_error("mamba-expand-positive", _WIDE + "expand = 0\n", match="expand = 0: must be >= 1")
spec_error("mamba-dt-rank-positive", _WIDE + "dt_rank = 0\n", match="dt_rank = 0: must be >= 1")
spec_error("mamba-dt-rank-at-most-inner", _WIDE + "dt_rank = 17\n",
           match="dt_rank 17 exceeds the inner width expand \\* dim = 16")
spec_error("mamba-expand-integer", _WIDE + "expand = 1.5\n", match="expand = 1.5: expected an integer")
spec_error("mamba-unknown-key", _WIDE + "d_sate = 4\n", match="unknown key.*d_sate")


@selftest("mamba-hf-names", spec=model_toml(vocab=10, dim=8, layers=2) + """[embed]
position = "none"
[block]
norm = "rmsnorm"
mixer = "mamba"
channel = "none"
[weights]
scheme = "mamba"
""")
def _(case):
    """The mamba scheme names every tensor as Hugging Face's MambaForCausalLM state dict does."""
    from ..weights import expected_weights
    got = set(expected_weights(case.spec))
    want = {"backbone.embeddings.weight", "backbone.norm_f.weight"}
    for i in range(2):
        want |= {"backbone.layers.%d.%s" % (i, n) for n in (
            "norm.weight", "mixer.in_proj.weight", "mixer.conv1d.weight", "mixer.conv1d.bias",
            "mixer.x_proj.weight", "mixer.dt_proj.weight", "mixer.dt_proj.bias", "mixer.A_log", "mixer.D",
            "mixer.out_proj.weight")}
    assert got == want
