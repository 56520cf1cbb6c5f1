"""Checkpoint tensors <-> the oracle's canonical weights, and random weights.

Canonical weights are keyed per layer ("layers.3.attn.q.weight", model-level slots as themselves)
and stored [out, in], one tensor per slot. A checkpoint names them by the spec's scheme, prefix and
[weights.names], lays linear weights out as the scheme says and may fuse several slots into one
tensor (GPT-2's c_attn).
"""
import math

import numpy as np

from . import model
from .errors import SpecError
from .spec import load_spec

# Slot.init kinds: (rng, shape, spec) -> ndarray. Each draws one standard normal per element, so the
# random weights of a spec and seed depend only on the order and shapes of its slots.
INITS = {
    "linear": lambda rng, shape, spec: rng.standard_normal(shape) / math.sqrt(shape[-1]),  # 1/fan_in
    "embed": lambda rng, shape, spec: rng.standard_normal(shape) / math.sqrt(spec.dim),
    "norm_weight": lambda rng, shape, spec: 1.0 + 0.1 * rng.standard_normal(shape),
    "bias": lambda rng, shape, spec: 0.1 * rng.standard_normal(shape),
}


def slot_name(spec, slot, i=None):
    """Checkpoint name of `slot` (layer `i` for "layer." slots): prefix + ([weights.names] entry,
    else the scheme's name)."""
    tmpl = spec.names.get(slot)
    if tmpl is None:
        tmpl = spec.scheme.template(slot)
    if tmpl is None:
        raise SpecError("weights: scheme %r has no name for slot %r; give one in [weights.names]"
                        % (spec.scheme.name, slot))
    name = spec.prefix + tmpl
    if i is None:
        return name
    # {stage}, {in_stage}: the layer's stage and its index in it (one stage unless [embed]
    # stage_layers); {stage-1}: the stage before it (HF Swin's downsample ends the stage before).
    firsts = [st[0] for st in getattr(spec, "stages", [(0,)])]
    s = max(k for k, f in enumerate(firsts) if f <= i)
    if s == 0 and "{stage-1}" in name:
        raise SpecError("weights: '{stage-1}' in the name of %r at layer %d: the first stage has no "
                        "stage before it" % (slot, i))
    return (name.replace("{i}", str(i)).replace("{stage}", str(s)).replace("{in_stage}", str(i - firsts[s]))
            .replace("{stage-1}", str(s - 1)))


class Fused:
    """One checkpoint tensor holding several slots of one layer: name (the fused slot, e.g.
    layer.attn.qkv.weight), layer, parts ([PlacedSlot] in the scheme's order)."""

    def __init__(self, name, layer, parts):
        self.name, self.layer, self.parts = name, layer, parts
        if len({p.slot.linear for p in parts}) != 1 or len({p.slot.shape[1:] for p in parts}) != 1:
            raise SpecError("weights: %s fuses slots of different kinds or widths: %s"
                            % (name, [p.slot for p in parts]))
        self.linear = parts[0].slot.linear
        self.shape = (sum(p.slot.shape[0] for p in parts),) + parts[0].slot.shape[1:]


def tensors(spec):
    """The checkpoint tensors of `spec` in slot order: a PlacedSlot each, or a Fused group at the
    position of its first part."""
    part_of = {p: fb for fb, parts in spec.scheme.fused.items() for p in parts}
    found = {}  # (layer, fused base, leaf) -> {part base: PlacedSlot}
    order = []
    for ps in model.slots(spec):
        base, _, leaf = ps.slot.name.rpartition(".")
        if base not in part_of:
            order.append(ps)
            continue
        key = (ps.layer, part_of[base], leaf)
        if key not in found:
            found[key] = {}
            order.append(key)
        found[key][base] = ps
    out = []
    for t in order:
        if not isinstance(t, tuple):
            out.append(t)
            continue
        i, fb, leaf = t
        parts = spec.scheme.fused[fb]
        if set(found[t]) != set(parts):
            raise SpecError("weights: scheme %r stores %s as one tensor of %s, but layer %s uses only %s"
                            % (spec.scheme.name, fb + "." + leaf, ", ".join(parts), i, ", ".join(sorted(found[t]))))
        out.append(Fused(fb + "." + leaf, i, [found[t][p] for p in parts]))
    return out


