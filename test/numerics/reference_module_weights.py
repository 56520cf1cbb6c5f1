#!/usr/bin/python3
"""Writes a checkpoint for SPEC in which every aft and conv layer's tensors are the state dict of the
mixer's reference module, under the layer's prefix: aft-pytorch's AFTSimple (to_q, to_k, to_v,
project) at layers.{i}.aft., torch.nn.Conv1d(dim, dim, K, groups=dim) at layers.{i}.conv. The other
tensors are the oracle's random weights (seed). A module tensor the spec does not use (a bias of a
layer with bias = false) is written too: checkpoints may hold unused tensors.

    reference_module_weights.py SPEC OUT.safetensors [--seed N]

Fails if a module tensor the spec uses is named or shaped differently from the slot it fills.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import module_checkpoint  # noqa: E402
import reference as ref  # noqa: E402
from oracle.blocks.aft import AFTSimple  # noqa: E402


def reference_module(cfg, layer):
    """(prefix, module) of the layer's mixer, or None for a mixer without one here."""
    m = layer.mixer
    if m.name == "aft":
        return "layers.%d.aft." % layer.index, AFTSimple(cfg.dim, m.p.hidden)
    if m.name == "conv":
        return "layers.%d.conv." % layer.index, torch.nn.Conv1d(cfg.dim, cfg.dim, m.p.kernel_size, groups=cfg.dim)
    return None


def main(argv=None):
    a, cfg = module_checkpoint.parse_args(__doc__, argv)
    weights = ref.random_weights(cfg, a.seed)
    torch.manual_seed(a.seed)
    for layer in cfg.layer:
        found = reference_module(cfg, layer)
        if found is None:
            continue
        prefix, module = found
        for key, t in module.state_dict().items():
            name = prefix + key
            if name in weights and weights[name].shape != tuple(t.shape):
                sys.exit("error: %s is %s in the module but %s in the spec" % (name, list(t.shape),
                                                                              list(weights[name].shape)))
            weights[name] = t.numpy()
    ref.write_safetensors(a.out, weights)


if __name__ == "__main__":
    main()
