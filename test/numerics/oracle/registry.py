"""The block registry: every block family of the oracle is a class registered here by role and name.

A role is one kind of part a model is made of. A family is one implementation of a role, registered
with the role's decorator:

    @mixer("attention")          class Attention(Mixer): ...      # token mixers
    @channel("mlp")              class Mlp(Channel): ...          # channel mixers
    @norm("layernorm")           class LayerNorm(Norm): ...
    @placement("pre")            class Pre(Placement): ...        # how a layer wires its sub-layers
    @position("rope")            class Rope(Position): ...        # [embed] position
    @activation("gelu")          def gelu(x): ...                 # plain functions, no spec keys

The spec reader (spec.py) asks the registry which names a key accepts, which keys a family reads and
from which table; the model (model.py) calls the families' slots() and forward(). Neither names a
family. docs/testing.md, "Adding a block to the oracle", is the contract in prose.
"""
import types

from .errors import SpecError

REQUIRED = object()  # Key default: the key must be given


class Key:
    """One spec key a family reads.

    type:     bool | int | float | str (float also takes a TOML integer; int never takes a bool).
    default:  a value, REQUIRED, or a callable (p, ctx) -> value, where p holds the keys declared
              before this one (already resolved) and ctx is the ResolveContext; it may raise
              SpecError.
    choices:  allowed values, or a callable () -> allowed values (e.g. the registered activations).
    min:      smallest allowed value (sizes: min=1).
    """

    def __init__(self, name, type, default=REQUIRED, choices=None, min=None):
        self.name, self.type, self.default = name, type, default
        self.choices, self.min = choices, min

    def allowed(self):
        return tuple(self.choices()) if callable(self.choices) else self.choices

    def read(self, table, p, ctx, where):
        """This key's value from `table` (a dict), else its default."""
        if self.name not in table:
            if self.default is REQUIRED:
                raise SpecError("%s %s is required%s" % (where, self.name, ctx.for_layer()))
            return self.default(p, ctx) if callable(self.default) else self.default
        v = convert(table[self.name], self.type, "%s %s" % (where, self.name))
        allowed = self.allowed()
        if allowed is not None and v not in allowed:
            raise SpecError("%s %s = %r: expected one of %s" % (where, self.name, v, "|".join(allowed)))
        if self.min is not None and v < self.min:
            raise SpecError("%s %s = %r: must be >= %r" % (where, self.name, v, self.min))
        return v


def convert(v, typ, what):
    """A TOML value checked against a Key type."""
    ok = {bool: isinstance(v, bool),
          int: isinstance(v, int) and not isinstance(v, bool),
          float: isinstance(v, (int, float)) and not isinstance(v, bool),
          str: isinstance(v, str),
          dict: isinstance(v, dict)}[typ]
    if not ok:
        raise SpecError("%s = %r: expected %s" % (what, v, {bool: "a boolean", int: "an integer",
                                                           float: "a number", str: "a string",
                                                           dict: "a table"}[typ]))
    return float(v) if typ is float else v


def read_keys(keys, table, ctx, where):
    """Params for `keys` read from `table` in declaration order (defaults may use earlier keys)."""
    p = Params()
    for k in keys:
        setattr(p, k.name, k.read(table, p, ctx, where))
    return p


class Params(types.SimpleNamespace):
    """A family's resolved keys: p.heads, p.causal, ..."""


class Slot:
    """One weight tensor a family uses.

    name:   the slot ("layer.attn.q.weight"; "layer." slots exist once per layer, docs/spec.md
            "Weight slots"); a scheme maps it to a checkpoint name (frontend/schemes/).
    shape:  in [out, in] form for linear weights.
    init:   how random_weights draws it: a name in weights.INITS ("linear", "embed", "norm_weight",
            "bias") or a callable (rng, shape, spec) -> ndarray that draws from rng only.
    linear: stored [in, out] (the last two axes swapped) by an in_out scheme (GPT-2 Conv1D);
            default: init == "linear".
    """

    def __init__(self, name, shape, init, linear=None):
        self.name, self.shape, self.init = name, tuple(int(d) for d in shape), init
        self.linear = (init == "linear") if linear is None else bool(linear)

    def __repr__(self):
        return "Slot(%s, %s, %s)" % (self.name, list(self.shape), self.init)


# ------------------------------------------------------------------------------------------------
# Family base classes (one per role)
# ------------------------------------------------------------------------------------------------

class Family:
    """Base of every registered family. The decorator sets `role` and `name`.

    table: the sub-table its keys live in ([block.<table>] and [layer.<table>] for block roles,
           [embed.<table>] for positions), or None: its keys sit in the scope table itself
           ([block] / [[layer]] for block roles, [embed] for positions) next to the generic keys.
    keys:  the Key declarations, read in order.

    An instance is one use of the family (one layer's mixer, the model's position scheme): `self.p`
    holds its resolved keys, `self.where` the table they came from (for messages).
    """
    role = None
    name = None
    table = None
    keys = ()

    def __init__(self, p, where):
        self.p, self.where = p, where

    def check(self, ctx):
        """Cross-key checks once all keys are read; raise SpecError. ctx: the ResolveContext."""

    def __repr__(self):
        return "%s(%s)" % (self.name, ", ".join("%s=%r" % kv for kv in vars(self.p).items()))


