"""Placements ([block] placement): where a layer's norms sit around its sub-layers."""
import torch

from ..registry import Placement, placement
from ..selftest import model_toml, selftest


@placement("pre", default=True)
class Pre(Placement):
    """x + f(norm(x)) for each sub-layer f (GPT-2, Llama); a final norm by default."""
    final_norm = True

    def forward(self, x, subs, norm, env):
        for f in subs:
            x = x + f(norm(f.norm, x))
        return x


@placement("post")
class Post(Placement):
    """norm(x + f(x)) for each sub-layer f (BERT); no final norm by default."""
    final_norm = False

    def forward(self, x, subs, norm, env):
        for f in subs:
            x = norm(f.norm, x + f(x))
        return x


_CASE = model_toml(dim=16) + '[block]\nplacement = "%s"\nnorm = "rmsnorm"\n[block.attention]\nheads = 2\n'


@selftest("placement-wiring", spec=lambda kind: _CASE % kind, params=[{"kind": "pre"}, {"kind": "post"}])
def _(case, kind):
    # the layer, written out from its parts run one by one
    x = case.rand(1, 6, 16)

    def n(base, h):
        return case.run("norm", h, base=base)

    if kind == "pre":
        h = x + case.run("mixer", n("layer.attn_norm", x))
        want = h + case.run("channel", n("layer.mlp_norm", h))
    else:
        h = n("layer.attn_norm", x + case.run("mixer", x))
        want = n("layer.mlp_norm", h + case.run("channel", h))
    with torch.no_grad():
        got = case.module.run_layer(x, case.spec.layer[0], case.module.env(6))
    torch.testing.assert_close(got, want, rtol=0, atol=0)
    assert case.spec.final_norm == (kind == "pre")
