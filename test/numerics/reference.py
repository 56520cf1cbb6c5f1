#!/usr/bin/python3
"""PyTorch oracle for modelc: the command line, and the module name older callers import (the oracle
itself is the package oracle/, one registered family per block: docs/testing.md).

    reference.py gen-weights SPEC OUT.safetensors [--seed N]
    reference.py run SPEC WEIGHTS --tokens ids.npy [--token-types tt.npy] --out ref.npy [--f64]
    reference.py names SPEC          # print the checkpoint names and shapes the spec expects

Library use: `import reference as ref` gives the oracle's API (load_spec, random_weights,
build_module, forward, expected_weights, read/write_safetensors, SpecError, ...).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import *  # noqa: E402,F401,F403
from oracle import expected_weights, forward, random_weights, read_safetensors, write_safetensors, SpecError  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description="PyTorch oracle for modelc")
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen-weights", help="write random weights for SPEC")
    g.add_argument("spec")
    g.add_argument("out")
    g.add_argument("--seed", type=int, default=0)
    r = sub.add_parser("run", help="run the oracle")
    r.add_argument("spec")
    r.add_argument("weights")
    r.add_argument("--tokens", required=True)
    r.add_argument("--token-types")
    r.add_argument("--out", required=True)
    r.add_argument("--f64", action="store_true", help="write float64 (default float32)")
    n = sub.add_parser("names", help="print checkpoint tensor names and shapes the spec expects")
    n.add_argument("spec")
    a = ap.parse_args(argv)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    try:
        if a.cmd == "gen-weights":
            write_safetensors(a.out, random_weights(a.spec, a.seed),
                              metadata={"generator": "modelc reference.py", "seed": str(a.seed)})
        elif a.cmd == "names":
            for k, s in sorted(expected_weights(a.spec).items()):
                print(k, list(s))
        else:
            tokens = np.load(a.tokens)
            tt = np.load(a.token_types) if a.token_types else None
            y = forward(a.spec, read_safetensors(a.weights), tokens, tt)
            np.save(a.out, y if a.f64 else y.astype(np.float32))
    except (SpecError, ValueError, OSError) as e:
        print("reference.py: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
