"""Placements ([block] placement): where a layer's norms sit around its sub-layers, and LayerScale
(`layer_scale = true`: each sub-layer's output times its own per-channel vector, CaiT's diag(lambda))."""
import math

import torch

from ..errors import SpecError
from ..registry import Key, Placement, Slot, placement
from ..selftest import model_toml, selftest, spec_error

LAYER_SCALE = Key("layer_scale", bool, False)
SCALE_SLOTS = {"mixer": "layer.attn_scale", "channel": "layer.mlp_scale"}
OUT_NORMS = {"mixer": "layer.attn_out_norm", "channel": "layer.mlp_out_norm"}


class Scaled(Placement):
    """A placement with LayerScale: slots layer.attn_scale / layer.mlp_scale [dim] when layer_scale."""
    keys = (LAYER_SCALE,)

    def slots(self, sub, spec):
        return [Slot(SCALE_SLOTS[sub.role], (spec.dim,), "norm_weight")] if self.p.layer_scale else []

    def scaled(self, f, y, w):
        return y * w[SCALE_SLOTS[f.role]] if self.p.layer_scale else y


@placement("pre", default=True)
class Pre(Scaled):
    """x + f(norm(x)) for each sub-layer f (GPT-2, Llama); a final norm by default."""
    final_norm = True

    def forward(self, x, subs, norm, w, env):
        for f in subs:
            x = x + self.scaled(f, f(norm(f.norm, x)), w)
        return x


@placement("post")
class Post(Scaled):
    """norm(x + f(x)) for each sub-layer f (BERT); no final norm by default."""
    final_norm = False

    def forward(self, x, subs, norm, w, env):
        for f in subs:
            x = norm(f.norm, x + self.scaled(f, f(x), w))
        return x


@placement("peri")
class Peri(Scaled):
    """x + norm_out(f(norm(x))) for each sub-layer f (Peri-LN; Gemma 2's sandwich norm): a second norm
    of the layer's kind on each sub-layer's output, slots layer.attn_out_norm / layer.mlp_out_norm;
    a final norm by default."""
    final_norm = True

    def norms(self, sub):
        return [sub.norm, OUT_NORMS[sub.role]]

    def forward(self, x, subs, norm, w, env):
        for f in subs:
            x = x + self.scaled(f, norm(OUT_NORMS[f.role], f(norm(f.norm, x))), w)
        return x


@placement("deepnorm")
class DeepNorm(Scaled):
    """norm(alpha x + f(x)) for each sub-layer f (DeepNet, post-LN); alpha defaults to (2N)^(1/4) for
    an N-layer encoder-only or decoder-only stack (DeepNet's table; its encoder-decoder variants do
    not apply to one stack). No final norm by default."""
    final_norm = False
    keys = (LAYER_SCALE, Key("deepnorm_alpha", float, lambda p, ctx: (2.0 * ctx.spec.layers) ** 0.25))

    def forward(self, x, subs, norm, w, env):
        for f in subs:
            x = norm(f.norm, self.p.deepnorm_alpha * x + self.scaled(f, f(x), w))
        return x


@placement("parallel")
class Parallel(Scaled):
    """x + attn(norm(x)) + mlp(norm(x)) with one norm (GPT-J, PaLM): both sub-layers read the same
    normalized input (slots layer.attn_norm only); a final norm by default."""
    final_norm = True

    def norms(self, sub):
        return [sub.norm] if sub.role == "mixer" else []

    def check_layer(self, layer, ctx):
        if layer.channel is None:
            raise SpecError("placement = parallel needs a channel sub-layer (layer %d has channel = none)"
                            % layer.index)

    def forward(self, x, subs, norm, w, env):
        mixer, channel = subs
        n = norm(mixer.norm, x)
        return x + self.scaled(mixer, mixer(n), w) + self.scaled(channel, channel(n), w)


_CASE = model_toml(dim=16) + '[block]\nplacement = "%s"\nnorm = "rmsnorm"\nlayer_scale = %s\n[block.attention]\nheads = 2\n'


@selftest("placement-wiring", spec=lambda kind, ls: _CASE % (kind, "true" if ls else "false"),
          params=[{"kind": k, "ls": ls} for k in ("pre", "post", "peri", "deepnorm", "parallel")
                  for ls in (False, True)])
def _(case, kind, ls):
    # the layer, written out from its parts run one by one
    x = case.rand(1, 6, 16)

    def n(base, h):
        return case.run("norm", h, base=base)

    def s(slot, h):
        return h * torch.from_numpy(case.w(slot)) if ls else h

    def attn(h):
        return s("layer.attn_scale", case.run("mixer", h))

    def mlp(h):
        return s("layer.mlp_scale", case.run("channel", h))

    if kind == "pre":
        h = x + attn(n("layer.attn_norm", x))
        want = h + mlp(n("layer.mlp_norm", h))
    elif kind == "post":
        h = n("layer.attn_norm", x + attn(x))
        want = n("layer.mlp_norm", h + mlp(h))
    elif kind == "peri":
        h = x + s("layer.attn_scale", n("layer.attn_out_norm", case.run("mixer", n("layer.attn_norm", x))))
        want = h + s("layer.mlp_scale", n("layer.mlp_out_norm", case.run("channel", n("layer.mlp_norm", h))))
    elif kind == "deepnorm":
        a = math.sqrt(math.sqrt(2.0))  # (2 N)^(1/4), N = 1 layer
        h = n("layer.attn_norm", a * x + attn(x))
        want = n("layer.mlp_norm", a * h + mlp(h))
    else:
        h = n("layer.attn_norm", x)
        want = x + attn(h) + mlp(h)
    with torch.no_grad():
        got = case.module.run_layer(x, case.spec.layer[0], case.module.env(6))
    torch.testing.assert_close(got, want, rtol=0, atol=0)
    assert case.spec.final_norm == (kind in ("pre", "peri", "parallel"))


spec_error("parallel-needs-channel", _CASE % ("parallel", "false") + '[block.mlp]\n[[layer]]\nindex = 0\nchannel = "none"\n',
           match="parallel needs a channel")
spec_error("layer-scale-type", _CASE % ("pre", '"yes"'), match="layer_scale = 'yes': expected a boolean")
