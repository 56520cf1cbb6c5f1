#!/usr/bin/python3
"""PyTorch oracle for modelc: builds the model a spec TOML describes (docs/spec.md), independently of
the compiler, from plain torch ops.

Library use:
    spec = load_spec("examples/gpt2-small.toml")      # parsed + defaults resolved (a Config)
    w = random_weights(spec, seed=0)                  # {checkpoint name: float32 ndarray}
    y = forward(spec, w, tokens[, token_types])       # float64 ndarray (logits or hidden)
    m = build_module(spec, w, dtype=torch.float32)    # nn.Module: m(tokens[, token_types])

CLI:
    reference.py gen-weights SPEC OUT.safetensors [--seed N]
    reference.py run SPEC WEIGHTS --tokens ids.npy [--token-types tt.npy] --out ref.npy [--f64]
    reference.py names SPEC          # print the checkpoint names and shapes the spec expects

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
"""
import argparse
import copy
import math
import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads libgomp

try:
    import tomllib
except ImportError:  # pragma: no cover
    import tomli as tomllib

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import read_safetensors, write_safetensors  # noqa: E402

# --------------------------------------------------------------------------------------------------
# Spec parsing
# --------------------------------------------------------------------------------------------------

_MODEL_KEYS = {"name", "vocab", "dim", "layers", "max_seq", "output", "final_norm"}
_EMBED_KEYS = {"position", "token_types", "norm", "rope_theta", "rope_style"}
_BLOCK_KEYS = {"norm", "norm_eps", "placement", "mixer", "channel", "bias", "attention", "mlp"}
_ATTN_KEYS = {"heads", "kv_heads", "head_dim", "causal", "bias"}
_MLP_KEYS = {"kind", "hidden", "activation", "bias"}
_HEAD_KEYS = {"tied", "bias"}
_WEIGHTS_KEYS = {"scheme", "prefix", "names"}
_TOP_KEYS = {"model", "embed", "block", "layer", "head", "weights"}


class SpecError(ValueError):
    pass


def _check_keys(table, allowed, where):
    if not isinstance(table, dict):
        raise SpecError("%s: expected a table" % where)
    bad = sorted(set(table) - allowed)
    if bad:
        raise SpecError("%s: unknown key(s) %s" % (where, ", ".join(bad)))


def _choice(val, allowed, where):
    if val not in allowed:
        raise SpecError("%s = %r: expected one of %s" % (where, val, "|".join(allowed)))
    return val


def _deep_merge(base, over):
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


class Config:
    """A resolved spec: model-level fields plus one resolved dict per layer."""

    def __repr__(self):
        return "Config(%s)" % self.name


