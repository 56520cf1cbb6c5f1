"""The polynomial composition activations of "Polynomial Composition Activations" (Zhuo et al.,
ICLR 2025): PolyReLU and PolyNorm, MLP activations with three learned coefficients and a bias
([block.mlp] activation = "polyrelu" | "polynorm", slots layer.mlp.act.weight [3], .bias [1]).
Written from the official code's formulas (BryceZhuo/PolyCom: the highest power's coefficient
first, norm(z) = z / sqrt(mean(z^2) + 1e-6) over the hidden channels)."""
import torch

from ..selftest import model_toml, selftest

POLY_ORDER = 3
POLY_NORM_EPS = 1e-6


def _power_sum(w, b, powers):
    """w[0] powers(r) + ... + w[r-1] powers(1) + b[0]."""
    r = w.shape[0]
    return sum(w[r - k] * powers(k) for k in range(1, r + 1)) + b[0]


def poly_relu(x, w, b):
    """sum_i a_i relu(x)^i."""
    y = torch.relu(x)
    return _power_sum(w, b, lambda k: y ** k)


def poly_norm(x, w, b, eps=POLY_NORM_EPS):
    """sum_i a_i norm(x^i), each power normalized by its RMS over the last axis."""
    def norm(z):
        return z / torch.sqrt(z.pow(2).mean(-1, keepdim=True) + eps)
    return _power_sum(w, b, lambda k: norm(x ** k))


def poly_init(rng, shape, spec):
    """PolyCom's init (1/3 each) plus noise, so each power's coefficient matters."""
    return 1.0 / 3.0 + 0.1 * rng.standard_normal(shape)


class _OfficialPolyNorm(torch.nn.Module):
    """The README's PolyNorm class (BryceZhuo/PolyCom), transcribed."""

    def __init__(self, eps=1e-6):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(3, dtype=torch.float64) / 3)
        self.bias = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        self.eps = eps

    def _norm(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

    def forward(self, x):
        return (self.weight[0] * self._norm(x ** 3) + self.weight[1] * self._norm(x ** 2)
                + self.weight[2] * self._norm(x) + self.bias)


def _official_poly_relu(x, weight, bias):
    """dense_model/megatron_patch/model/llama2/transformer.py's PolyReLU: poly(relu(x))."""
    x = torch.relu(x)
    return weight[0] * (x ** 3) + weight[1] * (x ** 2) + weight[2] * x + bias


_MLP = model_toml(dim=12) + '[block.attention]\nheads = 2\n[block.mlp]\nhidden = 20\nactivation = "%s"\n'


@selftest("polycom-vs-official", spec=_MLP % "polyrelu")
def _(case):
    x = case.rand(2, 5, 20)
    w, b = torch.from_numpy(case.w("layer.mlp.act.weight")), torch.from_numpy(case.w("layer.mlp.act.bias"))
    with torch.no_grad():
        torch.testing.assert_close(poly_relu(x, w, b), _official_poly_relu(x, w, b), rtol=1e-12, atol=1e-12)
        ref = _OfficialPolyNorm()
        ref.weight.copy_(w)
        ref.bias.copy_(b)
        torch.testing.assert_close(poly_norm(x, w, b), ref(x), rtol=1e-12, atol=1e-12)
