#!/usr/bin/python3
"""modelc vs ONNX Runtime vs PyTorch eager, same model, same input, same threads, one run.

    bench/run_bench.py --modelc build/bin/modelc [--models examples/gpt2-small.toml,examples/bert-base.toml]
        [--batch 1] [--seq 128] [--threads 2] [--iters 20] [--workdir /tmp/modelc-bench]
        [--markdown bench.md] [--json bench.json] [--skip modelc,ort,torch]

Per model: random weights (fixed seed) -> `modelc compile` + `modelc bench --json`; torch.onnx.export
of the peer model (peer_model.py: the oracle's module, or for a timm_swin or hf_swin spec the library's windowed Swin)
-> bench/ort_run.js (onnxruntime-node); PyTorch eager on the same model in a subprocess, twice:
with the environment as is, and with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed. Prints a markdown
table plus the machine (CPU, lscpu family, measured FMA peak, BLAS). A peer that cannot run is
reported with the reason; the others still run.
"""
import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NUMERICS = os.path.join(ROOT, "test", "numerics")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
FAMILIES = {25: "Zen 3/Zen 4", 26: "Zen 5"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, timeout=1800, env=None, cwd=None):
    """(ok, stdout, stderr-or-reason); never raises."""
    try:
        p = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=env, cwd=cwd, text=True)
    except (OSError, ValueError) as e:
        return False, "", "cannot execute %s: %s" % (cmd[0], e)
    except subprocess.TimeoutExpired:
        return False, "", "%s timed out after %ss" % (os.path.basename(str(cmd[0])), timeout)
    if p.returncode != 0:
        return False, p.stdout, "exit %d: %s" % (p.returncode, (p.stderr or p.stdout).strip()[-2000:])
    return True, p.stdout, p.stderr


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    # whole output may be pretty-printed JSON
    try:
        return json.loads(text)
    except ValueError:
        return None


def base_env():
    env = dict(os.environ)
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    return env


# ------------------------------------------------------------------------------------------------
# machine
# ------------------------------------------------------------------------------------------------

def machine_info(threads, workdir):
    info = {"threads": threads}
    ok, out, _ = run(["lscpu"], timeout=30)
    if ok:
        for line in out.splitlines():
            k, _, v = line.partition(":")
            k, v = k.strip(), v.strip()
            if k == "Model name":
                info["cpu"] = v
            elif k == "CPU family":
                info["family"] = int(v) if v.isdigit() else v
            elif k == "CPU(s)":
                info["cpus"] = v
            elif k == "Flags":
                info["avx512"] = "avx512f" in v.split()
    info["family_name"] = FAMILIES.get(info.get("family"), "unknown")
    try:
        info["loadavg"] = os.getloadavg()[0]
    except OSError:
        pass
    # FMA peak
    exe = os.path.join(workdir, "fma_peak")
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        info["peak_error"] = "no C compiler"
    else:
        ok, _, err = run([cc, "-O2", "-pthread", "-o", exe, os.path.join(HERE, "fma_peak.c")], timeout=120)
        if not ok:
            info["peak_error"] = "fma_peak.c did not build: " + err
        else:
            ok, out, err = run([exe, "--threads", str(threads), "--seconds", "0.5"], timeout=120)
            j = last_json(out) if ok else None
            if j and "gflops" in j:
                info["peak"] = j
            else:
                info["peak_error"] = err or out
    # BLAS behind Debian's torch
    ok, out, err = run(["update-alternatives", "--display", "libblas.so.3-x86_64-linux-gnu"], timeout=30)
    m = re.search(r"link currently points to (\S+)", out) if ok else None
    info["blas_alternative"] = m.group(1) if m else ("unknown (%s)" % (err.strip() or "no output"))
    info["openblas_pthread"] = bool(m and "openblas-pthread" in m.group(1))
    info["env_openblas"] = {k: os.environ[k] for k in OPENBLAS_VARS if k in os.environ}
    ok, out, _ = run(["node", "--version"], timeout=30)
    info["node"] = out.strip() if ok else None
    info["python"] = platform.python_version()
    return info


# ------------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------------

def spec_hash(spec, seed):
    with open(spec, "rb") as f:
        return hashlib.sha1(f.read() + b"seed=%d" % seed).hexdigest()[:12]


