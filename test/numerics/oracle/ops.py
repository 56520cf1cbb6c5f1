"""Math shared by several families (one place, like Halide's common_halide.h)."""
import torch


# When a dict: every projection's input goes in it under the projection's key ("layers.0.mlp.down"),
# for the activation scores of modelc's --prune-score=activation (check_approx.py).
recorded_inputs = None


def linear(x, w, base):
    """x @ W^T (+ b): W = w[base + ".weight"] stored [out, in]; the bias when the block listed its slot;
    plus what a depth structure adds to this projection in the running layer application (per-loop
    LoRA)."""
    if recorded_inputs is not None:
        recorded_inputs[w._key(base) if hasattr(w, "_key") else base] = x
    y = torch.matmul(x, w[base + ".weight"].t())
    if base + ".bias" in w:
        y = y + w[base + ".bias"]
    delta = w.linear_delta(x, base) if hasattr(w, "linear_delta") else None
    return y if delta is None else y + delta
