"""The spec reader: TOML (docs/spec.md) -> a resolved Spec, one Layer per layer.

Generic: the tables, [[layer]] deep-merge overrides, per-layer mixer/channel patterns, key checks.
Which names `mixer`, `channel`, `norm`, `placement` and `position` accept, and which keys each choice
reads, come from the registry (registry.py); nothing here names a block family.
"""
import copy

try:
    import tomllib
except ImportError:  # pragma: no cover
    import tomli as tomllib

from . import registry, schemes, vision
from .errors import SpecError
from .registry import Key, read_keys

# Keys of each scope table that belong to no family (families' tables and flat keys may not reuse
# them). `index` only appears in [[layer]].
GENERIC_KEYS = {
    "embed": ("position", "token_types", "norm", "scale") + vision.IMAGE_KEYS,
    "block": ("norm", "placement", "mixer", "channel", "bias", "index"),
    "depth": (),
}
TOP_KEYS = ("model", "embed", "block", "layer", "depth", "head", "weights")
MODEL_KEYS = (
    Key("name", str),
    Key("vocab", int, None, min=1),  # required with input = "tokens" (parse_spec)
    Key("dim", int, min=1),
    Key("layers", int, min=1),
    Key("max_seq", int, None, min=1),  # likewise; an image fixes it
    Key("input", str, "tokens", choices=("tokens", "image")),
    Key("output", str, "logits", choices=("logits", "hidden", "classes")),
    Key("final_norm", bool, None),  # None: the [block] placement's default
)
EMBED_KEYS = (Key("token_types", int, 0, min=0), Key("norm", bool, False), Key("scale", float, 1.0))
HEAD_KEYS = (Key("tied", bool, True), Key("bias", bool, False))
WEIGHTS_KEYS = (Key("scheme", str, "modelc", choices=schemes.names), Key("prefix", str, ""),
                Key("names", dict, {}))
NO_CHANNEL = "none"  # channel = "none": the layer has no channel sub-layer (and no mlp_norm)
PATTERN_ROLES = ("mixer", "channel")  # [block] may give these as a per-layer pattern (an array)


class Spec:
    """A resolved spec: model-level fields, the model-wide parts and one Layer per layer.

    name vocab dim layers max_seq input output    [model]
    position token_types embed_norm embed_scale   [embed] (position: a Position instance)
    norm                                          the [block] norm, for embed.norm and final_norm
    final_norm tied head_bias                     [model] final_norm, [head]
    scheme prefix names                           [weights] (scheme: a schemes.Scheme)
    layer                                         [Layer]
    depth                                         [Depth instance], one per [depth.<name>] table,
                                                  in registration order
    """

    def schedule(self):
        """The layer applications [(layer index, loop pass)], as the depth structures rewrite them."""
        apps = [(i, 0) for i in range(self.layers)]
        for d in self.depth:
            apps = d.schedule(apps)
        return apps

    def __repr__(self):
        return "Spec(%s)" % self.name


class Layer:
    """One layer: index, bias (its [block]/[[layer]] bias), and one family instance per role:
    placement, norm, mixer, channel (None when channel = "none")."""

    def __init__(self, index, bias, parts):
        self.index, self.bias = index, bias
        self.placement, self.norm = parts["placement"], parts["norm"]
        self.mixer, self.channel = parts["mixer"], parts["channel"]

    def parts(self):
        return [getattr(self, r) for r in registry.BLOCK_ROLES]

    def __repr__(self):
        return "Layer(%d: %s)" % (self.index, ", ".join(
            "%s=%r" % (r, getattr(self, r)) for r in registry.BLOCK_ROLES))


class ResolveContext:
    """What a Key default or a family's check() may consult: spec (the model-level fields resolved
    so far: dim, vocab, max_seq, layers, position, ...), layer (index, None for model-level parts)
    and bias (the layer's [block]/[[layer]] bias)."""

    def __init__(self, spec, layer=None, bias=True):
        self.spec, self.layer, self.bias = spec, layer, bias

    def for_layer(self):
        return "" if self.layer is None else " (layer %d)" % self.layer


def check_table(t, where):
    if not isinstance(t, dict):
        raise SpecError("%s: expected a table" % where)
    return t


def check_keys(table, allowed, where):
    bad = sorted(set(check_table(table, where)) - set(allowed))
    if bad:
        raise SpecError("%s: unknown key(s) %s" % (where, ", ".join(bad)))


