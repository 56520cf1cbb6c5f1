"""The Kolmogorov-Arnold Transformer's channel mixer ("kan", Yang and Wang 2024): KAT's KAN block
fc2(act2(fc1(act1(x)))), each act a group-wise rational with the semantics of rational_kat_cu's
KAT_Group: channels in `groups` equal groups, for channel c of group g
P(x) / (1 + |b[g,0]| |x| + ... + |b[g,3]| |x|^4), P(x) = a[g',0] + a[g',1] x + ... + a[g',5] x^5, the
numerator shared (g' = 0, KAT_Group) or per group (g' = g, KAT_1DGroup). Slot leaves are KAT's
parameter names (weight_numerator [1 or groups, 6], weight_denominator [groups, 4])."""
import torch

from ..ops import linear
from ..registry import Channel, Key, Slot, channel
from ..selftest import model_toml, selftest, spec_error
from ..errors import SpecError

NUMERATOR_TERMS, DENOMINATOR_TERMS = 6, 4


def rational(x, a, b):
    """P(x) / Q(|x|) per channel group: a [1 or G, m+1], b [G, n]; x [..., C], G divides C."""
    groups = b.shape[0]
    size = x.shape[-1] // groups
    ax = a.expand(groups, -1).repeat_interleave(size, 0)  # [C, m+1]
    bx = b.abs().repeat_interleave(size, 0)                # [C, n]
    p = sum(ax[:, i] * x ** i for i in range(ax.shape[1]))
    q = 1.0 + sum(bx[:, i] * x.abs() ** (i + 1) for i in range(bx.shape[1]))
    return p / q


def _coef_init(rng, shape, spec):
    """O(1) coefficients of either sign: each power contributes."""
    return 0.5 * rng.standard_normal(shape)


@channel("kan")
class Kan(Channel):
    """fc2(act2(fc1(act1(x)))), act = group-wise rational (degree 5 / 4); biases follow the layer's."""
    keys = (
        Key("hidden", int, lambda p, ctx: 4 * ctx.spec.dim, min=1),
        Key("groups", int, 8, min=1),
        Key("numerator", str, "shared", choices=("shared", "per_group")),
        Key("bias", bool, lambda p, ctx: ctx.bias),
    )

    def check(self, ctx):
        p, dim = self.p, ctx.spec.dim
        if dim % p.groups or p.hidden % p.groups:
            raise SpecError("%s groups = %d must divide both dim = %d (act1's channels) and hidden = %d "
                            "(act2's)" % (self.where, p.groups, dim, p.hidden))

    def slots(self, spec):
        p = self.p
        rows = p.groups if p.numerator == "per_group" else 1
        out = []
        for act, fc, n_in, n_out in (("act1", "fc1", spec.dim, p.hidden), ("act2", "fc2", p.hidden, spec.dim)):
            out += [Slot("layer.kan.%s.weight_numerator" % act, (rows, NUMERATOR_TERMS), _coef_init, linear=False),
                    Slot("layer.kan.%s.weight_denominator" % act, (p.groups, DENOMINATOR_TERMS), _coef_init,
                         linear=False),
                    Slot("layer.kan.%s.weight" % fc, (n_out, n_in), "linear")]
            if p.bias:
                out.append(Slot("layer.kan.%s.bias" % fc, (n_out,), "bias"))
        return out

    def forward(self, x, w, env):
        for act, fc in (("act1", "fc1"), ("act2", "fc2")):
            x = linear(rational(x, w["layer.kan.%s.weight_numerator" % act],
                                w["layer.kan.%s.weight_denominator" % act]), w, "layer.kan." + fc)
        return x


def _kat_group_naive(x, a, b, groups):
    """rational_kat_cu's forward kernel, element by element: group g = d // (D / groups), P by Horner
    from a[g*6 + 5], Q by Horner over |x| from |b[g*4 + 3]|, then Q * |x| + 1 (KAT_Group repeats its
    one numerator row for every group first)."""
    a = a.repeat(groups, 1) if a.shape[0] == 1 else a
    out = torch.empty_like(x)
    flat_x, flat_o = x.reshape(-1, x.shape[-1]), out.view(-1, x.shape[-1])
    per = x.shape[-1] // groups
    for row in range(flat_x.shape[0]):
        for d in range(x.shape[-1]):
            g, v = d // per, flat_x[row, d]
            p = a[g, 5]
            for i in range(4, -1, -1):
                p = p * v + a[g, i]
            q = b[g, 3].abs()
            for i in range(2, -1, -1):
                q = q * v.abs() + b[g, i].abs()
            flat_o[row, d] = p / (q * v.abs() + 1.0)
    return out


_CASE = model_toml(dim=8) + '[block]\nchannel = "kan"\n[block.attention]\nheads = 2\n[block.kan]\nhidden = 12\n' \
    'groups = %d\nnumerator = "%s"\n'


@selftest("kan-vs-rational-kat-cu", spec=lambda g, num: _CASE % (g, num),
          params=[{"g": 4, "num": "shared"}, {"g": 2, "num": "per_group"}, {"g": 1, "num": "shared"}])
def _(case, g, num):
    x = case.rand(2, 3, 8) * 2.0
    with torch.no_grad():
        h = x
        for act, fc in (("act1", "fc1"), ("act2", "fc2")):
            a = torch.from_numpy(case.w("layer.kan.%s.weight_numerator" % act))
            b = torch.from_numpy(case.w("layer.kan.%s.weight_denominator" % act))
            lin = torch.from_numpy(case.w("layer.kan.%s.weight" % fc))
            bias = torch.from_numpy(case.w("layer.kan.%s.bias" % fc))
            h = _kat_group_naive(h, a, b, g) @ lin.t() + bias
        torch.testing.assert_close(case.run("channel", x), h, rtol=1e-12, atol=1e-12)


spec_error("kan-groups-divide", _CASE % (3, "shared"), match="groups = 3 must divide both dim = 8")
spec_error("kan-numerator-unknown", _CASE % (4, "each"), match="numerator = 'each': expected one of")
