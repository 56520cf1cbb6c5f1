#!/usr/bin/python3
"""Export the PyTorch peer model of a spec (peer_model.py) to ONNX (float32, dynamic batch and seq).

    export_onnx.py SPEC WEIGHTS.safetensors OUT.onnx [--seq 128] [--opset 17]

Inputs: tokens int32 [batch, seq] (+ token_types int32 when the spec has them), or image float32
[batch, C, H, W] (input = "image"); output: logits, hidden or classes, float32. torch 1.13's exporter is built in (the `onnx` python package is not needed).
"""
import argparse
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "numerics"))
import peer_model  # noqa: E402
import reference as ref  # noqa: E402


class _Int32Inputs(torch.nn.Module):
    """Takes int32 inputs like modelc does; casts to int64 for Gather inside the graph."""

    def __init__(self, inner, token_types):
        super().__init__()
        self.inner = inner
        self.token_types = token_types

    def forward(self, tokens, token_types=None):
        if self.token_types:
            return self.inner(tokens.long(), token_types.long())
        return self.inner(tokens.long())


def export(spec, weights, out, seq=128, batch=1, opset=17):
    cfg = ref.load_spec(spec)
    if cfg.input == "image":
        model = peer_model.build(cfg, weights)
        image = torch.randn(batch, cfg.in_channels, cfg.height, cfg.width)
        with torch.no_grad():
            torch.onnx.export(model, (image,), out, input_names=["image"], output_names=[cfg.output],
                              dynamic_axes={"image": {0: "batch"}, cfg.output: {0: "batch"}},
                              opset_version=opset, do_constant_folding=True)
        return cfg
    model = _Int32Inputs(peer_model.build(cfg, weights), cfg.token_types > 0).eval()
    seq = min(seq, cfg.max_seq)
    tokens = torch.randint(0, cfg.vocab, (batch, seq), dtype=torch.int32)
    args = (tokens,)
    names = ["tokens"]
    if cfg.token_types > 0:
        args = (tokens, torch.randint(0, cfg.token_types, (batch, seq), dtype=torch.int32))
        names.append("token_types")
    axes = {n: {0: "batch", 1: "seq"} for n in names}
    axes[cfg.output] = {0: "batch", 1: "seq"}
    with torch.no_grad():
        torch.onnx.export(model, args, out, input_names=names, output_names=[cfg.output],
                          dynamic_axes=axes, opset_version=opset, do_constant_folding=True)
    return cfg


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("spec")
    ap.add_argument("weights")
    ap.add_argument("out")
    ap.add_argument("--seq", type=int, default=128, help="sequence length of the tracing input")
    ap.add_argument("--opset", type=int, default=17)
    a = ap.parse_args(argv)
    t0 = time.time()
    export(a.spec, a.weights, a.out, seq=a.seq, opset=a.opset)
    print("wrote %s (%.0f MB) in %.1fs" % (a.out, os.path.getsize(a.out) / 1e6, time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