def ensure_weights(spec, seed, workdir):
    """Random weights for spec, cached by spec content + seed."""
    h = spec_hash(spec, seed)
    path = os.path.join(workdir, "w-%s.safetensors" % h)
    if not os.path.exists(path):
        ok, _, err = run([PY, os.path.join(NUMERICS, "reference.py"), "gen-weights", spec, path + ".tmp",
                          "--seed", str(seed)], env=base_env())
        if not ok:
            raise RuntimeError("gen-weights failed: " + err)
        os.replace(path + ".tmp", path)
    return path, h


# ------------------------------------------------------------------------------------------------
# peers
# ------------------------------------------------------------------------------------------------

def compile_modelc(a, spec, weights, name, h, opt):
    """`modelc compile -<opt>` into the work folder -> (lib, compile seconds) or (None, error)."""
    outdir = os.path.join(a.workdir, "modelc-%s-%s" % (h, opt))
    t0 = time.time()
    ok, _, err = run([a.modelc, "compile", spec, "--weights", weights, "-" + opt, "-o", outdir],
                     timeout=3600)
    if not ok:
        return None, "modelc compile -%s failed: %s" % (opt, err)
    lib = os.path.join(outdir, "lib%s.so" % name)
    if not os.path.exists(lib):
        return None, "modelc compile -%s produced no %s" % (opt, lib)
    return lib, time.time() - t0


def bench_library(a, lib):
    ok, out, err = run([a.modelc, "bench", lib, "--batch", a.batch, "--seq", a.seq, "--threads", a.threads,
                        "--iters", a.iters, "--json"], timeout=1800)
    if not ok:
        return {"error": "modelc bench failed: " + err}
    j = last_json(out)
    if not j or "median_ms" not in j:
        return {"error": "modelc bench printed no JSON with median_ms: %r" % out[-500:]}
    return j


def bench_modelc(a, spec, weights, name, h):
    """Each level of --opts, compiled once and timed in --rounds interleaved rounds (a level's
    result is its round with the lowest median, with the min over all rounds; "rounds" keeps every
    round's median and min),
    so that load on a shared machine hits the levels alike. -> {opt: result}."""
    if not a.modelc:
        return {o: {"error": "no --modelc given"} for o in a.opt_list}
    if not (os.path.isfile(a.modelc) and os.access(a.modelc, os.X_OK)):
        return {o: {"error": "modelc not found or not executable: %s" % a.modelc} for o in a.opt_list}
    libs, results = {}, {}
    for opt in a.opt_list:
        lib, info = compile_modelc(a, spec, weights, name, h, opt)
        if lib is None:
            results[opt] = {"error": info}
        else:
            libs[opt] = (lib, round(info, 1))
    for _ in range(a.rounds):
        for opt, (lib, compile_s) in libs.items():
            j = bench_library(a, lib)
            prev = results.get(opt)
            if "error" in j:
                results[opt] = j
                continue
            if prev and "error" in prev:
                continue
            rounds = (prev or {}).get("rounds", []) + [[j["median_ms"], j["min_ms"]]]
            if not prev or j["median_ms"] < prev["median_ms"]:
                prev = j
            prev["rounds"], prev["compile_s"] = rounds, compile_s
            prev["min_ms"] = min(m for _, m in rounds)
            results[opt] = prev
    return results


def bench_ort(a, spec, weights, h, cfg):
    node = shutil.which("node")
    if not node:
        return {"error": "node not found"}
    if not os.path.isdir(os.path.join(HERE, "node_modules", "onnxruntime-node")):
        return {"error": "onnxruntime-node not installed (cd bench && npm install --ignore-scripts)"}
    onnx = os.path.join(a.workdir, "m-%s.onnx" % h)
    if not os.path.exists(onnx):
        ok, _, err = run([PY, os.path.join(HERE, "export_onnx.py"), spec, weights, onnx + ".tmp",
                          "--seq", a.seq], env=base_env(), timeout=1800)
        if not ok:
            return {"error": "torch.onnx.export failed: " + err}
        os.replace(onnx + ".tmp", onnx)
    res = {}
    # correctness: ORT vs the float32 oracle at a small odd shape (checks the dynamic axes too)
    chk = check_ort(a, spec, weights, onnx, cfg)
    res.update(chk)
    ok, out, err = run([node, os.path.join(HERE, "ort_run.js"), onnx, "--batch", a.batch, "--seq", a.seq,
                        "--threads", a.threads, "--iters", a.iters, "--vocab", cfg.vocab or 1]
                       + image_args(cfg), timeout=1800)
    j = last_json(out) if ok else None
    if not j:
        res["error"] = "ort_run.js failed: " + (err or out)
        return res
    res.update(j)
    return res


