"""The generic model: embed -> layers -> final norm -> head. Every part runs through the family the spec
chose (registry.py); this file never names one. slots() and RefModel.forward walk the model in the same
order, and that order fixes the random weights of a spec and seed."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import vision
from .errors import SpecError
from .registry import Slot

# The norm base of each sub-layer role (docs/spec.md "Weight slots": attn_norm is the norm of the
# mixer sub-layer, mlp_norm that of the channel sub-layer).
SUBLAYER_NORMS = {"mixer": "layer.attn_norm", "channel": "layer.mlp_norm"}


class PlacedSlot:
    """A slot where the model uses it: key (the canonical key, "layers.3.attn.q.weight"), slot (the
    registry.Slot) and layer (index, None for model-level slots)."""

    def __init__(self, slot, layer):
        self.slot, self.layer = slot, layer
        self.key = slot.name if layer is None else layer_key(slot.name, layer)


def layer_key(slot, i):
    if not slot.startswith("layer."):
        raise SpecError("slot %r is used in a layer but does not start with 'layer.'" % slot)
    return "layers.%d.%s" % (i, slot[len("layer."):])


class Sub:
    """One sub-layer of a layer as its placement sees it: role ("mixer" | "channel"), block (the
    family instance), norm (its norm base). Called as sub(x) inside a forward."""

    def __init__(self, role, block, run=None):
        self.role, self.block, self.norm, self.run = role, block, SUBLAYER_NORMS[role], run

    def __call__(self, x):
        return self.run(x)


def sublayers(layer, call=None):
    """The layer's sub-layers in order; call(block) -> what sub(x) runs (forward only)."""
    present = [(role, getattr(layer, role)) for role in SUBLAYER_NORMS if getattr(layer, role) is not None]
    return [Sub(role, block, call(block) if call else None) for role, block in present]


def slots(spec):
    """[PlacedSlot] of every tensor the model uses, in model order."""
    out = []

    def add(new, layer=None):
        out.extend(PlacedSlot(s, layer) for s in new)

    D = spec.dim
    if spec.input == "image":
        add(vision.image_slots(spec))
    else:
        add([Slot("embed.tokens", (spec.vocab, D), "embed")])
        add(spec.position.slots(spec))
    if spec.token_types > 0:
        add([Slot("embed.token_types", (spec.token_types, D), "embed")])
    if spec.embed_norm:
        add(spec.norm.slots("embed.norm", spec))
    applied = {i for i, _ in spec.schedule()}  # a skipped layer needs no weights
    for L in spec.layer:
        if L.index not in applied:
            continue
        view = vision.stage_view(spec, L.index)
        add(vision.downsample_slots(spec, L.index), L.index)
        for sub in sublayers(L):
            for base in L.placement.norms(sub):
                add(L.norm.slots(base, view), L.index)
            add(L.placement.slots(sub, view), L.index)
            add(sub.block.slots(view), L.index)
        for d in spec.depth:
            add(d.layer_slots(L, view), L.index)
    last = vision.stage_view(spec, spec.layers)
    if spec.final_norm:
        add(spec.norm.slots("final_norm", last))
    if spec.output == "classes":
        add(vision.classes_slots(last, lambda base: spec.norm.slots(base, last)))
    if spec.output == "logits":
        if not spec.tied:
            add([Slot("head.weight", (spec.vocab, D), "linear", linear=False)])  # always [vocab, dim]
        if spec.head_bias:
            add([Slot("head.bias", (spec.vocab,), "bias")])
    seen = set()
    for ps in out:
        if ps.key in seen:
            raise SpecError("slot %s is used twice%s" % (ps.slot.name, "" if ps.layer is None else " in layer %d" % ps.layer))
        seen.add(ps.key)
    return out


class Env:
    """What a family's forward sees besides x and its weights, for one model call:
    spec, pos (positions 0..seq-1, int64 [seq]), position (the spec's Position instance), layer (the
    index of the layer running), iteration (its loop pass, 0 outside loops), fast_norm (use fused
    torch norms, for ONNX export), and state (a dict the layers of one call share, for cross-layer
    values such as a first layer's V or a dense connection's history)."""

    def __init__(self, spec, pos, fast_norm):
        self.spec, self.pos, self.position, self.fast_norm = spec, pos, spec.position, fast_norm
        self.layer = None
        self.iteration = 0
        self.state = {}