def parse_spec(raw):
    _check_keys(raw, _TOP_KEYS, "spec")
    m = raw.get("model", {})
    _check_keys(m, _MODEL_KEYS, "[model]")
    c = Config()
    for k in ("name", "vocab", "dim", "layers", "max_seq"):
        if k not in m:
            raise SpecError("[model] %s is required" % k)
    c.name = m["name"]
    c.vocab, c.dim, c.layers, c.max_seq = (int(m[k]) for k in ("vocab", "dim", "layers", "max_seq"))
    c.output = _choice(m.get("output", "logits"), ("logits", "hidden"), "model.output")

    e = raw.get("embed", {})
    _check_keys(e, _EMBED_KEYS, "[embed]")
    c.position = _choice(e.get("position", "learned"), ("learned", "rope", "none"), "embed.position")
    c.token_types = int(e.get("token_types", 0))
    c.embed_norm = bool(e.get("norm", False))
    c.rope_theta = float(e.get("rope_theta", 10000.0))
    c.rope_style = _choice(e.get("rope_style", "half"), ("half", "interleaved"), "embed.rope_style")

    block = raw.get("block", {})
    _check_keys(block, _BLOCK_KEYS, "[block]")
    _check_keys(block.get("attention", {}), _ATTN_KEYS, "[block.attention]")
    _check_keys(block.get("mlp", {}), _MLP_KEYS, "[block.mlp]")

    overrides = [dict() for _ in range(c.layers)]
    for n, lt in enumerate(raw.get("layer", [])):
        where = "[[layer]] #%d" % n
        _check_keys(lt, _BLOCK_KEYS | {"index"}, where)
        _check_keys(lt.get("attention", {}), _ATTN_KEYS, where + " attention")
        _check_keys(lt.get("mlp", {}), _MLP_KEYS, where + " mlp")
        if "index" not in lt:
            raise SpecError("%s: index is required" % where)
        idx = lt["index"]
        idx = [idx] if isinstance(idx, int) else list(idx)
        body = {k: v for k, v in lt.items() if k != "index"}
        for i in idx:
            if not 0 <= i < c.layers:
                raise SpecError("%s: index %d out of range [0, %d)" % (where, i, c.layers))
            overrides[i] = _deep_merge(overrides[i], body)

    c.layer = []
    for i in range(c.layers):
        b = _deep_merge(block, overrides[i])
        a = b.get("attention", {})
        p = b.get("mlp", {})
        L = {}
        L["norm"] = _choice(b.get("norm", "layernorm"), ("layernorm", "rmsnorm"), "block.norm")
        L["norm_eps"] = float(b.get("norm_eps", 1e-5))
        L["placement"] = _choice(b.get("placement", "pre"), ("pre", "post"), "block.placement")
        _choice(b.get("mixer", "attention"), ("attention",), "block.mixer")
        _choice(b.get("channel", "mlp"), ("mlp",), "block.channel")
        bias = bool(b.get("bias", True))
        if "heads" not in a:
            raise SpecError("[block.attention] heads is required")
        L["heads"] = int(a["heads"])
        L["kv_heads"] = int(a.get("kv_heads", L["heads"]))
        if L["heads"] % L["kv_heads"]:
            raise SpecError("layer %d: kv_heads %d must divide heads %d" % (i, L["kv_heads"], L["heads"]))
        if "head_dim" in a:
            L["head_dim"] = int(a["head_dim"])
        else:
            if c.dim % L["heads"]:
                raise SpecError("layer %d: dim %d not divisible by heads %d" % (i, c.dim, L["heads"]))
            L["head_dim"] = c.dim // L["heads"]
        L["causal"] = bool(a.get("causal", True))
        L["attn_bias"] = bool(a.get("bias", bias))
        L["mlp_kind"] = _choice(p.get("kind", "mlp"), ("mlp", "glu"), "block.mlp.kind")
        L["hidden"] = int(p.get("hidden", 4 * c.dim))
        L["activation"] = _choice(p.get("activation", "gelu"), ("gelu", "gelu_tanh", "relu", "silu"),
                                  "block.mlp.activation")
        L["mlp_bias"] = bool(p.get("bias", bias))
        if c.position == "rope" and L["head_dim"] % 2:
            raise SpecError("layer %d: rope needs an even head_dim" % i)
        c.layer.append(L)

    # embed norm and the final norm use the [block] norm kind/eps (not per-layer ones)
    c.norm = _choice(block.get("norm", "layernorm"), ("layernorm", "rmsnorm"), "block.norm")
    c.norm_eps = float(block.get("norm_eps", 1e-5))
    placement = block.get("placement", "pre")
    c.final_norm = bool(m.get("final_norm", placement == "pre"))

    h = raw.get("head", {})
    _check_keys(h, _HEAD_KEYS, "[head]")
    c.tied = bool(h.get("tied", True))
    c.head_bias = bool(h.get("bias", False))

    w = raw.get("weights", {})
    _check_keys(w, _WEIGHTS_KEYS, "[weights]")
    c.scheme = _choice(w.get("scheme", "modelc"), tuple(SCHEMES), "weights.scheme")
    c.prefix = str(w.get("prefix", ""))
    c.names = dict(w.get("names", {}))
    return c


def load_spec(path):
    if isinstance(path, Config):
        return path
    with open(path, "rb") as f:
        return parse_spec(tomllib.load(f))


# --------------------------------------------------------------------------------------------------
# Weight slots and schemes (docs/spec.md "Weight slots")
# --------------------------------------------------------------------------------------------------

LINEAR_SLOTS = {"layer.attn.q", "layer.attn.k", "layer.attn.v", "layer.attn.o", "layer.attn.qkv",
                "layer.mlp.up", "layer.mlp.gate", "layer.mlp.down"}

