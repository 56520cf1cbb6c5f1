#!/usr/bin/python3
"""Writes the state_dict() of a timm-structured VisionTransformer for SPEC (a `scheme = "timm"` ViT
spec) and checks that the oracle computes what that module computes.

    timm_vit.py SPEC OUT.safetensors [--seed N]

The module below has timm's (timm/models/vision_transformer.py) attribute names and forward:
patch_embed.proj (Conv2d), cls_token, pos_embed, blocks.{i}.norm1 / attn.qkv / attn.proj / norm2 /
mlp.fc1 / mlp.fc2, norm, fc_norm, head; with `dist_token = true` in the spec it is timm's
VisionTransformerDistilled (DeiT, timm/models/deit.py): dist_token after cls_token, head_dist, and
at inference the average of head(x[:, 0]) and head_dist(x[:, 1]). timm is not a dependency of the tests: this is the part of
it a checkpoint's names and the numerics depend on. Its parameters are randomized (norm scales and
biases too), saved as is, and the oracle, loading the file through the spec's scheme, must match the
module's own forward in float64 on random images (batch 3) to 1e-10; else exit status 1.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import module_checkpoint  # noqa: E402


class PatchEmbed(nn.Module):
    def __init__(self, patch, in_chans, dim, bias):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, patch, stride=patch, bias=bias)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, hidden, eps):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim, eps=eps), Attention(dim, heads)
        self.norm2, self.mlp = nn.LayerNorm(dim, eps=eps), Mlp(dim, hidden)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Module):
    def __init__(self, img, patch, in_chans, dim, depth, heads, hidden, classes, eps, class_token,
                 distilled=False):
        super().__init__()
        self.patch_embed = PatchEmbed(patch, in_chans, dim, True)
        n = (img[0] // patch) * (img[1] // patch) + (1 if class_token else 0) + (1 if distilled else 0)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02) if class_token else None
        if distilled:
            self.dist_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, n, dim) * 0.02)
        self.blocks = nn.Sequential(*[Block(dim, heads, hidden, eps) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=eps)
        self.head = nn.Linear(dim, classes)
        self.distilled = distilled
        if distilled:
            self.head_dist = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch_embed(x)
        B = x.shape[0]
        if self.distilled:
            x = torch.cat([self.cls_token.expand(B, -1, -1), self.dist_token.expand(B, -1, -1), x], dim=1)
        elif self.cls_token is not None:
            x = torch.cat([self.cls_token.expand(B, -1, -1), x], dim=1)
        x = self.blocks(x + self.pos_embed)
        x = self.norm(x)
        if self.distilled:
            return (self.head(x[:, 0]) + self.head_dist(x[:, 1])) / 2
        return self.head(x[:, 0] if self.cls_token is not None else x.mean(dim=1))


def module_for(cfg):
    L0 = cfg.layer[0]
    return VisionTransformer((cfg.height, cfg.width), cfg.patch, cfg.in_channels, cfg.dim, cfg.layers,
                             L0.mixer.p.heads, L0.channel.p.hidden, cfg.classes, L0.norm.p.norm_eps,
                             cfg.cls_token, cfg.dist_token)


def main(argv=None):
    a, cfg = module_checkpoint.parse_args(__doc__, argv)
    return module_checkpoint.write_and_check(cfg, module_for, a.out, a.seed)


if __name__ == "__main__":
    sys.exit(main())
