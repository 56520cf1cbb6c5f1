"""What the modelc-vs-modelc target scripts (depth_bench.py, window_bench.py, olevel_bench.py)
share: compiling a spec with `modelc compile -O3` (or another level), timing a library with
`modelc bench --json`, the load average."""
import json
import os
import re
import subprocess
import sys
import time


def load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def compile_spec(modelc, spec, outdir, cache=None, opt="-O3"):
    """Compiles `spec` at `opt` into `outdir` (with MODELC_CACHE_DIR = `cache` when given); returns
    the wall seconds, (kernel launches, unique kernels) and the library's path. Exits on failure."""
    env = dict(os.environ, MODELC_CACHE_DIR=cache) if cache else None
    t0 = time.time()
    p = subprocess.run([modelc, "compile", spec, opt, "-o", outdir], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    dt = time.time() - t0
    if p.returncode:
        sys.exit("modelc compile %s failed:\n%s" % (spec, p.stdout))
    m = re.search(r"(\d+) kernel launches \((\d+) unique\)", p.stdout)
    lib = next(os.path.join(outdir, f) for f in os.listdir(outdir) if f.endswith(".so"))
    return dt, (int(m.group(1)), int(m.group(2))) if m else (0, 0), lib


def bench(modelc, lib, seq, threads, iters, warmup=2):
    """`modelc bench --json` of `lib` at batch 1 (seq None: an image model's fixed one): its JSON
    (median_ms, kernels, ...). Exits on failure."""
    p = subprocess.run([modelc, "bench", lib, "--batch", "1"] + (["--seq", str(seq)] if seq else []) +
                       ["--threads", str(threads), "--iters", str(iters), "--warmup", str(warmup), "--json"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode:
        sys.exit("modelc bench %s failed:\n%s" % (lib, p.stderr))
    return json.loads(p.stdout)
