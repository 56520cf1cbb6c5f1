"""The PyTorch oracle of modelc: the model a spec TOML describes (docs/spec.md), built independently of
the compiler from plain torch ops, one registered family per block (blocks/, registry.py).

    spec = load_spec("examples/gpt2-small.toml")      # parsed, defaults resolved (a Spec)
    w = random_weights(spec, seed=0)                  # {checkpoint name: float32 ndarray}
    y = forward(spec, w, tokens[, token_types])       # float64 ndarray (logits or hidden)
    m = build_module(spec, w, dtype=torch.float32)    # nn.Module: m(tokens[, token_types])
    expected_weights(spec)                            # {checkpoint name: shape}

Choices where docs/spec.md is silent (keep in sync with the frontend):
  * defaults not written in the spec: embed.position = "learned", rope_theta = 10000,
    rope_style = "half", attention.causal = true, mlp.kind = "mlp", mlp.hidden = 4*dim,
    mlp.activation = "gelu", head.tied = true, head.bias = false.
  * [[layer]] tables are deep-merged onto [block] before defaults resolve: e.g. a layer's `bias`
    reaches its attention/mlp unless [block.attention] / [block.mlp] set `bias` explicitly.
  * `prefix` is prepended to [weights.names] overrides too.
  * head.bias exists whenever head.bias = true (tied or not); head.weight is always [vocab, dim]
    (never transposed, even in an in_out scheme).
  * llama scheme biases (not in the table) are named like the weights with ".bias" (Qwen2 style).
  * GPT-2 fused qkv with GQA: columns [q | k | v] of widths heads*hd, kv*hd, kv*hd.
  * a sub-table of a registered family that no layer uses ([block.mlp] with channel = "none") is
    accepted; a flat key no chosen family reads (rope_theta without rope) is an error.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads libgomp

import numpy as np  # noqa: E402
import torch  # noqa: E402

from . import blocks, vision  # noqa: E402,F401  (blocks registers every family)
from .errors import SpecError  # noqa: E402
from .model import RefModel, slots  # noqa: E402
from .safetensors_io import read_header, read_safetensors, write_safetensors  # noqa: E402
from .spec import Spec, load_spec, loads_spec, parse_spec  # noqa: E402
from .weights import (checkpoint_to_slots, expected_weights, random_weights, slot_name,  # noqa: E402
                      slots_to_checkpoint)

__all__ = ["SpecError", "Spec", "RefModel", "load_spec", "loads_spec", "parse_spec", "slots", "slot_name",
           "checkpoint_to_slots", "slots_to_checkpoint", "expected_weights", "random_weights",
           "build_module", "forward", "check_inputs", "read_header", "read_safetensors",
           "write_safetensors", "output_shape"]


def build_module(spec, weights, dtype=torch.float64, fast_norm=False):
    """nn.Module for `spec` from checkpoint-named `weights` (dict or safetensors path)."""
    spec = load_spec(spec)
    if isinstance(weights, (str, os.PathLike)):
        weights = read_safetensors(weights)
    return RefModel(spec, checkpoint_to_slots(spec, weights), dtype=dtype, fast_norm=fast_norm).eval()


def output_shape(spec, batch, seq):
    """The output's shape for `batch` sequences of `seq` tokens: [batch, classes], else [batch,
    tokens, width], where a hierarchical image model's are its last stage's."""
    last = vision.stage_view(spec, spec.layers)
    if spec.output == "classes":
        return (batch, spec.classes)
    tokens = seq if last is spec else last.rows * last.cols
    return (batch, tokens, spec.vocab if spec.output == "logits" else last.dim)


def check_inputs(spec, tokens, token_types):
    tokens = np.asarray(tokens)
    if spec.input == "image":
        want = (spec.in_channels, spec.height, spec.width)
        if tokens.ndim != 4 or tokens.shape[1:] != want:
            raise ValueError("images must be [batch, %d, %d, %d], got shape %s" % (want + (tokens.shape,)))
        return
    if tokens.ndim != 2:
        raise ValueError("tokens must be [batch, seq], got shape %s" % (tokens.shape,))
    if not 1 <= tokens.shape[1] <= spec.max_seq:
        raise ValueError("seq %d out of [1, max_seq=%d]" % (tokens.shape[1], spec.max_seq))
    if tokens.min() < 0 or tokens.max() >= spec.vocab:
        raise ValueError("token id out of [0, vocab=%d)" % spec.vocab)
    if spec.token_types > 0 and token_types is not None:
        tt = np.asarray(token_types)
        if tt.shape != tokens.shape:
            raise ValueError("token_types shape %s != tokens shape %s" % (tt.shape, tokens.shape))
        if tt.min() < 0 or tt.max() >= spec.token_types:
            raise ValueError("token type out of [0, %d)" % spec.token_types)


def forward(spec, weights, tokens, token_types=None, module=None):
    """Run the oracle in float64 on token ids (or images [batch, C, H, W]). Returns float64 ndarray
    [batch, seq, vocab|dim] (or [batch, classes])."""
    spec = load_spec(spec)
    check_inputs(spec, tokens, token_types)
    m = module if module is not None else build_module(spec, weights, dtype=torch.float64)
    tt = None if token_types is None else torch.from_numpy(np.asarray(token_types).astype(np.int64))
    x = np.asarray(tokens)
    x = x.astype(np.float64) if spec.input == "image" else x.astype(np.int64)
    with torch.no_grad():
        y = m(torch.from_numpy(x), tt)
    return y.numpy()