_GPT2 = {
    "embed.tokens": "wte.weight",
    "embed.positions": "wpe.weight",
    "layer.attn_norm": "h.{i}.ln_1",
    "layer.attn.qkv": "h.{i}.attn.c_attn",
    "layer.attn.o": "h.{i}.attn.c_proj",
    "layer.mlp_norm": "h.{i}.ln_2",
    "layer.mlp.up": "h.{i}.mlp.c_fc",
    "layer.mlp.down": "h.{i}.mlp.c_proj",
    "final_norm": "ln_f",
}
_BERT = {
    "embed.tokens": "embeddings.word_embeddings.weight",
    "embed.positions": "embeddings.position_embeddings.weight",
    "embed.token_types": "embeddings.token_type_embeddings.weight",
    "embed.norm": "embeddings.LayerNorm",
    "layer.attn_norm": "encoder.layer.{i}.attention.output.LayerNorm",
    "layer.attn.q": "encoder.layer.{i}.attention.self.query",
    "layer.attn.k": "encoder.layer.{i}.attention.self.key",
    "layer.attn.v": "encoder.layer.{i}.attention.self.value",
    "layer.attn.o": "encoder.layer.{i}.attention.output.dense",
    "layer.mlp_norm": "encoder.layer.{i}.output.LayerNorm",
    "layer.mlp.up": "encoder.layer.{i}.intermediate.dense",
    "layer.mlp.down": "encoder.layer.{i}.output.dense",
}
_LLAMA = {
    "embed.tokens": "model.embed_tokens.weight",
    "layer.attn_norm": "model.layers.{i}.input_layernorm",
    "layer.attn.q": "model.layers.{i}.self_attn.q_proj",
    "layer.attn.k": "model.layers.{i}.self_attn.k_proj",
    "layer.attn.v": "model.layers.{i}.self_attn.v_proj",
    "layer.attn.o": "model.layers.{i}.self_attn.o_proj",
    "layer.mlp_norm": "model.layers.{i}.post_attention_layernorm",
    "layer.mlp.up": "model.layers.{i}.mlp.up_proj",
    "layer.mlp.gate": "model.layers.{i}.mlp.gate_proj",
    "layer.mlp.down": "model.layers.{i}.mlp.down_proj",
    "final_norm": "model.norm",
    "head": "lm_head",
}
# scheme -> (table or None for identity-with-layers, layout, fuses qkv)
SCHEMES = {
    "modelc": (None, "out_in", False),
    "gpt2": (_GPT2, "in_out", True),
    "bert": (_BERT, "out_in", False),
    "llama": (_LLAMA, "out_in", False),
}


def all_slots():
    """Every slot name the spec defines (used to validate [weights.names])."""
    s = ["embed.tokens", "embed.positions", "embed.token_types", "embed.norm.weight",
         "embed.norm.bias", "final_norm.weight", "final_norm.bias", "head.weight", "head.bias"]
    for base in ("layer.attn_norm", "layer.mlp_norm") + tuple(sorted(LINEAR_SLOTS)):
        s += [base + ".weight", base + ".bias"]
    return s


def _scheme_template(scheme, slot):
    table = SCHEMES[scheme][0]
    if table is None:
        return "layers.{i}." + slot[len("layer."):] if slot.startswith("layer.") else slot
    if slot in table:
        return table[slot]
    base, _, leaf = slot.rpartition(".")
    if base in table:
        return table[base] + "." + leaf
    return None


def slot_name(cfg, slot, i=None):
    """Checkpoint name of `slot` (layer `i` for `layer.` slots) under cfg's scheme/prefix/overrides."""
    if slot in cfg.names:
        tmpl = cfg.names[slot]
    else:
        tmpl = _scheme_template(cfg.scheme, slot)
        if tmpl is None:
            raise SpecError("weights: scheme %r has no name for slot %r; give one in [weights.names]"
                            % (cfg.scheme, slot))
    name = cfg.prefix + tmpl
    if i is not None:
        name = name.replace("{i}", str(i))
    return name


def fuses_qkv(cfg):
    return SCHEMES[cfg.scheme][2]


def layout(cfg):
    return SCHEMES[cfg.scheme][1]