class SubLayer(Family):
    """A token mixer or a channel mixer: one residual branch of a layer.

    slots(spec)          -> [Slot]: the weights of one layer's use (names start with "layer.").
    forward(x, w, env)   -> tensor like x [batch, seq, dim]; w[slot] is this layer's weight tensor
                            (`slot in w` tests presence), env the Env of this call (model.py).
    """

    def slots(self, spec):
        return []

    def forward(self, x, w, env):
        raise NotImplementedError


class Mixer(SubLayer):
    """A token mixer ([block] mixer). Default table: its name."""


class Channel(SubLayer):
    """A channel mixer ([block] channel). Default table: its name."""


class Norm(Family):
    """A norm ([block] norm): used at the bases a placement asks for, and for embed.norm and
    final_norm.

    slots(base, spec)          -> [Slot] named base + ".weight" etc.
    forward(x, w, base, env)   -> the normalized x.
    """

    def slots(self, base, spec):
        return []

    def forward(self, x, w, base, env):
        raise NotImplementedError


class Placement(Family):
    """How a layer wires its sub-layers and norms ([block] placement).

    final_norm:            the default of [model] final_norm.
    norms(sub)             -> the norm bases the placement applies around sub-layer `sub` (their
                              slots are listed before the sub-layer's own); default [sub.norm].
    forward(x, subs, norm, env) -> the layer's output. subs: the layer's sub-layers in order
                              (mixer, then channel unless channel = "none"); sub(x) runs one, sub.norm
                              is its norm base ("layer.attn_norm", "layer.mlp_norm"); norm(base, x)
                              applies the layer's norm with the weights at `base`.
    """
    final_norm = True

    def norms(self, sub):
        return [sub.norm]

    def forward(self, x, subs, norm, env):
        raise NotImplementedError


class Position(Family):
    """A position scheme ([embed] position), model-wide.

    slots(spec)            -> [Slot] (model-level, e.g. embed.positions).
    embed(x, w, env)       -> the embedding with absolute positions added (default: x).
    rotate(t, pos)         -> q or k [batch, heads, seq, head_dim] as attention-like mixers must
                              see them (default: t).
    check_head_dim(hd, where): raise SpecError when the scheme cannot serve head_dim hd.
    """

    def slots(self, spec):
        return []

    def embed(self, x, w, env):
        return x

    def rotate(self, t, pos):
        return t

    def check_head_dim(self, hd, where):
        pass


# role -> (base class, the scope table whose key of the role's name selects the family)
ROLES = {
    "mixer": (Mixer, "block"),
    "channel": (Channel, "block"),
    "norm": (Norm, "block"),
    "placement": (Placement, "block"),
    "position": (Position, "embed"),
}
BLOCK_ROLES = ("placement", "norm", "mixer", "channel")

_families = {role: {} for role in ROLES}
_defaults = {}
_activations = {}


def register(role, name, default=False):
    """Class decorator: register a family for `role` under `name`; `default`: the role's value when
    the spec does not choose one (one per role)."""
    base = ROLES[role][0]

    def deco(cls):
        if not issubclass(cls, base):
            raise TypeError("%s: a %s family must derive from %s" % (cls.__name__, role, base.__name__))
        if name in _families[role]:
            raise ValueError("%s %r is registered twice" % (role, name))
        if default and role in _defaults:
            raise ValueError("%s: %r and %r both claim to be the default" % (role, _defaults[role], name))
        cls.role, cls.name = role, name
        if role in ("mixer", "channel") and "table" not in vars(cls):
            cls.table = name
        _check_clashes(cls)
        _families[role][name] = cls
        if default:
            _defaults[role] = name
        return cls
    return deco


def _check_clashes(cls):
    """Tables and flat keys share their scope table with the generic keys and each other."""
    from .spec import GENERIC_KEYS  # the generic keys of each scope table
    scope = ROLES[cls.role][1]
    tables = {f.table for f in families_in_scope(scope) if f.table is not None}
    flat = {k.name for f in families_in_scope(scope) if f.table is None for k in f.keys}
    generic = set(GENERIC_KEYS[scope])
    if cls.table is not None and cls.table in (generic | flat | tables):
        raise ValueError("%s %r: table [%s.%s] clashes with a key" % (cls.role, cls.name, scope, cls.table))
    if cls.table is None:
        bad = sorted({k.name for k in cls.keys} & (generic | tables))
        if bad:
            raise ValueError("%s %r: keys %s clash with [%s] keys or tables" % (cls.role, cls.name, bad, scope))


def unregister(role, name):
    """Remove a family (tests that register a throw-away family)."""
    del _families[role][name]
    if _defaults.get(role) == name:
        del _defaults[role]


def default(role):
    return _defaults[role]


def get(role, name):
    return _families[role][name]


def names(role):
    return tuple(_families[role])


def families_in_scope(scope):
    return [f for role, (_, s) in ROLES.items() if s == scope for f in _families[role].values()]


def mixer(name, default=False):
    return register("mixer", name, default)


def channel(name, default=False):
    return register("channel", name, default)


def norm(name, default=False):
    return register("norm", name, default)


def placement(name, default=False):
    return register("placement", name, default)


def position(name, default=False):
    return register("position", name, default)


def activation(name):
    """Function decorator: an element-wise activation f(x) -> tensor, selectable by name."""
    def deco(fn):
        if name in _activations:
            raise ValueError("activation %r is registered twice" % name)
        _activations[name] = fn
        return fn
    return deco


def activations():
    return tuple(_activations)


def act(name, x):
    return _activations[name](x)
