"""The top-k mixture-of-experts channel mixer ("moe"): softmax router, top-k (renormalized or not),
MLP or GLU experts (Shazeer et al. 2017; Switch Transformer; Mixtral). Written the way Hugging
Face's MixtralSparseMoeBlock computes it: per expert, the tokens that chose it, index_add'ed back."""
import torch

from ..errors import SpecError
from ..registry import Channel, Key, Slot, act, activations, channel
from ..selftest import model_toml, selftest, spec_error


@channel("moe")
class Moe(Channel):
    """sum over the top_k experts e of softmax(x W_router)_e (renormalized) * expert_e(x)."""
    keys = (
        Key("experts", int, min=1),
        Key("top_k", int, lambda p, ctx: min(2, p.experts), min=1),
        Key("renormalize", bool, True),
        Key("kind", str, "mlp", choices=("mlp", "glu")),
        Key("hidden", int, lambda p, ctx: 4 * ctx.spec.dim, min=1),
        Key("activation", str, "gelu", choices=activations),
    )

    def check(self, ctx):
        if self.p.top_k > self.p.experts:
            raise SpecError("%s top_k = %d exceeds experts = %d%s"
                            % (self.where, self.p.top_k, self.p.experts, ctx.for_layer()))

    def projections(self):
        return ("up", "gate", "down") if self.p.kind == "glu" else ("up", "down")

    def slots(self, spec):
        p = self.p
        out = [Slot("layer.moe.router.weight", (p.experts, spec.dim), "linear")]
        for e in range(p.experts):
            for nm in self.projections():
                shape = (spec.dim, p.hidden) if nm == "down" else (p.hidden, spec.dim)
                out.append(Slot("layer.moe.experts.%d.%s.weight" % (e, nm), shape, "linear"))
        return out

    def expert(self, x, w, e):
        def lin(nm, v):
            return v @ w["layer.moe.experts.%d.%s.weight" % (e, nm)].t()
        h = act(self.p.activation, lin("up", x))
        if self.p.kind == "glu":
            h = act(self.p.activation, lin("gate", x)) * lin("up", x)
        return lin("down", h)

    def routing(self, x, w):
        """(weights, experts) of each token, [tokens, top_k] each."""
        probs = torch.softmax(x @ w["layer.moe.router.weight"].t(), dim=-1)
        weights, chosen = torch.topk(probs, self.p.top_k, dim=-1)
        if self.p.renormalize:
            weights = weights / weights.sum(dim=-1, keepdim=True)
        return weights, chosen

    def forward(self, x, w, env):
        flat = x.reshape(-1, x.shape[-1])
        weights, chosen = self.routing(flat, w)
        out = torch.zeros_like(flat)
        for e in range(self.p.experts):
            tokens, slot = torch.where(chosen == e)
            if tokens.numel():
                y = self.expert(flat[tokens], w, e) * weights[tokens, slot, None]
                out.index_add_(0, tokens, y)
        return out.reshape(x.shape)


_CASE = (model_toml(dim=12) + '[block]\nchannel = "moe"\n[block.attention]\nheads = 2\n'
         '[block.moe]\nexperts = 4\ntop_k = %d\nrenormalize = %s\nkind = "%s"\nhidden = 10\n')


@selftest("moe-vs-dense-masked", spec=lambda k, r, kind: _CASE % (k, r, kind),
          params=[{"k": k, "r": r, "kind": kind} for k in (1, 2, 4) for r in ("true", "false")
                  for kind in ("mlp", "glu")])
def _(case, k, r, kind):
    # Every expert on every token, masked to the top-k by a dense gate matrix: the same result as
    # the routed form.
    block = case.block("channel")
    x = case.rand(2, 5, 12)
    flat = x.reshape(-1, 12)
    wts = case.module.weights(0)
    probs = torch.softmax(flat @ wts["layer.moe.router.weight"].t(), dim=-1)
    kth = probs.sort(dim=-1, descending=True).values[:, k - 1:k]
    gates = torch.where(probs >= kth, probs, torch.zeros_like(probs))
    if r == "true":
        gates = gates / gates.sum(dim=-1, keepdim=True)
    want = sum(gates[:, e:e + 1] * block.expert(flat, wts, e) for e in range(4)).reshape(x.shape)
    torch.testing.assert_close(case.run("channel", x), want, rtol=1e-12, atol=1e-12)


spec_error("moe-top-k-above-experts", _CASE % (5, "true", "mlp"), match="top_k = 5 exceeds experts = 4")
spec_error("moe-top-k-zero", _CASE % (0, "true", "mlp"), match="top_k = 0: must be >= 1")