def _norm_slots(kind, base):
    return [(base + ".weight", "norm_w"), (base + ".bias", "norm_b")] if kind == "layernorm" \
        else [(base + ".weight", "norm_w")]


def canonical_slots(cfg):
    """[(key, slot, layer or None, shape [out,in] form, kind)] for every tensor the model uses.
    `key` is the per-layer canonical key ("layers.3.attn.q.weight") used inside the oracle; q/k/v are
    always split here (fusing is a checkpoint-layout matter)."""
    out = []

    def add(slot, shape, kind, i=None):
        key = slot if i is None else "layers.%d.%s" % (i, slot[len("layer."):])
        out.append((key, slot, i, tuple(shape), kind))

    D = cfg.dim
    add("embed.tokens", (cfg.vocab, D), "embed")
    if cfg.position == "learned":
        add("embed.positions", (cfg.max_seq, D), "embed")
    if cfg.token_types > 0:
        add("embed.token_types", (cfg.token_types, D), "embed")
    if cfg.embed_norm:
        for s, k in _norm_slots(cfg.norm, "embed.norm"):
            add(s, (D,), k)
    for i, L in enumerate(cfg.layer):
        H, KV, hd = L["heads"], L["kv_heads"], L["head_dim"]
        for s, k in _norm_slots(L["norm"], "layer.attn_norm"):
            add(s, (D,), k, i)
        for nm, rows in (("q", H * hd), ("k", KV * hd), ("v", KV * hd)):
            add("layer.attn.%s.weight" % nm, (rows, D), "linear", i)
            if L["attn_bias"]:
                add("layer.attn.%s.bias" % nm, (rows,), "bias", i)
        add("layer.attn.o.weight", (D, H * hd), "linear", i)
        if L["attn_bias"]:
            add("layer.attn.o.bias", (D,), "bias", i)
        for s, k in _norm_slots(L["norm"], "layer.mlp_norm"):
            add(s, (D,), k, i)
        ups = ("up", "gate") if L["mlp_kind"] == "glu" else ("up",)
        for nm in ups:
            add("layer.mlp.%s.weight" % nm, (L["hidden"], D), "linear", i)
            if L["mlp_bias"]:
                add("layer.mlp.%s.bias" % nm, (L["hidden"],), "bias", i)
        add("layer.mlp.down.weight", (D, L["hidden"]), "linear", i)
        if L["mlp_bias"]:
            add("layer.mlp.down.bias", (D,), "bias", i)
    if cfg.final_norm:
        for s, k in _norm_slots(cfg.norm, "final_norm"):
            add(s, (D,), k)
    if cfg.output == "logits":
        if not cfg.tied:
            add("head.weight", (cfg.vocab, D), "linear_head")
        if cfg.head_bias:
            add("head.bias", (cfg.vocab,), "bias")
    return out


def _is_linear_weight(slot):
    return slot.endswith(".weight") and slot[: -len(".weight")] in LINEAR_SLOTS


def slots_to_checkpoint(cfg, canon):
    """canonical {key: array [out,in]} -> {checkpoint name: array in the scheme's layout}."""
    ck = {}
    qkv = {}
    for key, slot, i, shape, kind in canonical_slots(cfg):
        arr = canon[key]
        if fuses_qkv(cfg) and slot.startswith("layer.attn.") and slot.split(".")[2] in ("q", "k", "v"):
            qkv.setdefault((i, slot.split(".")[3]), {})[slot.split(".")[2]] = arr
            continue
        if layout(cfg) == "in_out" and _is_linear_weight(slot):
            arr = arr.T
        ck[slot_name(cfg, slot, i)] = np.ascontiguousarray(arr)
    for (i, leaf), parts in qkv.items():
        arr = np.concatenate([parts["q"], parts["k"], parts["v"]], axis=0)
        if leaf == "weight" and layout(cfg) == "in_out":
            arr = arr.T
        ck[slot_name(cfg, "layer.attn.qkv." + leaf, i)] = np.ascontiguousarray(arr)
    return ck