def _transposed(spec, linear):
    """An in_out scheme stores linear weights [..., in, out]: the last two axes swapped."""
    return linear and spec.scheme.layout == "in_out"


def _stored_shape(spec, shape, linear):
    return tuple(shape[:-2]) + (shape[-1], shape[-2]) if _transposed(spec, linear) else tuple(shape)


def slots_to_checkpoint(spec, canon):
    """canonical {key: array [out, in]} -> {checkpoint name: array in the scheme's layout}."""
    ck = {}
    for t in tensors(spec):
        if isinstance(t, Fused):
            a = np.concatenate([canon[p.key] for p in t.parts], axis=0)
            name, linear = slot_name(spec, t.name, t.layer), t.linear
        else:
            a, name, linear = canon[t.key], slot_name(spec, t.slot.name, t.layer), t.slot.linear
        if _transposed(spec, linear):
            a = np.swapaxes(a, -1, -2)
        ck[name] = np.ascontiguousarray(a)
    return ck


def _holds(stored, want):
    """A tensor of shape `stored` holds a slot of shape `want`: the same shape, or it followed by unit
    axes (a 1x1 convolution's [out, in, 1, 1] for a linear's [out, in], as timm's MetaFormer MLPs)."""
    n = len(want)
    return tuple(stored[:n]) == tuple(want) and all(d == 1 for d in stored[n:])


def checkpoint_to_slots(spec, weights):
    """{checkpoint name: array} -> canonical {key: array [out, in]}; checks names and shapes."""
    canon = {}
    errors = []

    def get(slot, i, shape, linear):
        name = slot_name(spec, slot, i)
        if name not in weights:
            errors.append("missing tensor %r (slot %s%s)" % (name, slot, "" if i is None else " layer %d" % i))
            return None
        a = np.asarray(weights[name])
        want = _stored_shape(spec, shape, linear)
        if not _holds(a.shape, want):
            errors.append("tensor %r: shape %s, expected %s" % (name, list(a.shape), list(want)))
            return None
        a = a.reshape(want)
        return np.swapaxes(a, -1, -2) if _transposed(spec, linear) else a

    for t in tensors(spec):
        if isinstance(t, Fused):
            a = get(t.name, t.layer, t.shape, t.linear)
            off = 0
            for p in t.parts if a is not None else ():
                canon[p.key] = a[off:off + p.slot.shape[0]]
                off += p.slot.shape[0]
        else:
            a = get(t.slot.name, t.layer, t.slot.shape, t.slot.linear)
            if a is not None:
                canon[t.key] = a
    if errors:
        raise SpecError("weights do not match the spec:\n  " + "\n  ".join(dict.fromkeys(errors)))
    return canon


def expected_weights(spec):
    """{checkpoint name: shape} the spec needs."""
    spec = load_spec(spec)
    zeros = {ps.key: np.zeros(ps.slot.shape, np.float32) for ps in model.slots(spec)}
    return {k: v.shape for k, v in slots_to_checkpoint(spec, zeros).items()}


def random_weights(spec, seed=0):
    """Random float32 checkpoint tensors for `spec`, named per its scheme, scaled so activations stay
    O(1): linear weights N(0, 1/fan_in) (attention scores are O(1), so attention is not uniform),
    embeddings N(0, 1/dim), norm weights 1 + 0.1 N, biases 0.1 N (INITS)."""
    spec = load_spec(spec)
    rng = np.random.default_rng(seed)
    canon = {}
    for ps in model.slots(spec):
        init = ps.slot.init
        if not callable(init):
            if init not in INITS:
                raise ValueError("%s: unknown init %r (one of %s, or a callable)" % (ps.slot.name, init, ", ".join(INITS)))
            init = INITS[init]
        canon[ps.key] = np.asarray(init(rng, ps.slot.shape, spec)).astype(np.float32)
    return slots_to_checkpoint(spec, canon)
