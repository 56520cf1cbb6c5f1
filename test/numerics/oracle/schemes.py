"""Weight naming schemes, read from the data files the compiler reads too: frontend/schemes/<name>.toml
(format: frontend/schemes/README.md). A scheme maps a slot to a checkpoint name template, says how
linear weights are laid out, and which slots one checkpoint tensor holds fused."""
import functools
import os
import re

try:
    import tomllib
except ImportError:  # pragma: no cover
    import tomli as tomllib

from .errors import SpecError

SCHEMES_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            "..", "..", "..", "frontend", "schemes"))
LAYOUTS = ("out_in", "in_out")
_INDEX = re.compile(r"\.(\d+)\.")  # an index component of a slot


class Scheme:
    """name; layout ("out_in" | "in_out"); fallback (a slot without an entry is named as itself,
    "layer." -> "layers.{i}."); names {slot or slot base: template}; fused {fused base: [part
    bases]} (one tensor holding the parts concatenated along the out axis, in that order)."""

    def __init__(self, name, layout, fallback, names, fused):
        self.name, self.layout, self.fallback = name, layout, fallback
        self.names, self.fused = names, fused

    def template(self, slot):
        """The checkpoint name template of `slot` ({i}: the layer index), or None: exact entry,
        else the entry of its base plus its leaf (.weight, .bias), else the fallback rule. A slot
        with an index (layer.moe.experts.3.up.weight) also takes the entry written with {j} in its
        place (layer.moe.experts.{j}.up), the index filled in."""
        t = self._template(slot)
        indexed = _INDEX.search(slot)
        if t is None and indexed:
            t = self._template(slot[:indexed.start()] + ".{j}." + slot[indexed.end():])
            t = t and t.replace("{j}", indexed.group(1))
        return t

    def _template(self, slot):
        if slot in self.names:
            return self.names[slot]
        base, _, leaf = slot.rpartition(".")
        if base in self.names:
            return self.names[base] + "." + leaf
        if self.fallback:
            return "layers.{i}." + slot[len("layer."):] if slot.startswith("layer.") else slot
        return None

    def __repr__(self):
        return "Scheme(%s)" % self.name


def names():
    """The scheme names: one per data file."""
    return tuple(sorted(f[:-len(".toml")] for f in os.listdir(SCHEMES_DIR) if f.endswith(".toml")))


@functools.lru_cache(maxsize=None)
def load(name):
    path = os.path.join(SCHEMES_DIR, name + ".toml")
    with open(path, "rb") as f:
        raw = tomllib.load(f)

    def fail(msg):
        raise SpecError("%s: %s" % (path, msg))

    if set(raw) - {"scheme", "names", "fused"}:
        fail("unknown table(s) %s" % sorted(set(raw) - {"scheme", "names", "fused"}))
    head = raw.get("scheme", {})
    if set(head) - {"name", "layout", "fallback"}:
        fail("[scheme]: unknown key(s) %s" % sorted(set(head) - {"name", "layout", "fallback"}))
    if head.get("name") != name:
        fail("[scheme] name = %r: must be the file's name %r" % (head.get("name"), name))
    if head.get("layout") not in LAYOUTS:
        fail("[scheme] layout = %r: expected one of %s" % (head.get("layout"), "|".join(LAYOUTS)))
    fallback = head.get("fallback", False)
    if not isinstance(fallback, bool):
        fail("[scheme] fallback: expected a boolean")
    table = raw.get("names", {})
    if not all(isinstance(v, str) for v in table.values()):
        fail("[names]: every entry is a string")
    fused = raw.get("fused", {})
    for k, parts in fused.items():
        if not (isinstance(parts, list) and len(parts) >= 2 and all(isinstance(p, str) for p in parts)):
            fail("[fused] %s: expected an array of at least two slot bases" % k)
    return Scheme(name, head["layout"], fallback, dict(table), {k: list(v) for k, v in fused.items()})