def image_args(cfg):
    """ort_run.js's --image for an image model (its input), else nothing."""
    if cfg.input != "image":
        return []
    return ["--image", "%d,%d,%d" % (cfg.in_channels, cfg.height, cfg.width)]


def check_ort_image(a, spec, weights, onnx, cfg):
    """ORT vs the float64 oracle on ort_run.js's deterministic images, batch 2."""
    import numpy as np
    out = os.path.join(a.workdir, "ort_out.bin")
    ok, _, err = run(["node", os.path.join(HERE, "ort_run.js"), onnx, "--batch", "2", "--threads", a.threads,
                      "--iters", "1", "--warmup", "1", "--dump", out] + image_args(cfg), timeout=600)
    if not ok:
        return {"check": "ORT check run failed: " + err}
    n = 2 * cfg.in_channels * cfg.height * cfg.width
    images = ((((np.arange(n) * 7919 + 13) % 1000) / 500 - 1).astype(np.float32)
              .reshape(2, cfg.in_channels, cfg.height, cfg.width))
    sys.path.insert(0, NUMERICS)
    import reference as ref
    want = ref.forward(spec, weights, images).reshape(-1)
    got = np.fromfile(out, dtype="<f4")
    if got.size != want.size:
        return {"check": "ORT output has %d values, expected %d" % (got.size, want.size)}
    rel = float(np.abs(got - want).max() / np.abs(want).max())
    return {"check_relmax": rel, "check": "ok" if rel < 1e-3 else "MISMATCH (relmax %.2g)" % rel}


def check_ort(a, spec, weights, onnx, cfg):
    import numpy as np
    if cfg.input == "image":
        return check_ort_image(a, spec, weights, onnx, cfg)
    b, s = 2, min(11, cfg.max_seq)
    rng = np.random.default_rng(1)
    ids = rng.integers(0, cfg.vocab, (b, s)).astype(np.int32)
    ip = os.path.join(a.workdir, "ort_ids.npy")
    np.save(ip, ids)
    cmd = ["node", os.path.join(HERE, "ort_run.js"), onnx, "--threads", a.threads, "--iters", "1",
           "--warmup", "1", "--tokens", ip, "--dump", os.path.join(a.workdir, "ort_out.bin")]
    tt = None
    if cfg.token_types > 0:
        tt = rng.integers(0, cfg.token_types, (b, s)).astype(np.int32)
        np.save(os.path.join(a.workdir, "ort_tt.npy"), tt)
        cmd += ["--token-types", os.path.join(a.workdir, "ort_tt.npy")]
    ok, out, err = run(cmd, timeout=600)
    if not ok:
        return {"check": "ORT check run failed: " + err}
    width = cfg.vocab if cfg.output == "logits" else cfg.dim
    got = np.fromfile(os.path.join(a.workdir, "ort_out.bin"), dtype="<f4")
    if got.size != b * s * width:
        return {"check": "ORT output has %d values, expected %d" % (got.size, b * s * width)}
    rp = os.path.join(a.workdir, "ort_ref.npy")
    cmd = [PY, os.path.join(NUMERICS, "reference.py"), "run", spec, weights, "--tokens", ip, "--out", rp]
    if tt is not None:
        cmd += ["--token-types", os.path.join(a.workdir, "ort_tt.npy")]
    ok, _, err = run(cmd, env=base_env(), timeout=1800)
    if not ok:
        return {"check": "reference run failed: " + err}
    want = np.load(rp).reshape(-1).astype(np.float64)
    rel = float(np.abs(got - want).max() / np.abs(want).max())
    return {"check_relmax": rel, "check": "ok" if rel < 1e-3 else "MISMATCH (relmax %.2g)" % rel}