def _param(key):
    return key.replace(".", "__")


class Weights:
    """One layer's (or, with layer None, the model-level) weights by slot name: w["layer.attn.q.weight"],
    "layer.attn.q.bias" in w. With env (a layer application running), linear_delta(x, base) is what
    the depth structures add to projection `base` (per-loop LoRA), else None."""

    def __init__(self, module, layer, env=None):
        self.module, self.layer, self.env = module, layer, env

    def linear_delta(self, x, base):
        if self.env is None:
            return None
        out = None
        for d in self.env.spec.depth:
            t = d.linear_delta(x, self, base, self.env)
            if t is not None:
                out = t if out is None else out + t
        return out

    def _key(self, slot):
        return slot if self.layer is None else layer_key(slot, self.layer)

    def __getitem__(self, slot):
        return getattr(self.module, _param(self._key(slot)))

    def __contains__(self, slot):
        return hasattr(self.module, _param(self._key(slot)))


class RefModel(nn.Module):
    """The spec's model. Weights are canonical ([out, in], one tensor per slot) parameters named by
    key with '.' -> '__'. `fast_norm`: norms may use torch's fused ops (one ONNX node each);
    otherwise their formulas are written out."""

    def __init__(self, spec, canon, dtype=torch.float64, fast_norm=False):
        super().__init__()
        self.spec = spec
        self.fast_norm = fast_norm
        for ps in slots(spec):
            t = torch.from_numpy(np.ascontiguousarray(canon[ps.key])).to(dtype)
            self.register_parameter(_param(ps.key), nn.Parameter(t, requires_grad=False))

    def weights(self, layer=None, env=None):
        return Weights(self, layer, env)

    def env(self, seq):
        return Env(self.spec, torch.arange(seq), self.fast_norm)

    def run_layer(self, x, layer, env, iteration=0):
        env.layer, env.iteration = layer.index, iteration
        env.spec = vision.stage_view(self.spec, layer.index)
        w = self.weights(layer.index, env)
        subs = sublayers(layer, lambda block: lambda h: block.forward(h, w, env))
        return layer.placement.forward(x, subs, lambda base, h: layer.norm.forward(h, w, base, env), w, env)

    def forward(self, tokens, token_types=None, streams=None):
        """tokens: ids [batch, seq], or images [batch, C, H, W] with input = "image". `streams`, a
        list, gets (layer, stream in, stream out) for every layer application (the layer
        importance of modelc's --drop-layers=angular:N)."""
        spec = self.spec
        w = self.weights()
        if spec.input == "image":
            x = vision.embed_image(tokens.to(w["embed.patch.weight"].dtype), w, spec)
            env = self.env(x.shape[1])
        else:
            tokens = tokens.long()
            env = self.env(tokens.shape[1])
            x = F.embedding(tokens, w["embed.tokens"]) * spec.embed_scale
            x = spec.position.embed(x, w, env)
        if spec.token_types > 0:
            if token_types is None:
                token_types = torch.zeros_like(tokens)
            x = x + F.embedding(token_types.long(), w["embed.token_types"])
        if spec.embed_norm:
            x = spec.norm.forward(x, w, "embed.norm", env)
        for d in spec.depth:
            x = d.before_layers(x, env)
        for i, iteration in spec.schedule():
            x = vision.downsample(x, self.weights(i), spec, i)
            x_in = x
            x = self.run_layer(x, spec.layer[i], env, iteration)
            if streams is not None:
                streams.append((i, x_in, x))
            for d in spec.depth:
                x = d.after_layer(x, i, self.weights(i, env), env)
        env.spec = vision.stage_view(spec, spec.layers)
        if spec.final_norm:
            x = spec.norm.forward(x, w, "final_norm", env)
        if spec.output == "hidden":
            return x
        if spec.output == "classes":
            return vision.classify(x, w, spec, lambda h, base: vision.head_norm(spec).forward(h, w, base, env))
        y = torch.matmul(x, (w["embed.tokens"] if spec.tied else w["head.weight"]).t())
        if spec.head_bias:
            y = y + w["head.bias"]
        return y
