"""The MLP channel mixer ("mlp"): down(act(up x)), or with kind = "glu" down(act(gate x) * up x)
(SwiGLU, GeGLU, ReGLU, and with activation = "identity" the bilinear layer); any registered
activation, or a learned polynomial composition activation (polycom.py) with its coefficients at
layer.mlp.act."""
import torch

from ..ops import linear
from ..registry import Channel, Key, Slot, act, activations, channel
from ..selftest import model_toml, selftest, spec_error
from .polycom import POLY_ORDER, poly_init, poly_norm, poly_relu

_LEARNED = {"polyrelu": poly_relu, "polynorm": poly_norm}


@channel("mlp", default=True)
class Mlp(Channel):
    """down(act(up x)) | down(act(gate x) * up x); biases follow the layer's bias."""
    keys = (
        Key("kind", str, "mlp", choices=("mlp", "glu")),
        Key("hidden", int, lambda p, ctx: 4 * ctx.spec.dim, min=1),
        Key("activation", str, "gelu", choices=lambda: activations() + tuple(_LEARNED)),
        Key("bias", bool, lambda p, ctx: ctx.bias),  # default: the layer's bias
    )

    def slots(self, spec):
        p = self.p
        out = []
        for nm in ("up", "gate") if p.kind == "glu" else ("up",):
            out.append(Slot("layer.mlp.%s.weight" % nm, (p.hidden, spec.dim), "linear"))
            if p.bias:
                out.append(Slot("layer.mlp.%s.bias" % nm, (p.hidden,), "bias"))
        if p.activation in _LEARNED:
            out += [Slot("layer.mlp.act.weight", (POLY_ORDER,), poly_init, linear=False),
                    Slot("layer.mlp.act.bias", (1,), "bias")]
        out.append(Slot("layer.mlp.down.weight", (spec.dim, p.hidden), "linear"))
        if p.bias:
            out.append(Slot("layer.mlp.down.bias", (spec.dim,), "bias"))
        return out

    def act(self, x, w):
        learned = _LEARNED.get(self.p.activation)
        if learned:
            return learned(x, w["layer.mlp.act.weight"], w["layer.mlp.act.bias"])
        return act(self.p.activation, x)

    def forward(self, x, w, env):
        up = linear(x, w, "layer.mlp.up")
        if self.p.kind == "glu":
            h = self.act(linear(x, w, "layer.mlp.gate"), w) * up
        else:
            h = self.act(up, w)
        return linear(h, w, "layer.mlp.down")


_CASE = model_toml(dim=12) + '[block.attention]\nheads = 2\n[block.mlp]\nkind = "%s"\nhidden = 20\nactivation = "%s"\n'


@selftest("mlp-vs-nn-linear", spec=lambda kind, a: _CASE % (kind, a),
          params=[{"kind": k, "a": a} for k in ("mlp", "glu")
                  for a in ("gelu", "gelu_tanh", "relu", "silu", "identity")])
def _(case, kind, a):
    fn = {"gelu": torch.nn.GELU(), "gelu_tanh": torch.nn.GELU(approximate="tanh"), "relu": torch.nn.ReLU(),
          "silu": torch.nn.SiLU(), "identity": torch.nn.Identity()}[a]

    def lin(name):
        m = torch.nn.Linear(*reversed(case.w("layer.mlp.%s.weight" % name).shape)).double()
        with torch.no_grad():
            m.weight.copy_(torch.from_numpy(case.w("layer.mlp.%s.weight" % name)))
            m.bias.copy_(torch.from_numpy(case.w("layer.mlp.%s.bias" % name)))
        return m

    x = case.rand(2, 5, 12)
    with torch.no_grad():
        h = fn(lin("gate")(x)) * lin("up")(x) if kind == "glu" else fn(lin("up")(x))
        want = lin("down")(h)
    torch.testing.assert_close(case.run("channel", x), want, rtol=1e-12, atol=1e-12)


spec_error("mlp-activation-unknown", _CASE % ("mlp", "swish"), match="activation = 'swish': expected one of")
spec_error("mlp-kind-unknown", _CASE % ("moe", "gelu"), match="kind = 'moe'")
