#!/usr/bin/python3
"""Random valid model specs over everything the spec language supports, for differential testing.

The generator knows no block family: it asks the oracle's registry (test/numerics/oracle/registry.py)
which families each role has and which keys (types, choices, minimums) each reads, so a family added
to the oracle is generated as soon as it is registered. A candidate is kept when the oracle accepts
it (its parse and its weights); sizes are tiny so that each model compiles in seconds.

    random_spec.py SEED [--out spec.toml]      # print (or write) one spec
"""
import argparse
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "numerics"))

import oracle  # noqa: E402
from oracle import registry  # noqa: E402
from oracle.errors import SpecError  # noqa: E402

DIMS = (8, 12, 16, 24, 32)
SCHEMES = ("modelc", "modelc", "modelc", "gpt2", "bert", "llama")


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(e) for e in v) + "]"
    raise TypeError(v)


def to_toml(doc):
    """A spec dict -> TOML text: scalars first, then sub-tables, [[layer]] last."""
    out = []

    def table(name, t, header):
        scalars = {k: v for k, v in t.items() if not isinstance(v, dict)}
        subs = {k: v for k, v in t.items() if isinstance(v, dict)}
        if header:
            out.append(header)
        for k, v in scalars.items():
            out.append('%s = %s' % (k if k.replace("_", "").isalnum() else '"%s"' % k, toml_value(v)))
        out.append("")
        for k, v in subs.items():
            table("%s.%s" % (name, k), v, "[%s.%s]" % (name, k) if not header.startswith("[[") else
                  "[layer.%s]" % k)

    for name, t in doc.items():
        if name == "layer":
            continue
        table(name, t, "[%s]" % name)
    for lt in doc.get("layer", []):
        table("layer", lt, "[[layer]]")
    return "\n".join(out) + "\n"


def sample_key(rng, key, dim):
    """A value for one registry Key, or None to leave it to its default."""
    required = key.default is registry.REQUIRED
    if not required and rng.random() < 0.5:
        return None
    allowed = key.allowed()
    if allowed:
        return rng.choice(list(allowed))
    if key.type is bool:
        return rng.random() < 0.5
    if key.type is int:
        lo = key.min if key.min is not None else 1
        if "head" in key.name and "dim" not in key.name:
            return rng.choice([d for d in (1, 2, 4) if d >= lo] or [lo])
        return rng.choice(sorted({lo, lo + 1, lo + 2, lo + 3, 4, 8, dim, 2 * dim} - {x for x in range(lo)}))
    if key.type is float:
        d = key.default if isinstance(key.default, (int, float)) and not isinstance(key.default, bool) else 1.0
        d = d if d > 0 else 1.0
        lo = key.min if key.min is not None else 0.0
        return max(lo, float("%.4g" % (d * math.exp(rng.uniform(-1.0, 1.0)))))
    if key.type is str:
        return None
    return None


def family_table(rng, fam, dim):
    t = {}
    for k in fam.keys:
        v = sample_key(rng, k, dim)
        if v is not None:
            t[k.name] = v
    return t


def candidate(rng):
    dim = rng.choice(DIMS)
    layers = rng.randint(1, 3)
    doc = {"model": {"name": "rand", "vocab": rng.randint(16, 48), "dim": dim, "layers": layers,
                     "max_seq": rng.choice((8, 16, 24, 32))}}
    if rng.random() < 0.3:
        doc["model"]["output"] = "hidden"
    if rng.random() < 0.2:
        doc["model"]["final_norm"] = rng.random() < 0.5

    embed = {}
    pos = rng.choice(registry.names("position"))
    if pos != registry.default("position") or rng.random() < 0.5:
        embed["position"] = pos
    fam = registry.get("position", pos)
    sub = family_table(rng, fam, dim)
    if fam.table is None:
        embed.update(sub)
    elif sub:
        embed[fam.table] = sub
    if rng.random() < 0.2:
        embed["token_types"] = rng.randint(1, 3)
    if rng.random() < 0.2:
        embed["norm"] = True
    if embed:
        doc["embed"] = embed

    block = {}
    for role in ("norm", "placement"):
        name = rng.choice(registry.names(role))
        if name != registry.default(role) or rng.random() < 0.3:
            block[role] = name
    mixers = registry.names("mixer")
    channels = registry.names("channel") + ("none",)
    used = set()
    for role, names in (("mixer", mixers), ("channel", channels)):
        if rng.random() < 0.3 and layers > 1:
            block[role] = [rng.choice(names) for _ in range(rng.randint(2, layers))]
            used.update((role, n) for n in block[role])
        else:
            block[role] = rng.choice(names)
            used.add((role, block[role]))
    if rng.random() < 0.3:
        block["bias"] = rng.random() < 0.5
    for role, name in sorted(used):
        if name == "none":
            continue
        fam = registry.get(role, name)
        sub = family_table(rng, fam, dim)
        if fam.table is None:
            block.update(sub)
        else:
            block[fam.table] = sub
    for role in ("norm", "placement"):
        fam = registry.get(role, block.get(role, registry.default(role)))
        sub = family_table(rng, fam, dim)
        if fam.table is None:
            block.update(sub)
        elif sub:
            block[fam.table] = sub
    doc["block"] = block

    # A few [[layer]] overrides: another mixer, or other keys of the layer's own.
    overrides = []
    for _ in range(rng.randint(0, layers)):
        i = rng.randrange(layers)
        lt = {"index": i}
        if rng.random() < 0.5:
            name = rng.choice(mixers)
            lt["mixer"] = name
            fam = registry.get("mixer", name)
            sub = family_table(rng, fam, dim)
            if sub:
                lt[fam.table] = sub
        else:
            lt["bias"] = rng.random() < 0.5
        overrides.append(lt)
    if overrides:
        doc["layer"] = overrides
    if doc["model"].get("output", "logits") == "logits" and rng.random() < 0.3:
        doc["head"] = {"tied": rng.random() < 0.5, "bias": rng.random() < 0.3}
    scheme = rng.choice(SCHEMES)
    if scheme != "modelc":
        doc["weights"] = {"scheme": scheme}
    return doc


def generate(seed, attempts=500):
    """(toml text, Spec) of the first candidate of `seed` the oracle accepts."""
    rng = random.Random(seed)
    last = None
    for _ in range(attempts):
        doc = candidate(rng)
        doc["model"]["name"] = "rand%d" % seed
        text = to_toml(doc)
        try:
            spec = oracle.loads_spec(text)
            oracle.expected_weights(spec)  # every slot named by the scheme
        except SpecError as e:
            last = e
            continue
        return text, spec
    raise RuntimeError("seed %d: no valid spec in %d attempts (last: %s)" % (seed, attempts, last))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("seed", type=int)
    ap.add_argument("--out")
    a = ap.parse_args(argv)
    text, _ = generate(a.seed)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
