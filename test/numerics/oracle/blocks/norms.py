"""Norms ([block] norm): LayerNorm and RMSNorm, each at the slot base its user names
("layer.attn_norm", "embed.norm", "final_norm")."""
import torch
import torch.nn.functional as F

from ..registry import Key, Norm, Slot, norm
from ..selftest import model_toml, selftest

NORM_EPS = Key("norm_eps", float, 1e-5)


@norm("layernorm", default=True)
class LayerNorm(Norm):
    """(x - mean) / sqrt(var + eps) * weight + bias, biased variance over the last axis."""
    keys = (NORM_EPS,)

    def slots(self, base, spec):
        return [Slot(base + ".weight", (spec.dim,), "norm_weight"), Slot(base + ".bias", (spec.dim,), "bias")]

    def forward(self, x, w, base, env):
        g, b, eps = w[base + ".weight"], w[base + ".bias"], self.p.norm_eps
        if env.fast_norm:
            return F.layer_norm(x, tuple(g.shape), g, b, eps)
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) * (x - mu)).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + eps) * g + b


@norm("rmsnorm")
class RmsNorm(Norm):
    """x / sqrt(mean(x^2) + eps) * weight."""
    keys = (NORM_EPS,)

    def slots(self, base, spec):
        return [Slot(base + ".weight", (spec.dim,), "norm_weight")]

    def forward(self, x, w, base, env):
        return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + self.p.norm_eps) * w[base + ".weight"]


_NORM_CASE = model_toml(dim=32) + '[block]\nnorm = "%s"\nnorm_eps = %r\n[block.attention]\nheads = 4\n'


@selftest("norms-match-torch", spec=lambda kind, eps: _NORM_CASE % (kind, eps),
          params=[{"kind": "layernorm", "eps": 1e-5}, {"kind": "rmsnorm", "eps": 1e-6}])
def _(case, kind, eps):
    x = case.rand(2, 5, 32) * 3 + 1
    g = torch.from_numpy(case.w("layer.attn_norm.weight"))
    if kind == "layernorm":
        want = F.layer_norm(x, (32,), g, torch.from_numpy(case.w("layer.attn_norm.bias")), eps)
    else:
        want = x / torch.sqrt((x ** 2).mean(-1, keepdim=True) + eps) * g
    torch.testing.assert_close(case.run("norm", x, base="layer.attn_norm"), want)