def checkpoint_to_slots(cfg, weights):
    """{checkpoint name: array} -> canonical {key: array [out,in]}; checks names and shapes."""
    canon = {}
    errors = []

    def get(slot, i, shape):
        name = slot_name(cfg, slot, i)
        if name not in weights:
            errors.append("missing tensor %r (slot %s%s)" % (name, slot, "" if i is None else " layer %d" % i))
            return None
        a = np.asarray(weights[name])
        if tuple(a.shape) != tuple(shape):
            errors.append("tensor %r: shape %s, expected %s" % (name, list(a.shape), list(shape)))
            return None
        return a

    for key, slot, i, shape, kind in canonical_slots(cfg):
        parts = slot.split(".")
        if fuses_qkv(cfg) and slot.startswith("layer.attn.") and parts[2] in ("q", "k", "v"):
            L = cfg.layer[i]
            H, KV, hd = L["heads"], L["kv_heads"], L["head_dim"]
            leaf = parts[3]
            tot = (H + 2 * KV) * hd
            if leaf == "weight":
                fshape = (cfg.dim, tot) if layout(cfg) == "in_out" else (tot, cfg.dim)
            else:
                fshape = (tot,)
            a = get("layer.attn.qkv." + leaf, i, fshape)
            if a is None:
                continue
            if leaf == "weight" and layout(cfg) == "in_out":
                a = a.T
            off = {"q": (0, H * hd), "k": (H * hd, (H + KV) * hd), "v": ((H + KV) * hd, tot)}[parts[2]]
            canon[key] = a[off[0]:off[1]]
            continue
        fshape = shape[::-1] if (layout(cfg) == "in_out" and _is_linear_weight(slot)) else shape
        a = get(slot, i, fshape)
        if a is None:
            continue
        if layout(cfg) == "in_out" and _is_linear_weight(slot):
            a = a.T
        canon[key] = a
    if errors:
        raise SpecError("weights do not match the spec:\n  " + "\n  ".join(dict.fromkeys(errors)))
    return canon


def expected_weights(spec):
    """{checkpoint name: shape} the spec needs."""
    cfg = load_spec(spec)
    zeros = {k: np.zeros(s, np.float32) for k, _, _, s, _ in canonical_slots(cfg)}
    return {k: v.shape for k, v in slots_to_checkpoint(cfg, zeros).items()}


def random_weights(spec, seed=0):
    """Random float32 checkpoint tensors for `spec`, named per its scheme, scaled so activations stay
    O(1): linear weights N(0, 1/fan_in) (attention scores are O(1), so attention is not uniform),
    embeddings N(0, 1/dim), norm weights 1 + 0.1 N, biases 0.1 N."""
    cfg = load_spec(spec)
    rng = np.random.default_rng(seed)
    canon = {}
    for key, slot, i, shape, kind in canonical_slots(cfg):
        if kind in ("linear", "linear_head"):
            a = rng.standard_normal(shape) / math.sqrt(shape[1])
        elif kind == "embed":
            a = rng.standard_normal(shape) / math.sqrt(cfg.dim)
        elif kind == "norm_w":
            a = 1.0 + 0.1 * rng.standard_normal(shape)
        else:  # norm_b, bias
            a = 0.1 * rng.standard_normal(shape)
        canon[key] = a.astype(np.float32)
    return slots_to_checkpoint(cfg, canon)


# --------------------------------------------------------------------------------------------------
# The model (plain torch ops)
# --------------------------------------------------------------------------------------------------

def _act(x, kind):
    if kind == "gelu":
        return 0.5 * x * (1.0 + torch.erf(x * (1.0 / math.sqrt(2.0))))
    if kind == "gelu_tanh":
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))
    if kind == "relu":
        return torch.relu(x)
    if kind == "silu":
        return x * torch.sigmoid(x)
    raise ValueError(kind)


