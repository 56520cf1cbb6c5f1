#!/usr/bin/python3
"""Writes the state_dict() of a timm-structured SwinTransformer for SPEC (a `scheme = "timm_swin"`
spec with [embed] stage_layers and down = "merge") and checks that the oracle computes what that
module computes.

    timm_swin.py SPEC OUT.safetensors [--seed N]

The module below has timm's (timm/models/swin_transformer.py, timm >= 0.9) attribute names and
forward, NHWC as timm's: patch_embed.proj (Conv2d) and patch_embed.norm, layers.{s}.downsample
(PatchMerging: reshape and permute to 2x2 neighbourhoods, norm, reduction), layers.{s}.blocks.{j}
(norm1, W-MSA / SW-MSA by window_partition, torch.roll and the -100 attn_mask, the
relative_position_bias_table read through relative_position_index, norm2, mlp), norm, head.fc after
the average over the grid. Windows, shifts and heads come from the spec's layers; the spec must
follow timm's rule (shift window / 2 on every odd block of a stage whose grid is larger than a
window), which this checks. timm is not a dependency of the tests: this is the part of it a
checkpoint's names and the numerics depend on, written independently of the oracle's band-mask form
of shifted windows. Its parameters are randomized (norm scales and biases too), saved as is, and the
oracle, loading the file through the spec's scheme, must match the module's own forward in float64
on random images (batch 3) to 1e-10; else exit status 1.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import module_checkpoint  # noqa: E402
from timm_vit import Mlp  # noqa: E402  (timm.layers.Mlp, shared as in timm)


def window_partition(x, ws):
    B, H, W, C = x.shape
    x = x.view(B, H // ws, ws, W // ws, ws, C)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, ws, ws, C)


def window_reverse(windows, ws, H, W):
    C = windows.shape[-1]
    x = windows.view(-1, H // ws, W // ws, ws, ws, C)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, H, W, C)


def relative_position_index(ws):
    coords = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing="ij")).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
    rel[:, :, 0] += ws - 1
    rel[:, :, 1] += ws - 1
    rel[:, :, 0] *= 2 * ws - 1
    return rel.sum(-1)


def shift_mask(grid, ws, shift):
    """The -100 / 0 attn_mask [windows, ws * ws, ws * ws] of shifted windows (None unshifted): the
    regions the roll brings together may not attend to each other."""
    if not shift:
        return None
    H, W = grid
    img = torch.zeros(1, H, W, 1)
    cnt = 0
    for h in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
        for w in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
            img[:, h, w, :] = cnt
            cnt += 1
    mw = window_partition(img, ws).view(-1, ws * ws)
    mask = mw.unsqueeze(1) - mw.unsqueeze(2)
    return mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0)


def windowed(attn, y, ws, shift, mask):
    """attn(windows, mask) over the ws x ws windows of y [B, H, W, C], rolled by -shift first and
    back after (W-MSA / SW-MSA, the same in timm and Hugging Face)."""
    B, H, W, C = y.shape
    if shift:
        y = torch.roll(y, shifts=(-shift, -shift), dims=(1, 2))
    y = window_reverse(attn(window_partition(y, ws).view(-1, ws * ws, C), mask).view(-1, ws, ws, C), ws, H, W)
    return torch.roll(y, shifts=(shift, shift), dims=(1, 2)) if shift else y


class WindowAttention(nn.Module):
    def __init__(self, dim, heads, ws):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.randn((2 * ws - 1) ** 2, heads))
        self.register_buffer("relative_position_index", relative_position_index(ws), persistent=False)
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, mask):
        B_, N, C = x.shape
        q, k, v = self.qkv(x).reshape(B_, N, 3, self.heads, -1).permute(2, 0, 3, 1, 4).unbind(0)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        attn = attn + bias.view(N, N, -1).permute(2, 0, 1).unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = (attn.view(-1, nW, self.heads, N, N) + mask.unsqueeze(1).unsqueeze(0)).view(-1, self.heads, N, N)
        return self.proj((attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(B_, N, -1))


class SwinTransformerBlock(nn.Module):
    def __init__(self, dim, grid, heads, ws, shift, hidden, eps):
        super().__init__()
        self.ws, self.shift = ws, shift
        self.norm1, self.attn = nn.LayerNorm(dim, eps=eps), WindowAttention(dim, heads, ws)
        self.norm2, self.mlp = nn.LayerNorm(dim, eps=eps), Mlp(dim, hidden)
        self.register_buffer("attn_mask", shift_mask(grid, ws, shift), persistent=False)

    def forward(self, x):
        x = x + windowed(self.attn, self.norm1(x), self.ws, self.shift, self.attn_mask)
        return x + self.mlp(self.norm2(x))


class PatchMerging(nn.Module):
    def __init__(self, dim, out_dim):
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, out_dim, bias=False)

    def forward(self, x):
        B, H, W, C = x.shape
        x = x.reshape(B, H // 2, 2, W // 2, 2, C).permute(0, 1, 3, 4, 2, 5).flatten(3)
        return self.reduction(self.norm(x))


class Stage(nn.Module):
    def __init__(self, downsample, blocks):
        super().__init__()
        self.downsample = downsample if downsample is not None else nn.Identity()
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x):
        return self.blocks(self.downsample(x))


class PatchEmbed(nn.Module):
    def __init__(self, patch, in_chans, dim, eps):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, patch, stride=patch)
        self.norm = nn.LayerNorm(dim, eps=eps)

    def forward(self, x):
        return self.norm(self.proj(x).permute(0, 2, 3, 1))


class Head(nn.Module):
    def __init__(self, dim, classes):
        super().__init__()
        self.fc = nn.Linear(dim, classes)

    def forward(self, x):
        return self.fc(x.mean(dim=(1, 2)))


def stage_blocks(cfg):
    """Per stage: (its dim, its grid, [(heads, window, shift, mlp hidden)] per block). The spec must
    follow the shift rule timm and Hugging Face share (window / 2 on every odd block); a stage whose
    grid's shorter side is at most the window has one window of that side, unshifted
    (SwinTransformerBlock: `if min(self.input_resolution) <= self.window_size`), whatever shift the
    spec declares there; else exit."""
    bounds = [st[0] for st in cfg.stages] + [cfg.layers]
    for s, (first, dim, rows, cols) in enumerate(cfg.stages):
        blocks = []
        for j, i in enumerate(range(first, bounds[s + 1])):
            p = cfg.layer[i].mixer.p
            ws, want = p.grid_window, p.grid_window // 2 if j % 2 else 0
            if p.grid_shift != want and not (min(rows, cols) <= ws and p.grid_shift == 0):
                sys.exit("error: layer %d has grid_shift = %d; Swin's rule gives %d" % (i, p.grid_shift, want))
            if min(rows, cols) <= ws:
                ws, want = min(rows, cols), 0
            blocks.append((p.heads, ws, want, cfg.layer[i].channel.p.hidden))
        yield dim, (rows, cols), blocks


class SwinTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        eps = cfg.layer[0].norm.p.norm_eps
        self.patch_embed = PatchEmbed(cfg.patch, cfg.in_channels, cfg.dim, eps)
        stages = []
        for s, (dim, grid, blocks) in enumerate(stage_blocks(cfg)):
            blocks = [SwinTransformerBlock(dim, grid, h, ws, shift, hidden, eps) for h, ws, shift, hidden in blocks]
            stages.append(Stage(PatchMerging(cfg.stages[s - 1][1], dim) if s else None, blocks))
        self.layers = nn.Sequential(*stages)
        self.norm = nn.LayerNorm(cfg.stages[-1][1], eps=eps)
        self.head = Head(cfg.stages[-1][1], cfg.classes)

    def forward(self, x):
        return self.head(self.norm(self.layers(self.patch_embed(x))))


def main(argv=None):
    a, cfg = module_checkpoint.parse_args(__doc__, argv)
    return module_checkpoint.write_and_check(cfg, SwinTransformer, a.out, a.seed)


if __name__ == "__main__":
    sys.exit(main())
