#!/usr/bin/python3
"""Writes the state_dict() of a Hugging Face-structured SwinForImageClassification for SPEC (a
`scheme = "hf_swin"` spec with [embed] stage_layers and down = "merge") and checks that the oracle
computes what that module computes.

    hf_swin.py SPEC OUT.safetensors [--seed N]

The module below has the attribute names and forward of transformers' Swin
(models/swin/modeling_swin.py): swin.embeddings (patch_embeddings.projection, norm),
swin.encoder.layers.{s} (SwinStage: blocks.{j}, then the downsample that feeds stage s + 1, where
timm puts it at the start of s + 1), each block's layernorm_before, attention.self (query, key and
value apart, relative_position_bias_table and its persistent relative_position_index buffer),
attention.output.dense, layernorm_after, intermediate.dense, output.dense; swin.layernorm, the
average over the tokens (swin.pooler) and classifier. Shifted windows are torch.roll and the -100
mask (timm_swin.py's, the same in both libraries). transformers is not a dependency of the tests:
this is the part of it a checkpoint's names and the numerics depend on. Its parameters are
randomized (norm scales and biases too), saved as is, and the oracle, loading the file through the
spec's scheme, must match the module's own forward in float64 on random images (batch 3) to 1e-10;
else exit status 1.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import module_checkpoint  # noqa: E402
from timm_swin import PatchMerging, relative_position_index, shift_mask, stage_blocks, windowed  # noqa: E402


class SwinSelfAttention(nn.Module):
    def __init__(self, dim, heads, ws):
        super().__init__()
        self.heads = heads
        self.relative_position_bias_table = nn.Parameter(torch.randn((2 * ws - 1) ** 2, heads))
        self.register_buffer("relative_position_index", relative_position_index(ws))
        self.query, self.key, self.value = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x, mask):
        B_, N, C = x.shape

        def heads(t):
            return t.view(B_, N, self.heads, -1).permute(0, 2, 1, 3)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        scores = q @ k.transpose(-1, -2) / (C // self.heads) ** 0.5
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(N, N, -1)
        scores = scores + bias.permute(2, 0, 1).unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            scores = (scores.view(B_ // nW, nW, self.heads, N, N) + mask.unsqueeze(1).unsqueeze(0)).view(-1, self.heads, N, N)
        return (scores.softmax(dim=-1) @ v).permute(0, 2, 1, 3).reshape(B_, N, C)


class Dense(nn.Module):
    """SwinSelfOutput, SwinIntermediate (with its GELU) and SwinOutput: one linear named dense."""
    def __init__(self, n_in, n_out, act=None):
        super().__init__()
        self.dense, self.act = nn.Linear(n_in, n_out), act or nn.Identity()

    def forward(self, x):
        return self.act(self.dense(x))


class SwinAttention(nn.Module):
    def __init__(self, dim, heads, ws):
        super().__init__()
        self.self, self.output = SwinSelfAttention(dim, heads, ws), Dense(dim, dim)

    def forward(self, x, mask):
        return self.output(self.self(x, mask))


class SwinLayer(nn.Module):
    def __init__(self, dim, grid, heads, ws, shift, hidden, eps):
        super().__init__()
        self.grid, self.ws, self.shift = grid, ws, shift
        self.layernorm_before = nn.LayerNorm(dim, eps=eps)
        self.attention = SwinAttention(dim, heads, ws)
        self.layernorm_after = nn.LayerNorm(dim, eps=eps)
        self.intermediate, self.output = Dense(dim, hidden, nn.GELU()), Dense(hidden, dim)
        self.register_buffer("attn_mask", shift_mask(grid, ws, shift), persistent=False)

    def forward(self, x):  # [B, H * W, C]
        y = self.layernorm_before(x).view(-1, *self.grid, x.shape[-1])
        x = x + windowed(self.attention, y, self.ws, self.shift, self.attn_mask).reshape(x.shape)
        return x + self.output(self.intermediate(self.layernorm_after(x)))


class SwinStage(nn.Module):
    def __init__(self, blocks, grid, downsample):
        super().__init__()
        self.grid = grid
        self.blocks = nn.ModuleList(blocks)
        self.downsample = downsample  # None in the last stage, as HF's

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        if self.downsample is not None:  # SwinPatchMerging: timm's gather on the [B, H, W, C] view
            H, W = self.grid
            x = self.downsample(x.view(x.shape[0], H, W, -1)).flatten(1, 2)
        return x


class SwinEncoder(nn.Module):
    def __init__(self, stages):
        super().__init__()
        self.layers = nn.ModuleList(stages)

    def forward(self, x):
        for s in self.layers:
            x = s(x)
        return x


class SwinPatchEmbeddings(nn.Module):
    def __init__(self, patch, in_chans, dim):
        super().__init__()
        self.projection = nn.Conv2d(in_chans, dim, patch, stride=patch)

    def forward(self, x):
        return self.projection(x).flatten(2).transpose(1, 2)


class SwinEmbeddings(nn.Module):
    def __init__(self, patch, in_chans, dim, eps):
        super().__init__()
        self.patch_embeddings, self.norm = SwinPatchEmbeddings(patch, in_chans, dim), nn.LayerNorm(dim, eps=eps)

    def forward(self, x):
        return self.norm(self.patch_embeddings(x))


class SwinModel(nn.Module):
    def __init__(self, cfg, eps):
        super().__init__()
        self.embeddings = SwinEmbeddings(cfg.patch, cfg.in_channels, cfg.dim, eps)
        plan = list(stage_blocks(cfg))
        stages = []
        for s, (dim, grid, blocks) in enumerate(plan):
            blocks = [SwinLayer(dim, grid, h, ws, shift, hidden, eps) for h, ws, shift, hidden in blocks]
            down = PatchMerging(dim, plan[s + 1][0]) if s + 1 < len(plan) else None
            stages.append(SwinStage(blocks, grid, down))
        self.encoder = SwinEncoder(stages)
        self.layernorm = nn.LayerNorm(cfg.stages[-1][1], eps=eps)

    def forward(self, x):
        return self.layernorm(self.encoder(self.embeddings(x))).mean(dim=1)  # swin.pooler


class SwinForImageClassification(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.swin = SwinModel(cfg, cfg.layer[0].norm.p.norm_eps)
        self.classifier = nn.Linear(cfg.stages[-1][1], cfg.classes)

    def forward(self, x):
        return self.classifier(self.swin(x))


def main(argv=None):
    a, cfg = module_checkpoint.parse_args(__doc__, argv)
    return module_checkpoint.write_and_check(cfg, SwinForImageClassification, a.out, a.seed)


if __name__ == "__main__":
    sys.exit(main())