TORCH_WORKER = r"""
import json, os, sys, time, statistics
import numpy as np, torch
sys.path.insert(0, %(numerics)r)
sys.path.insert(0, %(bench)r)
import peer_model
import reference as ref
spec, weights, B, S, T, iters = %(spec)r, %(weights)r, %(batch)d, %(seq)d, %(threads)d, %(iters)d
torch.set_num_threads(T)
cfg = ref.load_spec(spec)
m = peer_model.build(cfg, weights)
g = torch.Generator().manual_seed(0)
tok = (torch.randn(B, cfg.in_channels, cfg.height, cfg.width, generator=g) if cfg.input == "image"
       else torch.randint(0, cfg.vocab, (B, S), generator=g))
tt = torch.randint(0, max(cfg.token_types, 1), (B, S), generator=g) if cfg.token_types else None
times = []
with torch.inference_mode():
    for _ in range(3):
        m(tok, tt)
    for _ in range(iters):
        t0 = time.perf_counter(); m(tok, tt); times.append((time.perf_counter() - t0) * 1e3)
maps = open("/proc/self/maps").read()
libs = sorted({l.split()[-1] for l in maps.splitlines() if "blas" in l.lower() and "/" in l})
print(json.dumps({"median_ms": statistics.median(times), "min_ms": min(times), "iters": iters,
                  "torch": torch.__version__, "num_threads": torch.get_num_threads(),
                  "blas_libs": libs, "openblas_env": {k: os.environ.get(k) for k in %(vars)r}}))
"""


def bench_torch(a, spec, weights, unset_openblas):
    env = base_env()
    if unset_openblas:
        for k in OPENBLAS_VARS:
            env.pop(k, None)
    code = TORCH_WORKER % {"numerics": NUMERICS, "bench": HERE, "spec": os.path.abspath(spec), "weights": weights,
                           "batch": int(a.batch), "seq": int(a.seq), "threads": int(a.threads),
                           "iters": int(a.iters), "vars": OPENBLAS_VARS}
    ok, out, err = run([PY, "-c", code], env=env, timeout=3600)
    j = last_json(out) if ok else None
    if not j:
        return {"error": "PyTorch run failed: " + (err or out)}
    return j


# ------------------------------------------------------------------------------------------------
# report
# ------------------------------------------------------------------------------------------------

def is_gemm(k):
    c = str(k.get("class", "")).lower()
    return any(w in c for w in ("gemm", "matmul", "linear", "gemv"))


def fmt_ms(r):
    if r is None or "error" in r or "median_ms" not in r:
        return "n/a"
    digits = 1 if r["median_ms"] >= 10 else 3
    return "%.*f (min %.*f)" % (digits, r["median_ms"], digits, r["min_ms"])


def gemm_summary(r, peak):
    if not r or "kernels" not in r:
        return "n/a"
    ks = [k for k in r["kernels"] if is_gemm(k) and k.get("ms") and k.get("gflop")]
    if not ks:
        return "no GEMM kernels reported"
    ks.sort(key=lambda k: -float(k["gflop"]))
    parts = []
    for k in ks[:3]:
        gf = float(k["gflop"]) / (float(k["ms"]) / 1e3)
        pct = " (%.0f%%)" % (100 * gf / peak) if peak else ""
        parts.append("%s %.0f GF/s%s" % (k.get("name", "?"), gf, pct))
    return "; ".join(parts)


def modelc_result(a, r):
    """The modelc result of the main table: the last level of --opts."""
    return r.get("modelc", {}).get(a.opt_list[-1])


def opt_levels_table(a, results):
    """modelc at each -O level, and each level's time over the first level's."""
    first = a.opt_list[0]
    L = ["modelc by optimization level (%d interleaved rounds; the lowest round median, and the "
         "min over all runs; ratios to -%s):" % (a.rounds, first), "",
         "| model | " + " | ".join("-%s ms" % o for o in a.opt_list) + " | " +
         " | ".join("-%s/-%s median (min)" % (o, first) for o in a.opt_list[1:]) + " |",
         "|---|" + "---|" * (2 * len(a.opt_list) - 1)]
    for name, r in results:
        mc = r.get("modelc", {})
        base = mc.get(first, {})
        cells = [fmt_ms(mc.get(o)) for o in a.opt_list]
        for o in a.opt_list[1:]:
            x = mc.get(o, {})
            if "median_ms" in x and "median_ms" in base:
                cells.append("%.3f (%.3f)" % (x["median_ms"] / base["median_ms"],
                                              x["min_ms"] / base["min_ms"]))
            else:
                cells.append("n/a")
        L.append("| %s | %s |" % (name, " | ".join(cells)))
    L.append("")
    return L


