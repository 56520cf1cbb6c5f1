"""Math shared by several families (one place, like Halide's common_halide.h)."""
import torch


def linear(x, w, base):
    """x @ W^T (+ b): W = w[base + ".weight"] stored [out, in]; the bias when the block listed its slot;
    plus what a depth structure adds to this projection in the running layer application (per-loop
    LoRA)."""
    y = torch.matmul(x, w[base + ".weight"].t())
    if base + ".bias" in w:
        y = y + w[base + ".bias"]
    delta = w.linear_delta(x, base) if hasattr(w, "linear_delta") else None
    return y if delta is None else y + delta
