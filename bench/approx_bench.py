#!/usr/bin/python3
"""Speed of the approximate passes: one spec compiled as it is and with each approximate flag set,
timed by `modelc bench` in one run (rounds interleaved), reported as ratios to the unpruned model.

    /usr/bin/python3 bench/approx_bench.py --modelc build/tools/modelc [--spec examples/bert-base.toml] \\
        [--batch 1] [--seq 128] [--threads 2] [--iters 20] [--rounds 3] [--only int8] [--reuse]

Variants (issue 8's targets): `--prune-neurons=0.3` (>= 1.15x faster; the FLOP bound is 1.25x on
BERT-base), `--low-rank=rank:192 --low-rank-match=*.mlp.*` (a quarter of the MLP weights' rank,
>= 1.5x) and `--int8-weights` (>= 1.8x at --seq 1, no slower at --seq 128). Each variant's FLOPs per token (from its <name>.approx.json) are printed beside its
speedup. The load average is printed: above 0.5 the times are unreliable.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (label, flags, the speedup it must reach at a seq: None for no target)
VARIANTS = [
    ("baseline", [], lambda seq: None),
    ("prune-neurons 0.3", ["--prune-neurons=0.3"], lambda seq: 1.15),
    ("low-rank mlp rank 192", ["--low-rank=rank:192", "--low-rank-match=*.mlp.*"], lambda seq: 1.5),
    # Decode (seq 1) reads every weight once per token: a quarter of the bytes. Prefill is
    # compute-bound: no slower.
    ("int8 weights", ["--int8-weights"], lambda seq: 1.8 if seq == 1 else 1.0),
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modelc", required=True)
    ap.add_argument("--spec", default=os.path.join(ROOT, "examples", "bert-base.toml"))
    ap.add_argument("--batch", default="1")
    ap.add_argument("--seq", default="128")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--iters", default="20")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default="",
                    help="comma-separated words: only the variants whose label has one (and the baseline)")
    ap.add_argument("--reuse", action="store_true",
                    help="bench the libraries already in --workdir instead of compiling them")
    ap.add_argument("--workdir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "modelc-approx-bench"))
    a = ap.parse_args(argv)
    words = [w for w in a.only.split(",") if w]
    variants = [v for v in VARIANTS
                if v[0] == "baseline" or not words or any(w in v[0] for w in words)]
    name = None
    libs = {}
    for label, flags, _ in variants:
        out = os.path.join(a.workdir, label.replace(" ", "_"))
        if not (a.reuse and os.path.isdir(out)):
            subprocess.run([a.modelc, "compile", a.spec, "-q", "-O3", "-o", out] + flags, check=True)
        name = name or next(f[3:-3] for f in os.listdir(out) if f.startswith("lib") and f.endswith(".so"))
        libs[label] = os.path.join(out, "lib%s.so" % name)
    best = {label: float("inf") for label in libs}
    for _ in range(a.rounds):
        for label, lib in libs.items():
            p = subprocess.run([a.modelc, "bench", lib, "--batch", a.batch, "--seq", a.seq, "--threads",
                                a.threads, "--iters", a.iters, "--json"], check=True, stdout=subprocess.PIPE,
                               text=True)
            best[label] = min(best[label], json.loads(p.stdout)["median_ms"])
    print("%s, batch %s, seq %s, %s threads, load average %.2f (best median of %d rounds)"
          % (name, a.batch, a.seq, a.threads, os.getloadavg()[0], a.rounds))
    base = best["baseline"]
    print("| variant | ms | speedup | target | FLOPs/token after/before |")
    print("|---|---|---|---|---|")
    ok = True
    for label, _, target_at in variants:
        target = target_at(int(a.seq))
        flops = ""
        report = os.path.join(os.path.dirname(libs[label]), name + ".approx.json")
        if os.path.exists(report):
            t = json.load(open(report))["total"]
            flops = "%.3f" % (t["after"]["flops_per_token"] / t["before"]["flops_per_token"])
        speedup = base / best[label]
        met = "" if target is None else (">= %.2f %s" % (target, "met" if speedup >= target else "NOT met"))
        ok &= target is None or speedup >= target
        print("| %s | %.2f | %.3f | %s | %s |" % (label, best[label], speedup, met, flops))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
