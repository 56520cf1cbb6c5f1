#!/usr/bin/python3
"""Sliding-window attention against full causal attention (issue 6), as ratios of modelc to modelc in
one run: bench/specs/attn-window.toml (window 512) and attn-causal.toml (the same model, full causal
attention) at one length (default 8192), each timed by `modelc bench --json`, alternately, `rounds`
times (the best median of each kept). Reports the whole model and the attention kernels alone (the
profile's `attention` class: the GEMMs, norms and MLPs of the two models are the same work), so the
ratio of the attention kernels is the one the target (<= 0.2x) is about.

    window_bench.py --modelc build/tools/modelc [--seq 8192] [--threads 2] [--iters 3] [--rounds 2]

Prints the load average before and after: figures taken above a load of ~1 per core are unreliable.
"""
import argparse
import os
import tempfile

from modelc_runs import bench, compile_spec, load

HERE = os.path.dirname(os.path.abspath(__file__))


def attention_run(modelc, lib, a):
    """The whole model's median and the attention kernels' ms per run."""
    r = bench(modelc, lib, a.seq, a.threads, a.iters, warmup=1)
    return r["median_ms"], sum(k["ms"] for k in r["kernels"] if k["class"] == "attention")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modelc", required=True)
    ap.add_argument("--seq", type=int, default=8192)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    print("load before: %s (%d cores)" % (load(), os.cpu_count()))
    work = tempfile.mkdtemp(prefix="modelc-window-bench-")
    libs = {n: compile_spec(a.modelc, os.path.join(HERE, "specs", n + ".toml"), os.path.join(work, n))[2]
            for n in ("attn-window", "attn-causal")}
    best = {}
    for _ in range(a.rounds):
        for name, lib in libs.items():
            whole, attention = attention_run(a.modelc, lib, a)
            if name not in best or whole < best[name][0]:
                best[name] = (whole, attention)
    print("| model (seq %d, %d threads) | whole model ms | attention kernels ms/run |" % (a.seq, a.threads))
    print("|---|---|---|")
    for name, (whole, attention) in best.items():
        print("| %s | %.1f | %.1f |" % (name, whole, attention))
    w, c = best["attn-window"], best["attn-causal"]
    print("window / causal: whole model %.3f, attention kernels %.3f (target <= 0.2)" % (w[0] / c[0], w[1] / c[1]))
    print("load after: %s" % load())


if __name__ == "__main__":
    main()
