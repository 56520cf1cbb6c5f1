#!/usr/bin/python3
"""Writes the state_dict() of a timm-structured PoolFormer for SPEC (a `scheme = "timm_poolformer"`
spec with [embed] stage_layers) and checks that the oracle computes what that module computes.

    timm_poolformer.py SPEC OUT.safetensors [--seed N]

The module below has the attribute names and forward of timm's MetaFormer as poolformer_s12 builds
it (timm/models/metaformer.py, timm >= 0.9), NCHW throughout as timm's: stem.conv (no stem norm),
stages.{s}.downsample.conv from the second stage on (no downsample norm), stages.{s}.blocks.{j}
(norm1 = GroupNorm(1), AvgPool2d(pool, 1, pool // 2, count_include_pad=False)(x) - x,
layer_scale1.scale viewed as [dim, 1, 1], norm2, mlp.fc1 / mlp.fc2 as 1x1 Conv2d with GELU,
layer_scale2.scale), then the head: global average pool, head.norm (LayerNorm2d: a LayerNorm over
the channels of [B, C, 1, 1]) and head.fc. timm is not a dependency of the tests: this is the part
of it a checkpoint's names, shapes and numerics depend on, written independently of the oracle's
token-sequence form. The spec must describe that model (final_norm = false, [head] norm = true,
layer_scale = true, GELU MLPs, one norm kind), which this checks. Its parameters are randomized
(norm scales and biases too), saved as is, and the oracle, loading the file through the spec's
scheme, must match the module's own forward in float64 on random images (batch 3) to 1e-10; else
exit status 1.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import module_checkpoint  # noqa: E402
from timm_swin import Stage  # noqa: E402  (a stage: downsample, then blocks, as in timm)


class Scale(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.scale = nn.Parameter(1 + 0.1 * torch.randn(dim))  # not ones: a swapped scale must show

    def forward(self, x):
        return x * self.scale.view(-1, 1, 1)


class Pooling(nn.Module):
    def __init__(self, pool):
        super().__init__()
        self.pool = nn.AvgPool2d(pool, stride=1, padding=pool // 2, count_include_pad=False)

    def forward(self, x):
        return self.pool(x) - x


class ConvMlp(nn.Module):
    """timm.layers.Mlp with use_conv=True."""
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Conv2d(dim, hidden, 1), nn.GELU(), nn.Conv2d(hidden, dim, 1)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class MetaFormerBlock(nn.Module):
    def __init__(self, dim, pool, hidden, eps):
        super().__init__()
        self.norm1, self.token_mixer, self.layer_scale1 = nn.GroupNorm(1, dim, eps=eps), Pooling(pool), Scale(dim)
        self.norm2, self.mlp, self.layer_scale2 = nn.GroupNorm(1, dim, eps=eps), ConvMlp(dim, hidden), Scale(dim)

    def forward(self, x):
        x = x + self.layer_scale1(self.token_mixer(self.norm1(x)))
        return x + self.layer_scale2(self.mlp(self.norm2(x)))


class ConvStem(nn.Module):
    """timm's Stem and Downsampling without their norm: one Conv2d named conv."""
    def __init__(self, in_dim, out_dim, k, s, p):
        super().__init__()
        self.conv = nn.Conv2d(in_dim, out_dim, k, stride=s, padding=p)

    def forward(self, x):
        return self.conv(x)


class Head(nn.Module):
    def __init__(self, dim, classes, eps):
        super().__init__()
        self.norm, self.fc = nn.LayerNorm(dim, eps=eps), nn.Linear(dim, classes)

    def forward(self, x):
        return self.fc(self.norm(x.mean(dim=(2, 3))))  # LayerNorm2d on [B, C, 1, 1]


def check_spec(cfg):
    """Exits unless the spec describes timm's PoolFormer."""
    if cfg.final_norm or not cfg.head_norm or cfg.pool != "mean":
        sys.exit("error: timm's PoolFormer has no final norm, and a head norm after the mean")
    for i, L in enumerate(cfg.layer):
        if (L.mixer.name, L.norm.name, L.channel.p.activation) != ("pooling", "groupnorm", "gelu") \
                or not L.placement.p.layer_scale:
            sys.exit("error: layer %d is not a PoolFormer block (pooling, groupnorm, gelu MLP, layer_scale)" % i)


class MetaFormer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        check_spec(cfg)
        self.stem = ConvStem(cfg.in_channels, cfg.dim, cfg.patch, cfg.patch_stride, cfg.patch_padding)
        stages, bounds = [], [st[0] for st in cfg.stages] + [cfg.layers]
        for s, (first, dim, _, _) in enumerate(cfg.stages):
            blocks = [MetaFormerBlock(dim, cfg.layer[i].mixer.p.pool_size, cfg.layer[i].channel.p.hidden,
                                      cfg.layer[i].norm.p.norm_eps) for i in range(first, bounds[s + 1])]
            down = ConvStem(cfg.stages[s - 1][1], dim, *cfg.down) if s else None
            stages.append(Stage(down, blocks))
        self.stages = nn.Sequential(*stages)
        eps = cfg.head_norm_eps if cfg.head_norm_eps is not None else cfg.layer[-1].norm.p.norm_eps
        self.head = Head(cfg.stages[-1][1], cfg.classes, eps)

    def forward(self, x):
        return self.head(self.stages(self.stem(x)))


def main(argv=None):
    a, cfg = module_checkpoint.parse_args(__doc__, argv)
    return module_checkpoint.write_and_check(cfg, MetaFormer, a.out, a.seed)


if __name__ == "__main__":
    sys.exit(main())
