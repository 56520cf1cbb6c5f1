#!/usr/bin/python3
"""Exactness of nn-merge-branches and nn-merge-linears on an nn IR model that has what they merge.

    check_linear_merges.py --modelc build/tools/modelc --workdir /tmp/w [--tol 1e-5]

No model family of the spec builds parallel linear branches, LoRA adapters or consecutive linears
yet, so this writes the model as nn IR: token embedding e; y1 = e W1 + b1 + e W2 + b2 (parallel
branches); y2 = y1 W + (y1 A) B (a LoRA adapter in its linear form); y3 = (y2 P + c) Q + d
(consecutive linears, merged: 32x8 < 32x64 + 64x8). Once merged, the whole chain is linear and
collapses into one 32x8 linear after the embedding. It is compiled at -O3 with and without the two
passes (with them the IR must have one linear and no add), both run on random tokens, and both are compared with each other
(<= --tol) and with the same formula in float64 PyTorch (<= 1e-4). Prints "N passed, M failed".
"""
import argparse
import os
import subprocess
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import check_model as cm  # noqa: E402

V, D, R, H, O = 40, 32, 4, 64, 8
SHAPES = {"emb": (V, D), "w1": (D, D), "b1": (D,), "w2": (D, D), "b2": (D,), "w": (D, D),
          "lora_a": (D, R), "lora_b": (R, D), "p": (D, H), "c": (H,), "q": (H, O), "d": (O,)}

IR = """module attributes {{nn.model_name = "linear-merges", nn.max_seq = 16 : i64}} {{
func.func @forward(%ids: tensor<?x?xi32> {{nn.tensor_name = "tokens", nn.id_limit = {V} : i64}})
    -> (tensor<?x?x{O}xf32> {{nn.tensor_name = "hidden"}}) {{
{weights}
  %e = nn.embedding %emb, %ids : (tensor<{V}x{D}xf32>, tensor<?x?xi32>) -> tensor<?x?x{D}xf32>
  %a1 = nn.linear %e, %w1, %b1 : (tensor<?x?x{D}xf32>, tensor<{D}x{D}xf32>, tensor<{D}xf32>) -> tensor<?x?x{D}xf32>
  %a2 = nn.linear %e, %w2, %b2 : (tensor<?x?x{D}xf32>, tensor<{D}x{D}xf32>, tensor<{D}xf32>) -> tensor<?x?x{D}xf32>
  %y1 = nn.add %a1, %a2 : (tensor<?x?x{D}xf32>, tensor<?x?x{D}xf32>) -> tensor<?x?x{D}xf32>
  %base = nn.linear %y1, %w : (tensor<?x?x{D}xf32>, tensor<{D}x{D}xf32>) -> tensor<?x?x{D}xf32>
  %la = nn.linear %y1, %lora_a : (tensor<?x?x{D}xf32>, tensor<{D}x{R}xf32>) -> tensor<?x?x{R}xf32>
  %lb = nn.linear %la, %lora_b : (tensor<?x?x{R}xf32>, tensor<{R}x{D}xf32>) -> tensor<?x?x{D}xf32>
  %y2 = nn.add %base, %lb : (tensor<?x?x{D}xf32>, tensor<?x?x{D}xf32>) -> tensor<?x?x{D}xf32>
  %h = nn.linear %y2, %p, %c : (tensor<?x?x{D}xf32>, tensor<{D}x{H}xf32>, tensor<{H}xf32>) -> tensor<?x?x{H}xf32>
  %y3 = nn.linear %h, %q, %d : (tensor<?x?x{H}xf32>, tensor<{H}x{O}xf32>, tensor<{O}xf32>) -> tensor<?x?x{O}xf32>
  return %y3 : tensor<?x?x{O}xf32>
}}
}}
"""


def reference(w, ids):
    import torch
    t = {k: torch.from_numpy(v.astype(np.float64)) for k, v in w.items()}
    e = t["emb"][torch.from_numpy(ids.astype(np.int64))]
    y1 = e @ t["w1"] + t["b1"] + e @ t["w2"] + t["b2"]
    y2 = y1 @ t["w"] + (y1 @ t["lora_a"]) @ t["lora_b"]
    return ((y2 @ t["p"] + t["c"]) @ t["q"] + t["d"]).numpy()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modelc", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--tol", type=float, default=1e-5)
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args(argv)
    from oracle import write_safetensors
    os.makedirs(a.workdir, exist_ok=True)
    rng = np.random.default_rng(0)
    w = {k: (rng.standard_normal(s) * 0.3).astype(np.float32) for k, s in SHAPES.items()}
    wpath = os.path.join(a.workdir, "w.safetensors")
    write_safetensors(wpath, w)
    decls = "\n".join('  %%%s = nn.weight "%s" : tensor<%sxf32>' % (k, k, "x".join(map(str, s)))
                      for k, s in SHAPES.items())
    ir = os.path.join(a.workdir, "model.mlir")
    with open(ir, "w") as f:
        f.write(IR.format(V=V, D=D, R=R, H=H, O=O, weights=decls))

    without = ["--disable-pass=nn-merge-branches,nn-merge-linears"]
    emitted = [subprocess.run([a.modelc, "compile", ir, "--weights", wpath, "-O3", "-q",
                               "--emit=optimized"] + extra, capture_output=True, text=True).stdout
               for extra in ([], without)]
    if "nn.add" in emitted[0] or emitted[0].count("nn.linear ") != 1 or "nn.add" not in emitted[1]:
        print("FAIL: the passes did not merge the branches and the consecutive linears")
        print("0 passed, 1 failed")
        return 1
    libs = {}
    for key, extra in (("with", []), ("without", without)):
        ok, err = cm.run_cmd([a.modelc, "compile", ir, "--weights", wpath, "-O3", "-q", "-o",
                              os.path.join(a.workdir, key)] + extra, a.timeout, lambda m: None)
        if not ok:
            print("FAIL: modelc compile (%s): %s" % (key, err.rstrip()))
            print("0 passed, 1 failed")
            return 1
        libs[key] = os.path.join(a.workdir, key, "liblinear-merges.so")
    passed = failed = 0
    for b, s in ((1, 1), (2, 7), (3, 16)):
        ids = rng.integers(0, V, size=(b, s)).astype(np.int32)
        np.save(os.path.join(a.workdir, "ids.npy"), ids)
        want = reference(w, ids)
        outs = {}
        for key, lib in libs.items():
            out = os.path.join(a.workdir, "%s.npy" % key)
            ok, err = cm.run_cmd([a.modelc, "run", lib, "--input", "tokens=" + os.path.join(
                a.workdir, "ids.npy"), "--output", "hidden=" + out], a.timeout, lambda m: None)
            outs[key] = np.load(out) if ok else None
        errors = []
        if any(v is None for v in outs.values()):
            errors.append("modelc run failed")
        else:
            for key, got in outs.items():
                r = cm.relmax(got, want)
                if not r <= 1e-4:
                    errors.append("%s vs PyTorch relmax=%.2g" % (key, r))
            rel = cm.relmax(outs["with"], outs["without"])
            if not rel <= a.tol:
                errors.append("with vs without relmax=%.2g > %.2g" % (rel, a.tol))
        if errors:
            print("FAIL b=%d s=%d: %s" % (b, s, "; ".join(errors)))
            failed += 1
        else:
            print("PASS b=%d s=%d relmax=%.2g" % (b, s, rel))
            passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
