"""Vision front-ends (docs/spec.md, "Images"): the image input ([model] input = "image": timm's
PatchEmbed, class token, DeiT's distillation token and pos_embed) and the classifier output ([model]
output = "classes": timm's forward_head: pool, fc_norm, head; a distilled DeiT's (head(x[:, 0]) +
head_dist(x[:, 1])) / 2). Written with torch's own Conv2d and cat, independently of the
compiler's GEMM-over-patches form."""
import math

import torch
import torch.nn.functional as F

from .errors import SpecError
from .registry import Slot

# [embed] keys of the image input and [head] keys of the classifier (None: resolved in resolve()).
IMAGE_KEYS = ("image_size", "patch", "in_channels", "cls_token", "dist_token", "patch_bias")
CLASSES_KEYS = ("classes", "pool", "norm")


def resolve_input(spec, embed, block_bias):
    """Sets the image fields of `spec` from [embed] (a dict); max_seq is the token count."""
    if spec.input == "image":
        for k in ("image_size", "patch"):
            if k not in embed:
                raise SpecError("[embed] %s is required with input = \"image\"" % k)
        size = embed["image_size"]
        size = [size] if isinstance(size, int) else list(size)
        if not 1 <= len(size) <= 2 or not all(isinstance(v, int) and v >= 1 for v in size):
            raise SpecError("[embed] image_size: a size or [height, width], got %r" % (embed["image_size"],))
        spec.height, spec.width = size[0], size[-1]
        spec.patch = embed["patch"]
        if spec.height % spec.patch or spec.width % spec.patch:
            raise SpecError("[embed] image %dx%d is not divisible by patch %d" % (spec.height, spec.width, spec.patch))
        spec.in_channels = embed.get("in_channels", 3)
        spec.cls_token = embed.get("cls_token", True)
        spec.patch_bias = embed.get("patch_bias", block_bias)
        spec.dist_token = embed.get("dist_token", False)
        if spec.dist_token and not spec.cls_token:
            raise SpecError("[embed] dist_token = true needs cls_token = true")
        spec.prefix_tokens = int(spec.cls_token) + int(spec.dist_token)
        spec.max_seq = (spec.height // spec.patch) * (spec.width // spec.patch) + spec.prefix_tokens
        if spec.position.name not in ("learned", "none"):
            raise SpecError("[embed] position = %r does not apply with input = \"image\"" % spec.position.name)
    else:
        bad = sorted(set(embed) & set(IMAGE_KEYS))
        if bad:
            raise SpecError("[embed] %s: only with input = \"image\"" % ", ".join(bad))
        spec.prefix_tokens = 0
        spec.dist_token = False


def resolve_output(spec, head):
    """Sets the classifier fields of `spec` from [head] (a dict)."""
    if spec.output == "classes":
        if "classes" not in head:
            raise SpecError("[head] classes is required with output = \"classes\"")
        spec.classes = head["classes"]
        spec.pool = head.get("pool", "cls" if spec.prefix_tokens else "mean")
        if spec.pool == "cls" and not spec.prefix_tokens:
            raise SpecError("[head] pool = \"cls\" needs a class token")
        if spec.pool == "mean" and spec.dist_token:
            raise SpecError("[head] pool = \"mean\" does not apply with [embed] dist_token = true")
        spec.head_norm = head.get("norm", False)
        spec.head_bias = head.get("bias", True)
    else:
        bad = sorted(set(head) & set(CLASSES_KEYS))
        if bad:
            raise SpecError("[head] %s: only with output = \"classes\"" % ", ".join(bad))


def image_slots(spec):
    D, P = spec.dim, spec.patch
    fan_in = spec.in_channels * P * P
    out = [Slot("embed.patch.weight", (D, spec.in_channels, P, P),
                lambda rng, shape, spec: rng.standard_normal(shape) / math.sqrt(fan_in), linear=False)]
    if spec.patch_bias:
        out.append(Slot("embed.patch.bias", (D,), "bias"))
    if spec.cls_token:
        out.append(Slot("embed.cls", (1, 1, D), "embed"))
    if spec.dist_token:
        out.append(Slot("embed.dist", (1, 1, D), "embed"))
    if spec.position.name == "learned":
        out.append(Slot("embed.positions", (1, spec.max_seq, D), "embed"))
    return out


def embed_image(images, w, spec):
    """images [B, C, H, W] -> the token stream [B, tokens, dim] (timm: patch_embed, _pos_embed)."""
    bias = w["embed.patch.bias"] if spec.patch_bias else None
    x = F.conv2d(images, w["embed.patch.weight"], bias, stride=spec.patch)  # [B, D, H/P, W/P]
    x = x.flatten(2).transpose(1, 2)  # [B, N, D], patches row by row
    prefix = [w["embed.cls"]] if spec.cls_token else []
    if spec.dist_token:
        prefix.append(w["embed.dist"])
    if prefix:
        x = torch.cat([t.expand(x.shape[0], -1, -1) for t in prefix] + [x], dim=1)
    if spec.position.name == "learned":
        x = x + w["embed.positions"]
    return x


def classes_slots(spec, norm_slots):
    out = list(norm_slots("head.norm")) if spec.head_norm else []
    for head in ["head", "head.dist"] if spec.dist_token else ["head"]:
        out.append(Slot(head + ".weight", (spec.classes, spec.dim), "linear"))
        if spec.head_bias:
            out.append(Slot(head + ".bias", (spec.classes,), "bias"))
    return out


def classify(x, w, spec, norm):
    """The final hidden states [B, S, dim] -> [B, classes] (timm: forward_head)."""
    def head(x, name):
        if spec.head_norm:
            x = norm(x, "head.norm")
        return F.linear(x, w[name + ".weight"], w[name + ".bias"] if spec.head_bias else None)

    if spec.dist_token:
        return (head(x[:, 0], "head") + head(x[:, 1], "head.dist")) / 2
    return head(x[:, 0] if spec.pool == "cls" else x[:, spec.prefix_tokens:].mean(dim=1), "head")
