#!/usr/bin/python3
"""Exactness check of a re-parameterization pass: the model compiled with and without it.

    check_exact.py --modelc build/tools/modelc --spec examples/gpt2-tiny.toml --workdir /tmp/w \\
        --pass nn-fold-norm-affine [--opt O3] [--batches 1,3] [--seqs 1,7,64,max] \\
        [--tol 1e-5] [--oracle-tol 1e-4] [--seed 0] [--flag=--allow-weight-growth ...]

Steps: random weights (the oracle's) -> `modelc compile -O<level> --disable-pass=PASS` and
`modelc compile -O<level>`; the pass must change the optimized IR (`--emit=optimized` differs),
else the check fails: a test of a pass that does not apply proves nothing (--flag: a `modelc
compile` flag given to both, e.g. a pass option). Per batch x seq, both libraries run on the same
oracle inputs: relmax(with, without) <= --tol, and each against the float64 oracle <= --oracle-tol.
One line per case, then "N passed, M failed"; exit 0 when all pass.
"""
import argparse
import os
import subprocess
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check_model as cm  # noqa: E402


def optimized_ir(a, wpath, extra):
    p = subprocess.run([a.modelc, "compile", a.spec, "--weights", wpath, "-" + a.opt, "-q",
                        "--emit=optimized"] + extra, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=a.timeout)
    return p.stdout if p.returncode == 0 else None


def main(argv=None):
    ap = argparse.ArgumentParser(description="modelc with vs without one pass")
    cm.add_common_args(ap)
    ap.add_argument("--pass", dest="pass_", required=True, help="the pass's modelc-opt flag")
    ap.add_argument("--tol", type=float, default=1e-5, help="with vs without the pass")
    ap.add_argument("--oracle-tol", type=float, default=1e-4, help="each library vs the oracle")
    ap.add_argument("--flag", action="append", default=[],
                    help="a modelc compile flag for both compiles (repeatable)")
    a = ap.parse_args(argv)

    def log(msg):
        if a.verbose:
            print(msg, flush=True)

    try:
        import reference as ref
        cfg = ref.load_spec(a.spec)
        batches = cm.parse_ints(a.batches)
        seqs = cm.parse_seqs(a.seqs, cfg.max_seq, note=print)
        os.makedirs(a.workdir, exist_ok=True)
        ref, wpath, module = cm.load_oracle(a, cfg, a.workdir)
    except Exception as e:  # noqa: BLE001
        print("error: %s: %s" % (a.spec, e), file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    tag = "%s %s %s" % (cfg.name, a.opt, a.pass_)
    ncases = len(batches) * len(seqs)
    with_ = list(a.flag)
    without = with_ + ["--disable-pass=" + a.pass_]

    ir_with, ir_without = optimized_ir(a, wpath, with_), optimized_ir(a, wpath, without)
    if ir_with is not None and ir_with == ir_without:
        print("FAIL %s: the pass does not change the optimized IR" % tag)
        print("0 passed, %d failed" % ncases)
        return 1
    libs = {}
    for key, extra in (("with", with_), ("without", without)):
        lib, err = cm.compile_model(a, a.spec, wpath, os.path.join(a.workdir, key), cfg.name, log,
                                    extra)
        if lib is None:
            print("FAIL %s: modelc compile (%s) failed: %s" % (tag, key, err.rstrip()))
            print("0 passed, %d failed" % ncases)
            return 1
        libs[key] = lib

    passed = failed = 0
    for b in batches:
        for s in seqs:
            case = "%s b=%d s=%d" % (tag, b, s)
            stem = os.path.join(a.workdir, "b%d_s%d" % (b, s))
            tokens, tt, inputs = cm.case_inputs(cfg, a.seed, b, s, stem)
            outs, errors = {}, []
            for key, lib in libs.items():
                got, err = cm.run_library(a, lib, cfg, inputs, "%s_%s.npy" % (stem, key),
                                          ref.output_shape(cfg, b, s), log)
                if got is None:
                    errors.append("%s: %s" % (key, err))
                    continue
                outs[key] = got
                rel, _ = cm.oracle_error(ref, cfg, module, got, tokens, tt)
                if not rel <= a.oracle_tol:
                    errors.append("%s vs oracle relmax=%.2g > %.2g" % (key, rel, a.oracle_tol))
            if len(outs) == 2:
                rel = cm.relmax(outs["with"], outs["without"])
                if not rel <= a.tol:
                    errors.append("with vs without relmax=%.2g > tol %.2g" % (rel, a.tol))
            if errors:
                print("FAIL %s: %s" % (case, "; ".join(errors)))
                failed += 1
            else:
                print("PASS %s relmax=%.2g" % (case, rel))
                passed += 1
            sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
