"""The depthwise-convolution mixer ("conv"; the token mixer of ConvNeXt, "A ConvNet for the 2020s",
in 1-D): each channel convolved with its own kernel_size taps along the sequence, zero padded,
causal (the token and the taps before it) or centred, plus a bias. The weight is stored as PyTorch's
Conv1d(dim, dim, kernel_size, groups=dim) stores it: [dim, 1, kernel_size]. On an image input's patch
grid (tokens row by row) it is ConvNeXt's 2-D depthwise conv: Conv2d(dim, dim, kernel_size,
padding=kernel_size // 2, groups=dim), weight [dim, 1, kernel_size, kernel_size], always centred."""
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
        Key("causal", bool, lambda p, ctx: ctx.spec.input != "image"),  # on the patch grid: centred
        Key("bias", bool, lambda p, ctx: ctx.bias),  # default: the layer's bias
    )

    def check(self, ctx):
        if ctx.spec.input == "image":
            if ctx.spec.cls_token:
                raise SpecError("%s: conv on the patch grid needs [embed] cls_token = false" % self.where)
            if self.p.causal:
                raise SpecError("%s causal = true: a conv on the patch grid is centred%s" % (self.where, ctx.for_layer()))
        if not self.p.causal and self.p.kernel_size % 2 == 0:
            raise SpecError("%s kernel_size = %d must be odd with causal = false: a centred window has as many "
                            "taps after the token as before it%s" % (self.where, self.p.kernel_size, ctx.for_layer()))

    def slots(self, spec):
        K = self.p.kernel_size
        shape = (spec.dim, 1, K, K) if spec.input == "image" else (spec.dim, 1, K)
        out = [Slot("layer.conv.weight", shape, "linear", linear=False)]
        if self.p.bias:
            out.append(Slot("layer.conv.bias", (spec.dim,), "bias"))
        return out

    def forward(self, x, w, env):
        K, S = self.p.kernel_size, x.shape[1]
        spec = env.spec
        if spec.input == "image":  # 2-D, centred, on the patch grid (tokens row by row)
            B, _, C = x.shape
            g = x.transpose(1, 2).reshape(B, C, spec.rows, spec.cols)
            b = w["layer.conv.bias"] if "layer.conv.bias" in w else None
            y = F.conv2d(g, w["layer.conv.weight"], b, padding=K // 2, groups=C)
            return y.reshape(B, C, S).transpose(1, 2)
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


def naive_grid_conv(x, wt, bias, rows, cols):
    """Per token of a rows x cols grid (row by row): bias + the K x K taps over the grid neighbours
    (centred, zero outside the grid)."""
    K, h = wt.shape[2], wt.shape[2] // 2
    y = np.zeros_like(x) + (0 if bias is None else bias)
    for r in range(rows):
        for q in range(cols):
            for i in range(K):
                for j in range(K):
                    rr, qq = r - h + i, q - h + j
                    if 0 <= rr < rows and 0 <= qq < cols:
                        y[:, r * cols + q] += wt[:, 0, i, j] * x[:, rr * cols + qq]
    return y


_GRID = ('[model]\nname = "case"\ndim = 6\nlayers = 1\ninput = "image"\noutput = "hidden"\n'
         '[embed]\nimage_size = [12, 20]\npatch = 4\ncls_token = false\nposition = "none"\n'
         '[block]\nmixer = "conv"\nbias = %s\n[block.conv]\nkernel_size = %d\n')


@selftest("conv-on-the-patch-grid-vs-naive", spec=lambda k, bias: _GRID % (bias, k),
          params=[{"k": k, "bias": b} for k in (1, 3, 7) for b in ("true", "false")])
def _(case, k, bias):
    wt = case.w("layer.conv.weight")
    assert wt.shape == (6, 1, k, k)
    b = case.w("layer.conv.bias") if bias == "true" else None
    x = case.rand(2, 15, 6)  # a 3 x 5 grid
    np.testing.assert_allclose(case.run("mixer", x).numpy(), naive_grid_conv(x.numpy(), wt, b, 3, 5),
                               rtol=1e-12, atol=1e-12)


spec_error("conv-grid-without-class-token",
           _GRID.replace("cls_token = false", "cls_token = true") % ("true", 3),
           match="needs \\[embed\\] cls_token = false")
spec_error("conv-grid-is-centred", _GRID % ("true", 3) + "causal = true\n", match="causal = true: a conv on the patch grid is centred")
spec_error("conv-grid-odd", _GRID % ("true", 4), match="kernel_size = 4 must be odd with causal = false")
