"""Vision front-ends (docs/spec.md, "Images"): the image input ([model] input = "image": timm's
PatchEmbed, class token, DeiT's distillation token and pos_embed) and the classifier output ([model]
output = "classes": timm's forward_head: pool, fc_norm, head; a distilled DeiT's (head(x[:, 0]) +
head_dist(x[:, 1])) / 2). With [embed] stage_layers the layers run in stages of
their own widths on shrinking grids, each later stage entered through a strided Conv2d (timm's
poolformer: downsampling PatchEmbed layers between stages) or Swin's patch merging (timm's
PatchMerging: the 2x2 neighbourhoods concatenated, LayerNorm, a linear without bias). Written with
torch's own Conv2d, reshape and cat, independently of the compiler's GEMM-over-patches form."""
import copy
import math

import torch
import torch.nn.functional as F

from .errors import SpecError
from .registry import Slot

# [embed] keys of the image input and [head] keys of the classifier (None: resolved in resolve()).
IMAGE_KEYS = ("image_size", "patch", "patch_stride", "patch_padding", "in_channels", "cls_token", "dist_token",
              "patch_bias", "stage_layers", "stage_dims", "down", "down_patch", "down_stride", "down_padding",
              "down_norm_eps")
STAGE_KEYS = IMAGE_KEYS[-7:]


def conv_size(n, kernel, stride, padding):
    """Conv2d's output size along a side of n."""
    return (n + 2 * padding - kernel) // stride + 1
CLASSES_KEYS = ("classes", "pool", "norm", "norm_eps")


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
        spec.patch_stride = embed.get("patch_stride", spec.patch)
        spec.patch_padding = embed.get("patch_padding", 0)
        whole = "patch_stride" not in embed and "patch_padding" not in embed
        if whole and (spec.height % spec.patch or spec.width % spec.patch):
            raise SpecError("[embed] image %dx%d is not divisible by patch %d" % (spec.height, spec.width, spec.patch))
        if spec.patch_padding >= spec.patch:
            raise SpecError("[embed] patch_padding = %d must be less than patch" % spec.patch_padding)
        spec.rows, spec.cols = (conv_size(n, spec.patch, spec.patch_stride, spec.patch_padding)
                                for n in (spec.height, spec.width))
        spec.in_channels = embed.get("in_channels", 3)
        staged = "stage_layers" in embed or "stage_dims" in embed
        spec.cls_token = embed.get("cls_token", not staged)
        if staged and spec.cls_token:
            raise SpecError("[embed] cls_token = true does not apply with stage_layers")
        spec.patch_bias = embed.get("patch_bias", block_bias)
        spec.dist_token = embed.get("dist_token", False)
        if spec.dist_token and not spec.cls_token:
            raise SpecError("[embed] dist_token = true needs cls_token = true")
        spec.prefix_tokens = int(spec.cls_token) + int(spec.dist_token)
        spec.max_seq = spec.rows * spec.cols + spec.prefix_tokens
        resolve_stages(spec, embed)
        if spec.position.name not in ("learned", "none"):
            raise SpecError("[embed] position = %r does not apply with input = \"image\"" % spec.position.name)
    else:
        bad = sorted(set(embed) & set(IMAGE_KEYS))
        if bad:
            raise SpecError("[embed] %s: only with input = \"image\"" % ", ".join(bad))
        spec.prefix_tokens = 0
        spec.dist_token = False


def resolve_stages(spec, embed):
    """spec.stages: [(first layer, dim, rows, cols)], one per stage (one stage without
    stage_layers); spec.down: the downsampling's (kernel, stride, padding)."""
    spec.stages = [(0, spec.dim, spec.rows, spec.cols)]
    spec.merge = embed.get("down", "conv") == "merge"
    spec.down_eps = embed.get("down_norm_eps", 1e-5)
    if spec.merge:
        for k in ("down_stride", "down_padding"):
            if k in embed:
                raise SpecError("[embed] %s does not apply with down = \"merge\"" % k)
        k = embed.get("down_patch", 2)
        spec.down = (k, k, 0)
    else:
        if "down_norm_eps" in embed:
            raise SpecError("[embed] down_norm_eps only applies with down = \"merge\"")
        spec.down = (embed.get("down_patch", 3), embed.get("down_stride", 2), embed.get("down_padding", 1))
    if "stage_layers" not in embed and "stage_dims" not in embed:
        for k in STAGE_KEYS[2:]:
            if k in embed:
                raise SpecError("[embed] %s only applies with stage_layers" % k)
        return
    layers, dims = embed.get("stage_layers"), embed.get("stage_dims")
    if layers is None or dims is None:
        raise SpecError("[embed] stage_layers and stage_dims go together")
    if len(layers) != len(dims):
        raise SpecError("[embed] stage_dims has %d widths but stage_layers %d stages" % (len(dims), len(layers)))
    if sum(layers) != spec.layers:
        raise SpecError("[embed] stage_layers holds %d layers but [model] layers = %d" % (sum(layers), spec.layers))
    if dims[0] != spec.dim:
        raise SpecError("[embed] stage_dims starts at %d but [model] dim = %d" % (dims[0], spec.dim))
    k, s, p = spec.down
    if p >= k:
        raise SpecError("[embed] down_padding = %d must be less than down_patch = %d" % (p, k))
    first = layers[0]
    for n, d in zip(layers[1:], dims[1:]):
        _, _, rows, cols = spec.stages[-1]
        if min(rows, cols) + 2 * p < k:
            raise SpecError("[embed] stage %d would downsample a %dx%d grid" % (len(spec.stages), rows, cols))
        if spec.merge and (rows % k or cols % k):
            raise SpecError("[embed] stage %d would merge a %dx%d grid" % (len(spec.stages), rows, cols))
        spec.stages.append((first, d, conv_size(rows, k, s, p), conv_size(cols, k, s, p)))
        first += n