def report(a, mach, results):
    peak = mach.get("peak", {}).get("gflops")
    envdesc = ", ".join("%s=%s" % kv for kv in sorted(mach["env_openblas"].items())) or "none set"
    L = []
    L.append("## modelc benchmark: batch %s, seq %s, %s threads" % (a.batch, a.seq, a.threads))
    L.append("")
    L.append("Machine: %s, lscpu family %s (%s), %s CPUs; measured FMA peak %s; BLAS: %s%s; "
             "PyTorch env OPENBLAS_*: %s; load average at start %.2f."
             % (mach.get("cpu", "?"), mach.get("family", "?"), mach.get("family_name"), mach.get("cpus", "?"),
                ("%.0f GFLOP/s on %d threads (%s, %.0f/thread)" % (peak, a.threads_i, mach["peak"]["isa"],
                                                                   mach["peak"]["gflops_per_thread"]))
                if peak else "n/a (%s)" % mach.get("peak_error"),
                mach["blas_alternative"], "" if mach["openblas_pthread"] else " (NOT libopenblas0-pthread!)",
                envdesc, mach.get("loadavg", float("nan"))))
    L.append("")
    L.append("| model | modelc ms | ORT ms | PyTorch ms (env as is) | PyTorch ms (no OPENBLAS_*) "
             "| modelc/ORT | largest GEMM kernels: GFLOP/s (% of peak) |")
    L.append("|---|---|---|---|---|---|---|")
    for name, r in results:
        mc, ort = modelc_result(a, r), r.get("ort")
        ratio = "n/a"
        if mc and ort and "median_ms" in mc and "median_ms" in ort:
            ratio = "%.2f" % (mc["median_ms"] / ort["median_ms"])
        L.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            name, fmt_ms(mc), fmt_ms(ort), fmt_ms(r.get("torch_env")), fmt_ms(r.get("torch_noenv")),
            ratio, gemm_summary(mc, peak)))
    L.append("")
    if len(a.opt_list) > 1:
        L += opt_levels_table(a, results)
    L.append("Times are the median (and min) of %s runs after warm-up. modelc: `modelc bench`; ORT: "
             "onnxruntime-node %s (CPU EP, graph optimization 'all', intra-op threads %s, inter-op 1) on a "
             "torch.onnx.export of the peer model (bench/peer_model.py); PyTorch: eager %s on it, float32, inference_mode, "
             "OMP_WAIT_POLICY=PASSIVE, torch.set_num_threads(%s)."
             % (a.iters, next((r["ort"].get("ort_version") for _, r in results
                               if r.get("ort") and r["ort"].get("ort_version")), "?"),
                a.threads, next((r["torch_env"].get("torch") for _, r in results
                                 if r.get("torch_env") and r["torch_env"].get("torch")), "?"), a.threads))
    notes = []
    for name, r in results:
        for peer in ["modelc -" + o for o in a.opt_list] + ["ort", "torch_env", "torch_noenv"]:
            x = r.get("modelc", {}).get(peer[len("modelc -"):]) if peer.startswith("modelc") else r.get(peer)
            if x and "error" in x:
                notes.append("- %s / %s: %s" % (name, peer, x["error"].splitlines()[0][:400]))
        if r.get("ort") and "check" in r["ort"]:
            notes.append("- %s / ORT output vs oracle: %s%s" % (
                name, r["ort"]["check"],
                "" if "check_relmax" not in r["ort"] else " (relmax %.1e)" % r["ort"]["check_relmax"]))
        te = r.get("torch_env")
        if te and te.get("blas_libs"):
            notes.append("- %s / PyTorch loaded BLAS: %s" % (name, ", ".join(te["blas_libs"])))
    busy = max(mach.get("loadavg", 0.0), mach.get("loadavg_end", 0.0))
    if busy > 0.5:
        notes.insert(0, "- WARNING: load average %.2f (start %.2f, end %.2f): other processes share the CPUs; "
                        "times and the measured peak are unreliable, compare the min columns and ratios only"
                     % (busy, mach.get("loadavg", 0.0), mach.get("loadavg_end", 0.0)))
    if notes:
        L.append("")
        L += notes
    return "\n".join(L) + "\n"


