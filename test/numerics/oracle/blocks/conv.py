"""The depthwise-convolution mixer ("conv"; the token mixer of ConvNeXt, "A ConvNet for the 2020s",
in 1-D): each channel convolved with its own kernel_size taps along the sequence, zero padded,
causal (the token and the taps before it) or centred, plus a bias. The weight is stored as PyTorch's
Conv1d(dim, dim, kernel_size, groups=dim) stores it: [dim, 1, kernel_size]."""
import numpy as np
import torch
import torch.nn.functional as F

from ..errors import SpecError
from ..registry import Key, Mixer, Slot, mixer
from ..selftest import model_toml, selftest, spec_error


@mixer("conv")
class Conv(Mixer):
    """y[s, c] = bias[c] + sum_j weight[c, 0, j] x[s - o + j, c], o = K - 1 (causal) or (K - 1) / 2."""
    keys = (
        Key("kernel_size", int, 3, min=1),
        Key("causal", bool, True),
        Key("bias", bool, lambda p, ctx: ctx.bias),  # default: the layer's bias
    )

    def check(self, ctx):
        if not self.p.causal and self.p.kernel_size % 2 == 0:
            raise SpecError("%s kernel_size = %d must be odd with causal = false: a centred window has as many "
                            "taps after the token as before it%s" % (self.where, self.p.kernel_size, ctx.for_layer()))

    def slots(self, spec):
        out = [Slot("layer.conv.weight", (spec.dim, 1, self.p.kernel_size), "linear", linear=False)]
        if self.p.bias:
            out.append(Slot("layer.conv.bias", (spec.dim,), "bias"))
        return out

    def forward(self, x, w, env):
        K, S = self.p.kernel_size, x.shape[1]
        pad = K - 1 if self.p.causal else (K - 1) // 2
        b = w["layer.conv.bias"] if "layer.conv.bias" in w else None
        y = F.conv1d(x.transpose(1, 2), w["layer.conv.weight"], b, padding=pad, groups=x.shape[2])
        return y[:, :, :S].transpose(1, 2)  # causal: the first S outputs of the padded convolution


# ------------------------------------------------------------------------------------------------
# self-tests
# ------------------------------------------------------------------------------------------------

def naive_conv(x, wt, bias, causal):
    B, S, C = x.shape
    K = wt.shape[2]
    o = K - 1 if causal else (K - 1) // 2
    y = np.zeros_like(x) + (0 if bias is None else bias)
    for s in range(S):
        for j in range(K):
            if 0 <= s - o + j < S:
                y[:, s] += wt[:, 0, j] * x[:, s - o + j]
    return y


_CASE = model_toml(dim=6) + '[block]\nmixer = "conv"\nbias = %s\n[block.conv]\nkernel_size = %d\ncausal = %s\n'
_PARAMS = [{"k": k, "causal": c, "bias": b} for k, c in ((1, "true"), (4, "true"), (3, "false"), (5, "false"), (7, "true"))
           for b in ("true", "false")]


@selftest("conv-vs-naive-taps", spec=lambda k, causal, bias: _CASE % (bias, k, causal), params=_PARAMS)
def _(case, k, causal, bias):
    wt = case.w("layer.conv.weight")
    b = case.w("layer.conv.bias") if bias == "true" else None
    for S in (1, 2, 5, 12):
        x = case.rand(2, S, 6)
        np.testing.assert_allclose(case.run("mixer", x).numpy(), naive_conv(x.numpy(), wt, b, causal == "true"),
                                   rtol=1e-12, atol=1e-12)


@selftest("conv-matches-torch-conv1d-module", spec=_CASE % ("true", 5, "false"))
def _(case):
    # A Conv1d(dim, dim, K, groups=dim, padding=K // 2) loads the slot's tensors as its state dict.
    m = torch.nn.Conv1d(6, 6, 5, groups=6, padding=2).double()
    m.load_state_dict({"weight": torch.from_numpy(case.w("layer.conv.weight")),
                       "bias": torch.from_numpy(case.w("layer.conv.bias"))})
    x = case.rand(3, 9, 6)
    with torch.no_grad():
        torch.testing.assert_close(case.run("mixer", x), m(x.transpose(1, 2)).transpose(1, 2), rtol=1e-12, atol=1e-12)
    assert {"layers.0.conv.weight", "layers.0.conv.bias"} <= set(case.weights)


spec_error("conv-centred-needs-odd", _CASE % ("true", 4, "false"), match="kernel_size = 4 must be odd with causal = false")
spec_error("conv-kernel-positive", _CASE % ("true", 0, "true"), match="kernel_size = 0: must be >= 1")
