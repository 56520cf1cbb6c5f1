"""Norms ([block] norm): LayerNorm, RMSNorm, BatchNorm at inference, SLAB's RepBN and GroupNorm(1, C),
each at the slot base its user names ("layer.attn_norm", "embed.norm", "final_norm")."""
import numpy as np
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


def _running_var(rng, shape, spec):
    return np.exp(0.3 * rng.standard_normal(shape))  # positive, around 1


def _bn_slots(base, spec):
    d = spec.dim
    return [Slot(base + ".weight", (d,), "norm_weight"), Slot(base + ".bias", (d,), "bias"),
            Slot(base + ".running_mean", (d,), "bias"), Slot(base + ".running_var", (d,), _running_var)]


def _batch_norm(x, w, base, env, eps):
    """torch.nn.BatchNorm1d in eval mode, over the channels of [batch, tokens, channels]."""
    g, b = w[base + ".weight"], w[base + ".bias"]
    mean, var = w[base + ".running_mean"], w[base + ".running_var"]
    if env.fast_norm:
        return F.batch_norm(x.transpose(1, 2), mean, var, g, b, False, 0.0, eps).transpose(1, 2)
    return (x - mean) / torch.sqrt(var + eps) * g + b


@norm("batchnorm")
class BatchNorm(Norm):
    """(x - running_mean) / sqrt(running_var + eps) * weight + bias per channel (inference: the
    statistics of training, no reduction)."""
    keys = (NORM_EPS,)

    def slots(self, base, spec):
        return _bn_slots(base, spec)

    def forward(self, x, w, base, env):
        return _batch_norm(x, w, base, env, self.p.norm_eps)


@norm("repbn")
class RepBN(Norm):
    """SLAB's RepBN: bn(x) + alpha x (alpha a learned scalar), slots as its state_dict names them:
    base.alpha, base.bn.{weight, bias, running_mean, running_var}."""
    keys = (NORM_EPS,)

    def slots(self, base, spec):
        return [Slot(base + ".alpha", (1,), "norm_weight")] + _bn_slots(base + ".bn", spec)

    def forward(self, x, w, base, env):
        return _batch_norm(x, w, base + ".bn", env, self.p.norm_eps) + w[base + ".alpha"] * x


@norm("groupnorm")
class GroupNorm(Norm):
    """GroupNorm(1, C) as PoolFormer uses it on [batch, C, H, W]: each sample normalized over all its
    tokens and channels (biased variance), then weight and bias per channel. Over a sequence every
    token's output depends on the whole sequence."""
    keys = (NORM_EPS,)

    def slots(self, base, spec):
        return [Slot(base + ".weight", (spec.dim,), "norm_weight"), Slot(base + ".bias", (spec.dim,), "bias")]

    def forward(self, x, w, base, env):
        g, b, eps = w[base + ".weight"], w[base + ".bias"], self.p.norm_eps
        if env.fast_norm:
            return F.group_norm(x.transpose(1, 2), 1, g, b, eps).transpose(1, 2)
        mu = x.mean((1, 2), keepdim=True)
        var = ((x - mu) * (x - mu)).mean((1, 2), keepdim=True)
        return (x - mu) / torch.sqrt(var + eps) * g + b


_NORM_CASE = model_toml(dim=32) + '[block]\nnorm = "%s"\nnorm_eps = %r\n[block.attention]\nheads = 4\n'


@selftest("norms-match-torch", spec=lambda kind, eps: _NORM_CASE % (kind, eps),
          params=[{"kind": "layernorm", "eps": 1e-5}, {"kind": "rmsnorm", "eps": 1e-6},
                  {"kind": "batchnorm", "eps": 1e-5}, {"kind": "repbn", "eps": 1e-5},
                  {"kind": "groupnorm", "eps": 1e-6}])
def _(case, kind, eps):
    x = case.rand(2, 5, 32) * 3 + 1
    base = "layer.attn_norm"

    def t(leaf):
        return torch.from_numpy(case.w(base + "." + leaf))

    if kind == "layernorm":
        want = F.layer_norm(x, (32,), t("weight"), t("bias"), eps)
    elif kind == "rmsnorm":
        want = x / torch.sqrt((x ** 2).mean(-1, keepdim=True) + eps) * t("weight")
    elif kind in ("batchnorm", "repbn"):
        # torch's own module in eval mode, loaded from the slots as a state_dict.
        pre = "bn." if kind == "repbn" else ""
        bn = torch.nn.BatchNorm1d(32, eps=eps).double().eval()
        bn.load_state_dict({k: t(pre + k) for k in ("weight", "bias", "running_mean", "running_var")},
                           strict=False)
        with torch.no_grad():
            want = bn(x.transpose(1, 2)).transpose(1, 2)
        if kind == "repbn":
            want = want + t("alpha") * x
    else:
        gn = torch.nn.GroupNorm(1, 32, eps=eps).double()
        with torch.no_grad():
            gn.weight.copy_(t("weight"))
            gn.bias.copy_(t("bias"))
            want = gn(x.transpose(1, 2)).transpose(1, 2)
    torch.testing.assert_close(case.run("norm", x, base=base), want)