def rope(x, pos, theta, style):
    """x: [..., S, hd]; pos: [S] positions. Rotates pair p by pos * theta^(-2p/hd)."""
    hd = x.shape[-1]
    half = hd // 2
    p = torch.arange(half, dtype=torch.float64)
    inv = torch.pow(torch.tensor(theta, dtype=torch.float64), -2.0 * p / hd).to(x.dtype)
    ang = pos.to(x.dtype)[:, None] * inv[None, :]  # [S, half]
    cos, sin = torch.cos(ang), torch.sin(ang)
    if style == "interleaved":
        x1, x2 = x[..., 0::2], x[..., 1::2]
        r1 = x1 * cos - x2 * sin
        r2 = x1 * sin + x2 * cos
        return torch.stack([r1, r2], dim=-1).flatten(-2)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class RefModel(nn.Module):
    """The spec's model. Weights are canonical ([out, in], q/k/v split) parameters named by key with
    '.' -> '__'. `fast_norm` uses F.layer_norm (exports as one ONNX LayerNormalization); otherwise
    the LayerNorm formula is written out."""

    def __init__(self, cfg, canon, dtype=torch.float64, fast_norm=False):
        super().__init__()
        self.cfg = cfg
        self.fast_norm = fast_norm
        for key, *_ in canonical_slots(cfg):
            t = torch.from_numpy(np.ascontiguousarray(canon[key])).to(dtype)
            self.register_parameter(key.replace(".", "__"), nn.Parameter(t, requires_grad=False))

    def w(self, key):
        return getattr(self, key.replace(".", "__"))

    def has(self, key):
        return hasattr(self, key.replace(".", "__"))

    def norm(self, x, base, kind, eps):
        g = self.w(base + ".weight")
        if kind == "rmsnorm":
            return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * g
        if self.fast_norm:
            return torch.nn.functional.layer_norm(x, (self.cfg.dim,), g, self.w(base + ".bias"), eps)
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) * (x - mu)).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + eps) * g + self.w(base + ".bias")

    def linear(self, x, base, bias):
        y = torch.matmul(x, self.w(base + ".weight").t())
        if bias:
            y = y + self.w(base + ".bias")
        return y

    def attention(self, x, i, L, pos):
        cfg = self.cfg
        B, S = x.shape[0], x.shape[1]
        H, KV, hd = L["heads"], L["kv_heads"], L["head_dim"]
        pre = "layers.%d.attn." % i
        q = self.linear(x, pre + "q", L["attn_bias"]).reshape(B, S, H, hd).transpose(1, 2)
        k = self.linear(x, pre + "k", L["attn_bias"]).reshape(B, S, KV, hd).transpose(1, 2)
        v = self.linear(x, pre + "v", L["attn_bias"]).reshape(B, S, KV, hd).transpose(1, 2)
        if cfg.position == "rope":
            q = rope(q, pos, cfg.rope_theta, cfg.rope_style)
            k = rope(k, pos, cfg.rope_theta, cfg.rope_style)
        if KV != H:  # query head h uses kv head h // (H / KV)
            g = H // KV
            k = k[:, :, None].expand(B, KV, g, S, hd).reshape(B, H, S, hd)
            v = v[:, :, None].expand(B, KV, g, S, hd).reshape(B, H, S, hd)
        s = torch.matmul(q, k.transpose(-1, -2)) * (hd ** -0.5)
        if L["causal"]:
            mask = pos[None, :] > pos[:, None]  # hide j > i
            s = s.masked_fill(mask, float("-inf"))
        p = torch.softmax(s, dim=-1)
        o = torch.matmul(p, v).transpose(1, 2).reshape(B, S, H * hd)
        return self.linear(o, pre + "o", L["attn_bias"])

    def mlp(self, x, i, L):
        pre = "layers.%d.mlp." % i
        up = self.linear(x, pre + "up", L["mlp_bias"])
        if L["mlp_kind"] == "glu":
            h = _act(self.linear(x, pre + "gate", L["mlp_bias"]), L["activation"]) * up
        else:
            h = _act(up, L["activation"])
        return self.linear(h, pre + "down", L["mlp_bias"])

    def forward(self, tokens, token_types=None):
        cfg = self.cfg
        tokens = tokens.long()
        S = tokens.shape[1]
        pos = torch.arange(S)
        x = torch.nn.functional.embedding(tokens, self.w("embed.tokens"))
        if cfg.position == "learned":
            x = x + torch.nn.functional.embedding(pos, self.w("embed.positions"))[None]
        if cfg.token_types > 0:
            if token_types is None:
                token_types = torch.zeros_like(tokens)
            x = x + torch.nn.functional.embedding(token_types.long(), self.w("embed.token_types"))
        if cfg.embed_norm:
            x = self.norm(x, "embed.norm", cfg.norm, cfg.norm_eps)
        for i, L in enumerate(cfg.layer):
            an, mn = "layers.%d.attn_norm" % i, "layers.%d.mlp_norm" % i
            if L["placement"] == "pre":
                x = x + self.attention(self.norm(x, an, L["norm"], L["norm_eps"]), i, L, pos)
                x = x + self.mlp(self.norm(x, mn, L["norm"], L["norm_eps"]), i, L)
            else:
                x = self.norm(x + self.attention(x, i, L, pos), an, L["norm"], L["norm_eps"])
                x = self.norm(x + self.mlp(x, i, L), mn, L["norm"], L["norm_eps"])
        if cfg.final_norm:
            x = self.norm(x, "final_norm", cfg.norm, cfg.norm_eps)
        if cfg.output == "hidden":
            return x
        hw = self.w("embed.tokens") if cfg.tied else self.w("head.weight")
        y = torch.matmul(x, hw.t())
        if cfg.head_bias:
            y = y + self.w("head.bias")
        return y