def flat_results(r):
    """{peer: result} with one "modelc -<opt>" peer per level."""
    out = {"modelc -" + o: v for o, v in r.get("modelc", {}).items()}
    out.update({k: v for k, v in r.items() if k != "modelc"})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modelc", help="path to the modelc driver (its part is skipped without it)")
    ap.add_argument("--models", default=",".join(os.path.join(ROOT, "examples", m)
                                                 for m in ("gpt2-small.toml", "bert-base.toml")))
    ap.add_argument("--batch", default="1")
    ap.add_argument("--seq", default="128")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--iters", default="20")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "modelc-bench"))
    ap.add_argument("--markdown", help="also write the report to this file")
    ap.add_argument("--json", help="write all raw results as JSON")
    ap.add_argument("--skip", default="", help="comma list of peers to skip: modelc,ort,torch")
    ap.add_argument("--opts", default="O3",
                    help="comma list of modelc -O levels, e.g. O1,O3: each is compiled and timed, the "
                         "report gives each level's time over the first's; the main table shows the last")
    ap.add_argument("--rounds", type=int, default=1,
                    help="interleaved timing rounds of the modelc levels (more on a loaded machine)")
    a = ap.parse_args(argv)
    a.opt_list = [o.strip() for o in a.opts.split(",") if o.strip()]
    seq_arg = a.seq
    a.threads_i = int(a.threads)
    skip = {s.strip() for s in a.skip.split(",") if s.strip()}
    os.makedirs(a.workdir, exist_ok=True)
    sys.path.insert(0, NUMERICS)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import reference as ref

    mach = machine_info(a.threads_i, a.workdir)
    log("machine: %s" % json.dumps(mach))
    if not mach["openblas_pthread"]:
        log("WARNING: libblas.so.3 is not OpenBLAS (apt-get install libopenblas0-pthread); "
            "PyTorch will use reference BLAS and be ~60x slower")
    results = []
    for spec in [m for m in a.models.split(",") if m]:
        r = {}
        try:
            cfg = ref.load_spec(spec)
            name = cfg.name
            # An image model's sequence is its token count (modelc bench refuses another).
            a.seq = str(cfg.max_seq) if cfg.input == "image" else seq_arg
        except Exception as e:  # noqa: BLE001
            results.append((os.path.basename(spec),
                            {"modelc": {o: {"error": "spec: %s" % e} for o in a.opt_list}}))
            continue
        try:
            weights, h = ensure_weights(spec, a.seed, a.workdir)
        except Exception as e:  # noqa: BLE001
            results.append((name, {"modelc": {o: {"error": str(e)} for o in a.opt_list}}))
            continue
        if "modelc" not in skip:
            log("[%s] modelc ..." % name)
            r["modelc"] = bench_modelc(a, spec, weights, name, h)
        if "ort" not in skip:
            log("[%s] ONNX Runtime ..." % name)
            r["ort"] = bench_ort(a, spec, weights, h, cfg)
        if "torch" not in skip:
            log("[%s] PyTorch (env as is) ..." % name)
            r["torch_env"] = bench_torch(a, spec, weights, unset_openblas=False)
            log("[%s] PyTorch (OPENBLAS_* unset) ..." % name)
            r["torch_noenv"] = bench_torch(a, spec, weights, unset_openblas=True)
        log("[%s] %s" % (name, json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "kernels"}
                                            for k, v in flat_results(r).items()})))
        results.append((name, r))
    try:
        mach["loadavg_end"] = os.getloadavg()[0]
    except OSError:
        pass
    text = report(a, mach, results)
    print(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": mach, "args": {k: v for k, v in vars(a).items()},
                       "results": dict(results)}, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
