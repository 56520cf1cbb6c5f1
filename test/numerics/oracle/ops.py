"""Math shared by several families (one place, like Halide's common_halide.h)."""
import torch


def linear(x, w, base):
    """x @ W^T (+ b): W = w[base + ".weight"] stored [out, in]; the bias when the block listed its slot."""
    y = torch.matmul(x, w[base + ".weight"].t())
    if base + ".bias" in w:
        y = y + w[base + ".bias"]
    return y