def deep_merge(base, over):
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _flat_owners(scope):
    """flat key -> ["role = name", ...] of the families that read it from the scope table."""
    owners = {}
    for fam in registry.families_in_scope(scope):
        if fam.table is None:
            for k in fam.keys:
                owners.setdefault(k.name, []).append("%s = %s" % (fam.role, fam.name))
    return owners


def _tables(scope):
    """table name -> the family that owns it."""
    return {f.table: f for f in registry.families_in_scope(scope) if f.table is not None}


def check_scope(table, scope, where, extra=()):
    """Unknown keys of a scope table ([embed], [block], a [[layer]]) and of its family sub-tables."""
    tables = _tables(scope)
    check_keys(table, set(GENERIC_KEYS[scope]) - {"index"} | set(extra) | set(_flat_owners(scope)) | set(tables),
               where)
    for name, fam in tables.items():
        if name in table:
            sub = "[%s.%s]" % (scope, name) if where == "[%s]" % scope else "%s [layer.%s]" % (where, name)
            check_keys(table[name], [k.name for k in fam.keys], sub)


def _known(role, name, where):
    allowed = registry.names(role) + ((NO_CHANNEL,) if role == "channel" else ())
    if name not in allowed:
        raise SpecError("%s %s = %r: expected one of %s" % (where, role, name, "|".join(allowed)))
    return name


def select(role, table, layer, where, pattern_ok=False):
    """The family name `table` chooses for `role` (the registered default when absent). With
    pattern_ok, a mixer or channel may be an array, a pattern: layer i takes entry i % len."""
    v = table.get(role, registry.default(role))
    pattern_ok = pattern_ok and role in PATTERN_ROLES
    if isinstance(v, list) and pattern_ok:
        if not v or not all(isinstance(e, str) for e in v):
            raise SpecError("%s %s: a pattern is a non-empty array of strings" % (where, role))
        for e in v:
            _known(role, e, where)
        v = v[layer % len(v)]
    elif not isinstance(v, str):
        raise SpecError("%s %s = %r: expected a string%s" % (where, role, v, " or an array of strings" * pattern_ok))
    return _known(role, v, where)


def resolve_part(role, name, table, ctx, where):
    """One family instance: its keys read from `table` (flat) or table[<its table>]."""
    fam = registry.get(role, name)
    scope = registry.ROLES[role][1]
    if fam.table is None:
        src, fwhere = table, where
    else:
        src, fwhere = table.get(fam.table, {}), "[%s.%s]" % (scope, fam.table)
    part = fam(read_keys(fam.keys, src, ctx, fwhere), fwhere)
    part.check(ctx)
    return part


def _flat_used(parts):
    return {k.name for p in parts if p is not None and p.table is None for k in p.keys}


def check_flat_used(table, scope, where, used):
    """A flat key that none of the families chosen for the scope reads is an error (rope_theta
    without rope)."""
    owners = _flat_owners(scope)
    for k in table:
        if k in owners and k not in used:
            raise SpecError("%s %s: only with %s" % (where, k, " or ".join(owners[k])))


def _layer_overrides(raw_layers, n_layers):
    """[[layer]] tables -> (one merged override dict per layer, [(table, indices, where)])."""
    overrides = [dict() for _ in range(n_layers)]
    tables = []
    if not isinstance(raw_layers, list):
        raise SpecError("[[layer]]: expected an array of tables")
    for n, lt in enumerate(raw_layers):
        where = "[[layer]] #%d" % n
        check_scope(lt, "block", where, extra=("index",))
        if "index" not in lt:
            raise SpecError("%s: index is required" % where)
        idx = lt["index"]
        idx = [idx] if isinstance(idx, int) and not isinstance(idx, bool) else idx
        if not isinstance(idx, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in idx):
            raise SpecError("%s: index must be an integer or an array of integers" % where)
        for role in PATTERN_ROLES:
            if role in lt and not isinstance(lt[role], str):
                raise SpecError("%s %s: expected a string (a per-layer pattern belongs in [block])" % (where, role))
        body = {k: v for k, v in lt.items() if k != "index"}
        for i in idx:
            if not 0 <= i < n_layers:
                raise SpecError("%s: index %d out of range [0, %d)" % (where, i, n_layers))
            overrides[i] = deep_merge(overrides[i], body)
        tables.append((body, idx, where))
    return overrides, tables