def stage_of(spec, layer):
    """The stage layer `layer` runs in (spec.layers: the last)."""
    return [st for st in spec.stages if st[0] <= layer][-1]


def stage_view(spec, layer):
    """`spec` as layer `layer` sees it: dim, rows and cols those of its stage (spec itself when
    the model has one stage, or is not an image model)."""
    if spec.input != "image" or len(spec.stages) == 1:
        return spec
    _, dim, rows, cols = stage_of(spec, layer)
    view = copy.copy(spec)
    view.dim, view.rows, view.cols = dim, rows, cols
    return view


def downsample_slots(spec, layer):
    """The downsampling conv of the stage starting at `layer` (none elsewhere)."""
    if spec.input != "image" or layer == 0 or stage_of(spec, layer)[0] != layer:
        return []
    prev, cur = stage_of(spec, layer - 1), stage_of(spec, layer)
    k = spec.down[0]
    fan_in = prev[1] * k * k
    if spec.merge:
        return [Slot("layer.downsample.norm.weight", (fan_in,), "norm_weight"),
                Slot("layer.downsample.norm.bias", (fan_in,), "bias"),
                Slot("layer.downsample.reduction.weight", (cur[1], fan_in), "linear")]
    out = [Slot("layer.downsample.weight", (cur[1], prev[1], k, k),
                lambda rng, shape, spec: rng.standard_normal(shape) / math.sqrt(fan_in), linear=False)]
    if spec.patch_bias:
        out.append(Slot("layer.downsample.bias", (cur[1],), "bias"))
    return out


def downsample(x, w, spec, layer):
    """Before the first layer of a stage: the previous stage's tokens [B, rows * cols, C] through
    Conv2d(C -> the stage's dim, down_patch, down_stride, down_padding), or with down = "merge"
    timm's PatchMerging; x elsewhere."""
    if not downsample_slots(spec, layer):
        return x
    _, C, rows, cols = stage_of(spec, layer - 1)  # C from the spec: a constant when traced
    B = x.shape[0]
    if spec.merge:
        # timm's PatchMerging: [B, H/k, k, W/k, k, C] -> [B, H/k, W/k, (column, row, channel)].
        k = spec.down[0]
        g = x.reshape(B, rows // k, k, cols // k, k, C).permute(0, 1, 3, 4, 2, 5).flatten(3)
        g = F.layer_norm(g, (k * k * C,), w["layer.downsample.norm.weight"], w["layer.downsample.norm.bias"],
                         spec.down_eps)
        return F.linear(g, w["layer.downsample.reduction.weight"]).flatten(1, 2)
    g = x.transpose(1, 2).reshape(B, C, rows, cols)
    bias = w["layer.downsample.bias"] if "layer.downsample.bias" in w else None
    _, s, p = spec.down
    y = F.conv2d(g, w["layer.downsample.weight"], bias, stride=s, padding=p)
    return y.flatten(2).transpose(1, 2)


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
        spec.head_norm_eps = head.get("norm_eps")
        if spec.head_norm_eps is not None and not spec.head_norm:
            raise SpecError("[head] norm_eps needs norm = true")
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
    x = F.conv2d(images, w["embed.patch.weight"], bias, stride=spec.patch_stride,
                 padding=spec.patch_padding)  # [B, D, rows, cols]
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


def head_norm(spec):
    """The pooled token's norm: [block]'s, at [head] norm_eps when given."""
    n = spec.norm
    if spec.head_norm_eps is not None:
        n = copy.copy(n)
        n.p = copy.copy(n.p)
        n.p.norm_eps = spec.head_norm_eps
    return n


def classify(x, w, spec, norm):
    """The final hidden states [B, S, dim] -> [B, classes] (timm: forward_head). The pooled token
    stays [B, 1, dim] through the norm, so a GroupNorm(1) sees one token (timm MetaFormer's
    LayerNorm2d on the pooled [B, dim, 1, 1])."""
    def head(x, name):
        if spec.head_norm:
            x = norm(x, "head.norm")
        return F.linear(x, w[name + ".weight"], w[name + ".bias"] if spec.head_bias else None).squeeze(1)

    if spec.dist_token:
        return (head(x[:, 0:1], "head") + head(x[:, 1:2], "head.dist")) / 2
    pooled = x[:, 0:1] if spec.pool == "cls" else x[:, spec.prefix_tokens:].mean(dim=1, keepdim=True)
    return head(pooled, "head")
