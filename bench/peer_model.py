"""The PyTorch model the peers run (PyTorch eager, and ONNX Runtime on its export): the oracle's
module, except where a spec names a library's own structure that computes the same thing faster.
The oracle writes Swin's shifted windows as attention over the whole grid under a band mask (the
independent check of modelc's form); for a timm_swin or hf_swin spec the peers run the library's
windowed form (test/numerics/timm_swin.py, hf_swin.py: window_partition, torch.roll, attn_mask), as
a Swin user would.
"""
import importlib
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "numerics"))
import reference as ref  # noqa: E402


class _ImageOnly(torch.nn.Module):
    """Takes (image, token_types) like the oracle's module; ignores the second."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, image, token_types=None):
        return self.inner(image)


# scheme -> (module of test/numerics, class): the library-structured model of a spec by that scheme
LIBRARY_MODULES = {"timm_swin": ("timm_swin", "SwinTransformer"),
                   "hf_swin": ("hf_swin", "SwinForImageClassification")}


def build(cfg, weights, dtype=torch.float32):
    """The peer module of `cfg` with the checkpoint `weights` (a path), in eval mode."""
    if cfg.scheme.name in LIBRARY_MODULES:
        module, cls = LIBRARY_MODULES[cfg.scheme.name]
        m = getattr(importlib.import_module(module), cls)(cfg)
        state = {k: torch.from_numpy(v) for k, v in ref.read_safetensors(weights).items()}
        missing = m.load_state_dict(state, strict=False).missing_keys
        # a buffer the module computes (HF's persistent relative_position_index) may be absent
        if any(not k.endswith("relative_position_index") for k in missing):
            raise ValueError("the checkpoint lacks %s" % missing)
        return _ImageOnly(m).to(dtype).eval()
    return ref.build_module(cfg, weights, dtype=dtype, fast_norm=True).eval()


def describe(cfg):
    """What build() runs, for the report."""
    if cfg.scheme.name in LIBRARY_MODULES:
        module, cls = LIBRARY_MODULES[cfg.scheme.name]
        return "library-structured %s (%s.py)" % (cls, module)
    return "the oracle's module"
