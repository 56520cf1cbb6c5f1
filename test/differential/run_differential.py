#!/usr/bin/python3
"""Differential testing at scale: random valid specs (random_spec.py), each compiled by modelc and
compared with the PyTorch oracle (test/numerics/check_model.py) at random batch sizes and lengths,
-O3 or -O0.

    run_differential.py --modelc build/tools/modelc --count 1000 [--seed 0] [--workdir /tmp/diff]
        [--failures DIR] [--shrink-budget 40] [--tol 1e-4] [--json results.json]

Every failing spec is shrunk (greedily: drop [[layer]] tables, keys, layers, patterns, while it
still fails) and written to DIR/<seed>.toml, ready to become a regression test. Prints one line per
model, then "N passed, M failed".
"""
import argparse
import contextlib
import copy
import io
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "numerics"))
sys.path.insert(0, HERE)

import check_model  # noqa: E402
import oracle  # noqa: E402
import random_spec  # noqa: E402
from oracle.errors import SpecError  # noqa: E402

try:
    import tomllib
except ImportError:  # pragma: no cover
    import tomli as tomllib


def check(modelc, text, workdir, opt, batches, seqs, tol, seed):
    """(ok, summary) of one spec against the oracle."""
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "spec.toml")
    with open(path, "w") as f:
        f.write(text)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        rc = check_model.main(["--modelc", modelc, "--spec", path, "--workdir", workdir,
                               "--opt", opt, "--batches", batches, "--seqs", seqs,
                               "--tol", str(tol), "--seed", str(seed), "--timeout", "600"])
    lines = [l for l in out.getvalue().splitlines() if l.startswith(("FAIL", "error"))]
    return rc == 0, (lines[0] if lines else out.getvalue().strip().splitlines()[-1])[:300]


def reductions(doc):
    """Smaller variants of a spec dict, most aggressive first."""
    m = doc["model"]
    if m["layers"] > 1:
        d = copy.deepcopy(doc)
        d["model"]["layers"] = m["layers"] - 1
        d["layer"] = [lt for lt in d.get("layer", []) if lt["index"] < m["layers"] - 1]
        if not d["layer"]:
            del d["layer"]
        for role in ("mixer", "channel"):
            v = d["block"].get(role)
            if isinstance(v, list) and len(v) > d["model"]["layers"]:
                d["block"][role] = v[:d["model"]["layers"]]
        yield d
    for i in range(len(doc.get("layer", []))):
        d = copy.deepcopy(doc)
        del d["layer"][i]
        if not d["layer"]:
            del d["layer"]
        yield d
    for role in ("mixer", "channel"):
        v = doc["block"].get(role)
        if isinstance(v, list):
            for e in sorted(set(v)):
                d = copy.deepcopy(doc)
                d["block"][role] = e
                yield d
    for name, t in list(doc.items()):
        if name in ("model", "layer") or not isinstance(t, dict):
            continue
        for k in list(t):
            d = copy.deepcopy(doc)
            del d[name][k]
            if not d[name]:
                del d[name]
            yield d
            if isinstance(t[k], dict):
                for kk in list(t[k]):
                    d = copy.deepcopy(doc)
                    del d[name][k][kk]
                    yield d


def valid(text):
    try:
        oracle.expected_weights(oracle.loads_spec(text))
        return True
    except SpecError:
        return False


def shrink(text, still_fails, budget):
    doc = tomllib.loads(text)
    tried = 0
    progress = True
    while progress and tried < budget:
        progress = False
        for d in reductions(doc):
            t = random_spec.to_toml(d)
            if not valid(t):
                continue
            tried += 1
            if still_fails(t):
                doc, progress = d, True
                break
            if tried >= budget:
                break
    return random_spec.to_toml(doc)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modelc", required=True)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0, help="first spec seed")
    ap.add_argument("--workdir", default="/tmp/modelc-differential")
    ap.add_argument("--failures", help="write shrunk failing specs here")
    ap.add_argument("--shrink-budget", type=int, default=40, help="compiles per shrink")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--json", help="write every result here")
    a = ap.parse_args(argv)

    passed = failed = 0
    results = []
    t0 = time.time()
    for seed in range(a.seed, a.seed + a.count):
        rng = random.Random(seed * 7919 + 1)
        text, spec = random_spec.generate(seed)
        opt = "O0" if rng.random() < 0.25 else "O3"
        batches = "%d" % rng.choice((1, 2, 3))
        seqs = "1,%d" % rng.randint(2, spec.max_seq)
        work = os.path.join(a.workdir, "s%d" % seed)
        ok, why = check(a.modelc, text, work, opt, batches, seqs, a.tol, seed)
        results.append({"seed": seed, "ok": ok, "opt": opt, "why": why})
        if ok:
            passed += 1
            print("PASS seed %d %s %s" % (seed, opt, spec.name), flush=True)
            continue
        failed += 1
        print("FAIL seed %d %s: %s" % (seed, opt, why), flush=True)
        if a.failures:
            os.makedirs(a.failures, exist_ok=True)
            small = shrink(text, lambda t: not check(a.modelc, t, work + "-shrink", opt, batches, seqs,
                                                       a.tol, seed)[0], a.shrink_budget)
            with open(os.path.join(a.failures, "seed%d-%s.toml" % (seed, opt)), "w") as f:
                f.write("# differential failure, seed %d, -%s, batches %s, seqs %s: %s\n%s"
                        % (seed, opt, batches, seqs, why, small))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"results": results, "seconds": time.time() - t0}, f, indent=1)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