def parse_spec(raw):
    """A parsed TOML document (dict) -> Spec."""
    check_keys(raw, TOP_KEYS, "spec")
    s = Spec()
    top = ResolveContext(s)
    mt = check_table(raw.get("model", {}), "[model]")
    check_keys(mt, [k.name for k in MODEL_KEYS], "[model]")
    m = read_keys(MODEL_KEYS, mt, top, "[model]")
    for k in ("name", "vocab", "dim", "layers", "max_seq", "input", "output"):
        setattr(s, k, getattr(m, k))
    for k in ("vocab", "max_seq"):
        if (getattr(s, k) is None) == (s.input == "tokens"):
            raise SpecError("[model] %s is %s with input = %r" % (k, "required" if s.input == "tokens" else "not allowed",
                                                                s.input))

    e = check_table(raw.get("embed", {}), "[embed]")
    check_scope(e, "embed", "[embed]")
    ep = read_keys(EMBED_KEYS, e, top, "[embed]")
    s.token_types, s.embed_norm, s.embed_scale = ep.token_types, ep.norm, ep.scale
    if not s.embed_scale > 0:
        raise SpecError("[embed] scale = %r: must be positive" % s.embed_scale)
    s.position = resolve_part("position", select("position", e, 0, "[embed]"), e, top, "[embed]")
    check_flat_used(e, "embed", "[embed]", _flat_used([s.position]))
    vision.resolve_input(s, e, check_table(raw.get("block", {}), "[block]").get("bias", True))

    block = check_table(raw.get("block", {}), "[block]")
    check_scope(block, "block", "[block]")
    overrides, layer_tables = _layer_overrides(raw.get("layer", []), s.layers)
    s.layer = []
    for i in range(s.layers):
        b = deep_merge(block, overrides[i])
        bias = registry.convert(b.get("bias", True), bool, "[block] bias")
        ctx = ResolveContext(vision.stage_view(s, i), i, bias)  # a stage's dim and grid
        parts = {}
        for role in registry.BLOCK_ROLES:
            name = select(role, b, i, "[block]", pattern_ok=True)
            parts[role] = None if name == NO_CHANNEL else resolve_part(role, name, b, ctx, "[block]")
        s.layer.append(Layer(i, bias, parts))
        for part in s.layer[-1].parts():
            if part is not None:
                part.check_layer(s.layer[-1], ctx)

    # the embed norm and the final norm take [block]'s norm and its keys, never an override's
    s.norm = resolve_part("norm", select("norm", block, 0, "[block]"), block, top, "[block]")
    final_norm = registry.get("placement", select("placement", block, 0, "[block]")).final_norm
    s.final_norm = final_norm if m.final_norm is None else m.final_norm

    used = [_flat_used(L.parts()) for L in s.layer]
    check_flat_used(block, "block", "[block]", set().union(_flat_used([s.norm]), *used))
    for body, idx, where in layer_tables:
        check_flat_used(body, "block", where, set().union(*(used[i] for i in idx)))

    h = check_table(raw.get("head", {}), "[head]")
    check_keys(h, [k.name for k in HEAD_KEYS] + list(vision.CLASSES_KEYS), "[head]")
    hp = read_keys(HEAD_KEYS, {k: v for k, v in h.items() if k not in vision.CLASSES_KEYS}, top, "[head]")
    s.tied, s.head_bias = hp.tied, hp.bias
    vision.resolve_output(s, h)

    w = check_table(raw.get("weights", {}), "[weights]")
    check_keys(w, [k.name for k in WEIGHTS_KEYS], "[weights]")
    wp = read_keys(WEIGHTS_KEYS, w, top, "[weights]")
    s.scheme, s.prefix = schemes.load(wp.scheme), wp.prefix
    s.names = {}
    for slot, name in wp.names.items():
        s.names[slot] = registry.convert(name, str, "[weights.names] %s" % slot)

    # last: a depth structure may check the layers and the scheme (the projections it acts on)
    s.depth = []
    dt = check_table(raw.get("depth", {}), "[depth]")
    check_keys(dt, registry.names("depth"), "[depth]")
    for name in registry.names("depth"):
        if name in dt:
            fam = registry.get("depth", name)
            where = "[depth.%s]" % name
            check_keys(dt[name], [k.name for k in fam.keys], where)
            part = fam(read_keys(fam.keys, dt[name], top, where), where)
            part.check(top)
            s.depth.append(part)
    return s


def loads_spec(text):
    """Spec TOML text -> Spec."""
    return parse_spec(tomllib.loads(text))


def load_spec(path):
    """A spec file (or an already resolved Spec) -> Spec."""
    if isinstance(path, Spec):
        return path
    with open(path, "rb") as f:
        return parse_spec(tomllib.load(f))
