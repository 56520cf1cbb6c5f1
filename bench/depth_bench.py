#!/usr/bin/python3
"""The speed targets of the depth structures (issue 7), as ratios of modelc to modelc in one run:

  1. a model looped 4 times compiles in the time of one pass over its unique layers:
     llama-768x12-loop4 (48 layer applications) vs llama-768x12, each from an empty kernel cache;
  2. per-loop LoRA costs at most 1.15x the looped model without it:
     llama-768x3-loop4-lora vs llama-768x3-loop4;
  3. DenseFormer's DWA adds at most 10% to a 12-layer Llama-shaped model's time:
     llama-768x12-dwa vs llama-768x12.

    depth_bench.py --modelc build/tools/modelc [--seq 128] [--threads 2] [--iters 20] [--rounds 3]

Run times are `modelc bench --json` medians; the two models of a pair are timed alternately, `rounds`
times, and the best median of each is kept (the machine is shared). Compile times are the wall time
of `modelc compile -O3` with a fresh MODELC_CACHE_DIR, the better of two. Prints the load average
before and after: figures taken above a load of ~1 per core are unreliable.
"""
import argparse
import os
import tempfile

from modelc_runs import bench, compile_spec, load

HERE = os.path.dirname(os.path.abspath(__file__))
SPECS = os.path.join(HERE, "specs")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modelc", required=True)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--skip-compile", action="store_true", help="only the run-time pairs")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="modelc-depth-bench-")
    print("load before: %s (%d cores)" % (load(), os.cpu_count()))

    def spec(name):
        return os.path.join(SPECS, name + ".toml")

    if not a.skip_compile:
        times = {}
        for rep in range(2):
            for name in ("llama-768x12", "llama-768x12-loop4"):
                cache = tempfile.mkdtemp(dir=work)
                dt, kernels, _ = compile_spec(a.modelc, spec(name), os.path.join(work, name), cache)
                best = times.get(name, (float("inf"), kernels))[0]
                times[name] = (min(best, dt), kernels)
        (t1, k1), (t4, k4) = times["llama-768x12"], times["llama-768x12-loop4"]
        print("compile, cold cache: llama-768x12 %.1f s (%d launches, %d unique kernels); "
              "llama-768x12-loop4 %.1f s (%d launches, %d unique): ratio %.2f (target <= ~1)"
              % (t1, k1[0], k1[1], t4, k4[0], k4[1], t4 / t1))

    shared = tempfile.mkdtemp(dir=work)
    for base, other, target, what in (("llama-768x3-loop4", "llama-768x3-loop4-lora", 1.15, "per-loop LoRA"),
                                      ("llama-768x12", "llama-768x12-dwa", 1.10, "DenseFormer DWA")):
        libs = {}
        for name in (base, other):
            libs[name] = compile_spec(a.modelc, spec(name), os.path.join(work, "run-" + name), shared)[2]
        best = {base: float("inf"), other: float("inf")}
        for _ in range(a.rounds):
            for name in (base, other):
                best[name] = min(best[name], bench(a.modelc, libs[name], a.seq, a.threads, a.iters)["median_ms"])
        print("%s: %s %.2f ms, %s %.2f ms at batch 1, seq %d, %d threads: ratio %.3f (target <= %.2f)"
              % (what, base, best[base], other, best[other], a.seq, a.threads, best[other] / best[base], target))
    print("load after: %s" % load())


if __name__ == "__main__":
    main()
