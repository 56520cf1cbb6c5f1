"""The shared part of the scripts that write a checkpoint from a library-structured PyTorch module
(timm_vit.py, timm_swin.py, timm_poolformer.py, reference_module_weights.py): their command line, and the check that
the oracle, loading the module's state_dict() through the spec's scheme, computes its forward."""
import argparse
import sys

import torch

import reference as ref


def parse_args(doc, argv=None):
    """SPEC OUT.safetensors [--seed N] -> (the args, the loaded spec)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("spec")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    return a, ref.load_spec(a.spec)


def write_and_check(cfg, build, out, seed):
    """Randomizes build(cfg)'s parameters (norm scales and biases too), saves its state_dict() to
    `out`, and compares the oracle on that file with the module's own forward in float64 on random
    images (batch 3): exit status 0 at a relative max error <= 1e-10, else 1."""
    torch.manual_seed(seed)
    m = build(cfg).double().eval()
    with torch.no_grad():
        for name, p in m.named_parameters():
            if "norm" in name:  # LayerNorm's default 1 / 0 would hide a swapped weight and bias
                p.add_(0.1 * torch.randn_like(p))
    weights = {k: v.float().numpy() for k, v in m.state_dict().items()}
    missing = set(ref.expected_weights(cfg)) - set(weights)
    if missing:
        sys.exit("error: the spec expects tensors the module lacks: %s" % sorted(missing))
    ref.write_safetensors(out, weights)
    images = torch.randn(3, cfg.in_channels, cfg.height, cfg.width, dtype=torch.float64)
    m = build(cfg).double().eval()
    m.load_state_dict({k: torch.from_numpy(v).double() for k, v in weights.items()})
    with torch.no_grad():
        want = m(images).numpy()
    got = ref.forward(cfg, weights, images.numpy())
    err = abs(got - want).max() / abs(want).max()
    print("oracle vs library-structured module: relmax %.2g" % err)
    return 0 if err <= 1e-10 else 1
