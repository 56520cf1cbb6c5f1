#!/usr/bin/python3
"""End-to-end numerics check: modelc-compiled library vs the PyTorch oracle (reference.py).

    check_model.py --modelc build/bin/modelc --spec examples/gpt2-small.toml --workdir /tmp/w \
        [--opt O3] [--batches 1,3] [--seqs 1,7,64,max] [--tol 1e-4] [--seed 0]

Steps: random weights -> WORKDIR/w.safetensors; `modelc compile SPEC --weights W -O3 -o WORKDIR/out`;
per batch x seq: random tokens (and token types) -> .npy, `modelc run WORKDIR/out/lib<name>.so
--input tokens=ids.npy [--input token_types=tt.npy] --output <logits|hidden>=out.npy`, the oracle in
float64, and relmax = max|a-b| / max|b| <= tol. One line per case, then "N passed, M failed".
Exit status 0 when all pass, 1 otherwise (including modelc failures, whose stderr is printed).
"""
import argparse
import os
import shlex
import subprocess
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def relmax(a, b):
    """max|a-b| / max|b| (max|a-b| when b is all zero). NaN/inf in either -> inf."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("inf")
    den = np.abs(b).max() if b.size else 0.0
    num = np.abs(a - b).max() if a.size else 0.0
    return float(num / den) if den > 0 else float(num)


def parse_seqs(text, max_seq, note=None):
    """"1,7,64,max" -> [1, 7, 64, max_seq]; lengths above max_seq are dropped (with a note) so the
    default list works for tiny specs; "max" is max_seq; duplicates collapse."""
    out = []
    for tok in text.split(","):
        tok = tok.strip()
        if not tok:
            continue
        s = max_seq if tok == "max" else int(tok)
        if s < 1:
            raise ValueError("seq must be >= 1: %s" % tok)
        if s > max_seq:
            if note:
                note("note: skipping seq %d > max_seq %d" % (s, max_seq))
            continue
        if s not in out:
            out.append(s)
    if not out:
        raise ValueError("no sequence length left from %r (max_seq %d)" % (text, max_seq))
    return out


def parse_ints(text):
    out = []
    for tok in text.split(","):
        if tok.strip():
            v = int(tok)
            if v < 1:
                raise ValueError("batch must be >= 1: %s" % tok)
            if v not in out:
                out.append(v)
    return out


def run_cmd(cmd, timeout, log):
    """Run a command; returns (ok, stderr+stdout tail). Never raises."""
    log("+ " + " ".join(shlex.quote(str(c)) for c in cmd))
    try:
        p = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except FileNotFoundError as e:
        return False, "cannot execute: %s" % e
    except PermissionError as e:
        return False, "cannot execute: %s" % e
    except subprocess.TimeoutExpired:
        return False, "timed out after %ss" % timeout
    out = (p.stderr or b"").decode("utf-8", "replace")
    if p.returncode != 0:
        so = (p.stdout or b"").decode("utf-8", "replace")
        return False, "exit status %d\n%s%s" % (p.returncode, out, so[-4000:])
    return True, out


def find_library(outdir, name):
    lib = os.path.join(outdir, "lib%s.so" % name)
    if os.path.exists(lib):
        return lib, None
    found = sorted(f for f in os.listdir(outdir) if f.endswith(".so")) if os.path.isdir(outdir) else []
    return None, "expected %s; %s has %s" % (lib, outdir, found or "no .so files")


def compile_model(a, spec, wpath, outdir, name, log, extra=()):
    """`modelc compile SPEC --weights W -<opt> --target T -o OUTDIR [extra]` -> (lib, None) or
    (None, error)."""
    ok, err = run_cmd([a.modelc, "compile", spec, "--weights", wpath, "-" + a.opt,
                       "--target", a.target, "-o", outdir] + list(extra), a.timeout, log)
    if not ok:
        return None, err
    return find_library(outdir, name)


def case_inputs(cfg, seed, b, s, stem):
    """Random tokens (and token types) for one batch x seq case, saved next to `stem` (images
    [b, C, H, W] for an image model, whose seq is fixed). Returns (tokens or images, token_types or
    None, the `modelc run --input` arguments)."""
    rng = np.random.default_rng([seed, b, s])
    if cfg.input == "image":
        images = rng.standard_normal((b, cfg.in_channels, cfg.height, cfg.width)).astype(np.float32)
        np.save(stem + "_image.npy", images)
        return images, None, ["--input", "image=%s_image.npy" % stem]
    tokens = rng.integers(0, cfg.vocab, size=(b, s), dtype=np.int64).astype(np.int32)
    np.save(stem + "_tokens.npy", tokens)
    args = ["--input", "tokens=%s_tokens.npy" % stem]
    tt = None
    if cfg.token_types > 0:
        tt = rng.integers(0, cfg.token_types, size=(b, s), dtype=np.int64).astype(np.int32)
        np.save(stem + "_token_types.npy", tt)
        args += ["--input", "token_types=%s_token_types.npy" % stem]
    return tokens, tt, args


def run_library(a, lib, cfg, inputs, opath, shape, log):
    """`modelc run LIB` on one case -> (output array, None) or (None, error)."""
    if os.path.exists(opath):
        os.remove(opath)
    ok, err = run_cmd([a.modelc, "run", lib] + inputs + ["--output", "%s=%s" % (cfg.output, opath)],
                      a.timeout, log)
    if not ok:
        return None, "modelc run failed: %s" % err.rstrip()
    try:
        got = np.load(opath, mmap_mode="r")
    except Exception as e:  # noqa: BLE001
        return None, "cannot read %s: %s" % (opath, e)
    if tuple(got.shape) != tuple(shape):
        return None, "output shape %s, expected %s" % (list(got.shape), list(shape))
    if got.dtype != np.float32:
        log("note: output dtype %s (expected float32)" % got.dtype)
    return got, None


def oracle_error(ref, cfg, module, got, tokens, tt):
    """relmax of `got` against the float64 oracle, computed one batch row at a time (a
    [1, 1024, 50257] float64 block is 400 MB) -> (relmax, worst case or None); inf for NaN/inf."""
    num, den, where = 0.0, 0.0, None
    for r in range(tokens.shape[0]):
        want = ref.forward(cfg, None, tokens[r:r + 1],
                           None if tt is None else tt[r:r + 1], module=module)[0]
        g = np.asarray(got[r], dtype=np.float64)
        if not np.isfinite(g).all():
            return float("inf"), None
        d = np.abs(g - want)
        k = int(d.argmax())
        if d.flat[k] > num:
            num = float(d.flat[k])
            where = (r,) + np.unravel_index(k, d.shape) + (float(g.flat[k]), float(want.flat[k]))
        den = max(den, float(np.abs(want).max()))
    return (num / den if den > 0 else num), where


def load_oracle(a, cfg, workdir):
    """Weights (a.weights, or random from a.seed written to WORKDIR/w.safetensors) and the
    float64 oracle module -> (reference module, weights path, oracle module)."""
    import torch
    import reference as ref
    from oracle import write_safetensors, read_safetensors
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    if a.weights:
        wpath = a.weights
        weights = read_safetensors(wpath)
    else:
        wpath = os.path.join(workdir, "w.safetensors")
        weights = ref.random_weights(cfg, a.seed)
        write_safetensors(wpath, weights, metadata={"generator": "check_model.py", "seed": str(a.seed)})
    return ref, wpath, ref.build_module(cfg, weights, dtype=torch.float64)


def add_common_args(ap):
    ap.add_argument("--modelc", required=True, help="path to the modelc driver")
    ap.add_argument("--spec", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--opt", default="O3", choices=["O0", "O1", "O2", "O3"])
    ap.add_argument("--target", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--batches", default="1,3")
    ap.add_argument("--seqs", default="1,7,64,max")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=1800, help="per modelc invocation, seconds")
    ap.add_argument("--weights", help="use this safetensors file instead of random weights")
    ap.add_argument("-v", "--verbose", action="store_true", help="echo commands")


def main(argv=None):
    ap = argparse.ArgumentParser(description="modelc vs PyTorch numerics check")
    add_common_args(ap)
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args(argv)

    def log(msg):
        if a.verbose:
            print(msg, flush=True)

    try:
        import reference as ref
        cfg = ref.load_spec(a.spec)
        batches = parse_ints(a.batches)
        # An image model's sequence is fixed by its image size.
        seqs = [cfg.max_seq] if cfg.input == "image" else parse_seqs(a.seqs, cfg.max_seq, note=print)
    except Exception as e:  # noqa: BLE001
        print("error: %s: %s" % (a.spec, e), file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    os.makedirs(a.workdir, exist_ok=True)
    tag = "%s %s" % (cfg.name, a.opt)
    try:
        ref, wpath, module = load_oracle(a, cfg, a.workdir)
    except Exception as e:  # noqa: BLE001
        print("error: oracle: %s" % e, file=sys.stderr)
        print("0 passed, 1 failed")
        return 1

    ncases = len(batches) * len(seqs)
    t0 = time.time()
    lib, err = compile_model(a, a.spec, wpath, os.path.join(a.workdir, "out"), cfg.name, log)
    if lib is None:
        print("FAIL %s: modelc compile failed: %s" % (tag, err.rstrip()))
        print("0 passed, %d failed" % ncases)
        return 1
    log("compiled in %.1fs" % (time.time() - t0))

    passed = failed = 0
    for b in batches:
        for s in seqs:
            case = "%s b=%d s=%d" % (tag, b, s)
            stem = os.path.join(a.workdir, "b%d_s%d" % (b, s))
            tokens, tt, inputs = case_inputs(cfg, a.seed, b, s, stem)
            shape = ref.output_shape(cfg, b, s)
            got, err = run_library(a, lib, cfg, inputs, "%s_%s.npy" % (stem, cfg.output), shape, log)
            if got is None:
                print("FAIL %s: %s" % (case, err))
                failed += 1
                continue
            rel, where = oracle_error(ref, cfg, module, got, tokens, tt)
            if rel == float("inf"):
                print("FAIL %s: output has NaN/inf" % case)
                failed += 1
            elif rel <= a.tol:
                print("PASS %s relmax=%.2g" % (case, rel))
                passed += 1
            else:
                detail = ""
                if where is not None:
                    detail = " (worst at [%s]: got %.6g want %.6g)" % (
                        ",".join(str(int(i)) for i in where[:-2]), where[-2], where[-1])
                print("FAIL %s relmax=%.2g > tol %.2g%s" % (case, rel, a.tol, detail))
                failed += 1
            sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
