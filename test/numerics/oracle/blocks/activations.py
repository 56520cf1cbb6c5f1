"""Element-wise activations, selectable by name wherever a family takes one ([block.mlp] activation).
Written out from their definitions (docs/spec.md "Semantics"), not torch's fused ops."""
import math

import torch
import torch.nn.functional as F

from ..registry import act, activation, activations
from ..selftest import model_toml, selftest


@activation("gelu")
def gelu(x):
    return 0.5 * x * (1.0 + torch.erf(x * (1.0 / math.sqrt(2.0))))


@activation("gelu_tanh")
def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


@activation("relu")
def relu(x):
    return torch.relu(x)


@activation("silu")
def silu(x):
    return x * torch.sigmoid(x)


@activation("identity")
def identity(x):
    """The GLU of the bilinear layer: (W1 x) * (W2 x)."""
    return x


_TORCH = {"identity": lambda x: x, "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"), "silu": F.silu, "relu": F.relu}


@selftest("activations-match-torch", spec=model_toml() + "[block.attention]\nheads = 3\n")
def _(case):
    assert set(activations()) == set(_TORCH)
    x = torch.linspace(-6, 6, 1001, dtype=torch.float64)
    for name, ref in _TORCH.items():
        torch.testing.assert_close(act(name, x), ref(x), rtol=0, atol=1e-14)