def build_module(spec, weights, dtype=torch.float64, fast_norm=False):
    """nn.Module for `spec` from checkpoint-named `weights` (dict or safetensors path)."""
    cfg = load_spec(spec)
    if isinstance(weights, (str, os.PathLike)):
        weights = read_safetensors(weights)
    m = RefModel(cfg, checkpoint_to_slots(cfg, weights), dtype=dtype, fast_norm=fast_norm)
    return m.eval()


def _check_inputs(cfg, tokens, token_types):
    tokens = np.asarray(tokens)
    if tokens.ndim != 2:
        raise ValueError("tokens must be [batch, seq], got shape %s" % (tokens.shape,))
    if not 1 <= tokens.shape[1] <= cfg.max_seq:
        raise ValueError("seq %d out of [1, max_seq=%d]" % (tokens.shape[1], cfg.max_seq))
    if tokens.min() < 0 or tokens.max() >= cfg.vocab:
        raise ValueError("token id out of [0, vocab=%d)" % cfg.vocab)
    if cfg.token_types > 0 and token_types is not None:
        tt = np.asarray(token_types)
        if tt.shape != tokens.shape:
            raise ValueError("token_types shape %s != tokens shape %s" % (tt.shape, tokens.shape))
        if tt.min() < 0 or tt.max() >= cfg.token_types:
            raise ValueError("token type out of [0, %d)" % cfg.token_types)


def forward(spec, weights, tokens, token_types=None, module=None):
    """Run the oracle in float64. Returns float64 ndarray [batch, seq, vocab|dim]."""
    cfg = load_spec(spec)
    _check_inputs(cfg, tokens, token_types)
    m = module if module is not None else build_module(cfg, weights, dtype=torch.float64)
    tt = None if token_types is None else torch.from_numpy(np.asarray(token_types).astype(np.int64))
    with torch.no_grad():
        y = m(torch.from_numpy(np.asarray(tokens).astype(np.int64)), tt)
    return y.numpy()


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen-weights", help="write random weights for SPEC")
    g.add_argument("spec")
    g.add_argument("out")
    g.add_argument("--seed", type=int, default=0)
    r = sub.add_parser("run", help="run the oracle")
    r.add_argument("spec")
    r.add_argument("weights")
    r.add_argument("--tokens", required=True)
    r.add_argument("--token-types")
    r.add_argument("--out", required=True)
    r.add_argument("--f64", action="store_true", help="write float64 (default float32)")
    n = sub.add_parser("names", help="print checkpoint tensor names and shapes the spec expects")
    n.add_argument("spec")
    a = ap.parse_args(argv)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    try:
        if a.cmd == "gen-weights":
            write_safetensors(a.out, random_weights(a.spec, a.seed),
                              metadata={"generator": "modelc reference.py", "seed": str(a.seed)})
        elif a.cmd == "names":
            for k, s in sorted(expected_weights(a.spec).items()):
                print(k, list(s))
        else:
            tokens = np.load(a.tokens)
            tt = np.load(a.token_types) if a.token_types else None
            y = forward(a.spec, read_safetensors(a.weights), tokens, tt)
            np.save(a.out, y if a.f64 else y.astype(np.float32))
    except (SpecError, ValueError, OSError) as e:
        print("reference.py: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
