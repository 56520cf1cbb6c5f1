#!/usr/bin/python3
"""Issue 8's "the exact -O3 pipeline is never slower than -O1 on any example": every spec of
examples/ (or --specs) compiled at -O1 and -O3, both timed by `modelc bench` in interleaved rounds
(best median of --rounds), and the ratio -O3 / -O1 printed per spec.

    /usr/bin/python3 bench/olevel_bench.py --modelc build/tools/modelc [--specs a.toml,b.toml] \\
        [--seq 64] [--threads 2] [--iters 20] [--rounds 3] [--slack 1.03]

A spec whose -O3 time exceeds its -O1 time by more than --slack (timing noise on millisecond
models) is marked SLOWER and the exit status is 1. The load average is printed: above 0.5 the times
are unreliable. Image models run at their fixed token count whatever --seq says.
"""
import argparse
import glob
import os
import sys
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import modelc_runs as mr  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEVELS = ("-O1", "-O3")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modelc", required=True)
    ap.add_argument("--specs", default="", help="comma-separated specs (default: examples/*.toml)")
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--threads", default="2")
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--slack", type=float, default=1.03)
    ap.add_argument("--workdir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "modelc-olevel-bench"))
    a = ap.parse_args(argv)
    specs = a.specs.split(",") if a.specs else sorted(glob.glob(os.path.join(ROOT, "examples", "*.toml")))
    print("load average %s before compiling" % mr.load())
    libs = {}
    for spec in specs:
        name = os.path.basename(spec)[:-5]
        for level in LEVELS:
            _, _, libs[name, level] = mr.compile_spec(a.modelc, spec, os.path.join(a.workdir, name + level),
                                                      opt=level)
    # An image model runs at its fixed token count (modelc bench takes no --seq for it).
    image = {os.path.basename(s)[:-5]: tomllib.load(open(s, "rb")).get("model", {}).get("input") == "image"
             for s in specs}
    best = {key: float("inf") for key in libs}
    for _ in range(a.rounds):
        for key, lib in libs.items():
            ms = mr.bench(a.modelc, lib, None if image[key[0]] else a.seq, a.threads, a.iters)["median_ms"]
            best[key] = min(best[key], ms)
    print("seq %d, %s threads, load average %s (best median of %d rounds)" % (a.seq, a.threads, mr.load(), a.rounds))
    print("| spec | -O1 ms | -O3 ms | -O3 / -O1 |")
    print("|---|---|---|---|")
    slower = 0
    for spec in specs:
        name = os.path.basename(spec)[:-5]
        o1, o3 = best[name, "-O1"], best[name, "-O3"]
        mark = " SLOWER" if o3 > a.slack * o1 else ""
        slower += bool(mark)
        print("| %s | %.3f | %.3f | %.3f%s |" % (name, o1, o3, o3 / o1, mark))
    print("%d of %d specs slower at -O3 than at -O1 (beyond x%.2f)" % (slower, len(specs), a.slack))
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
