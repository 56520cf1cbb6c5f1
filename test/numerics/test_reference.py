"""Tests of the PyTorch oracle (oracle/, reference.py) against independent formulations.

Run: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m pytest test/numerics -q
`transformers` is not installed here, so the oracle is checked against hand-written HF-style models
(GPT-2 Conv1D + fused c_attn, BERT post-LN, HF Llama rotate_half + repeat_kv) and the Meta->HF rotary
permutation. Each family's own cases (attention against a naive loop, both RoPE conventions, norms,
activations, ...) are registered in its file under oracle/blocks/ and run by test_registered_case.
The spec language's generic parts (patterns, channel = "none", the registry, the scheme files) are
tested here, with a throw-away mixer registered by a fixture.
"""
import json
import math
import os
import stat
import struct
import subprocess
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import oracle as ref  # noqa: E402
from oracle import registry, schemes, selftest, vision  # noqa: E402
from oracle.ops import linear  # noqa: E402
from oracle.registry import Key, Mixer, Slot  # noqa: E402
from oracle import read_safetensors, write_safetensors, read_header  # noqa: E402

torch.set_num_threads(1)

GPT2_TINY = """
[model]
name = "gpt2-tiny"
vocab = 97
dim = 32
layers = 2
max_seq = 16
output = "logits"
[embed]
position = "learned"
[block]
norm = "layernorm"
norm_eps = 1e-5
placement = "pre"
[block.attention]
heads = 4
causal = true
[block.mlp]
hidden = 64
activation = "gelu_tanh"
[head]
tied = true
[weights]
scheme = "gpt2"
"""

BERT_TINY = """
[model]
name = "bert-tiny"
vocab = 101
dim = 32
layers = 2
max_seq = 16
output = "hidden"
[embed]
position = "learned"
token_types = 2
norm = true
[block]
norm = "layernorm"
norm_eps = 1e-12
placement = "post"
[block.attention]
heads = 4
causal = false
[block.mlp]
hidden = 64
activation = "gelu"
[weights]
scheme = "bert"
"""

LLAMA_TINY = """
[model]
name = "llama-tiny"
vocab = 89
dim = 48
layers = 2
max_seq = 32
output = "logits"
[embed]
position = "rope"
rope_theta = {theta}
rope_style = "{style}"
[block]
norm = "rmsnorm"
norm_eps = 1e-6
bias = false
[block.attention]
heads = 6
kv_heads = {kv}
[block.mlp]
kind = "glu"
hidden = 80
activation = "silu"
[head]
tied = false
[weights]
scheme = "llama"
"""


def spec(text, tmp_path=None, name="s.toml"):
    cfg = ref.loads_spec(text)
    if tmp_path is not None:
        p = tmp_path / name
        p.write_text(text)
        return cfg, str(p)
    return cfg


def tt(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


# ------------------------------------------------------------------------------------------------
# safetensors
# ------------------------------------------------------------------------------------------------

def test_safetensors_roundtrip(tmp_path):
    rng = np.random.default_rng(0)
    t = {"a.weight": rng.standard_normal((3, 5)).astype(np.float32),
         "b": np.arange(7, dtype=np.int32), "c": np.array(2.5, dtype=np.float64),
         "e": np.zeros((0, 4), np.float32)}
    p = tmp_path / "x.safetensors"
    write_safetensors(p, t, metadata={"k": "v"})
    back, meta = read_safetensors(p, with_metadata=True)
    assert meta == {"k": "v"}
    assert set(back) == set(t)
    for k in t:
        assert back[k].dtype == t[k].dtype and back[k].shape == t[k].shape
        np.testing.assert_array_equal(back[k], t[k])
    raw = p.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0
    h = json.loads(raw[8:8 + n])
    assert h["a.weight"] == {"dtype": "F32", "shape": [3, 5], "data_offsets": h["a.weight"]["data_offsets"]}
    b, e = h["b"]["data_offsets"]
    assert np.frombuffer(raw[8 + n + b:8 + n + e], "<i4").tolist() == list(range(7))
    assert read_header(p)[1] == 8 + n


# ------------------------------------------------------------------------------------------------
# spec parsing and weight naming
# ------------------------------------------------------------------------------------------------

def test_defaults_and_overrides():
    cfg = spec(GPT2_TINY + """
[[layer]]
index = 1
bias = false
norm = "rmsnorm"
[layer.attention]
causal = false
""")
    assert cfg.final_norm is True and cfg.tied and cfg.layer[0].mixer.p.head_dim == 8
    L0, L1 = cfg.layer
    assert L0.mixer.p.causal and L0.mixer.p.bias and L0.channel.p.bias and L0.norm.name == "layernorm"
    assert not L1.mixer.p.causal and not L1.mixer.p.bias and not L1.channel.p.bias and L1.norm.name == "rmsnorm"
    assert cfg.norm.name == "layernorm"  # the embed/final norm ignores overrides
    names = ref.expected_weights(cfg)
    assert "h.1.attn.c_attn.bias" not in names and "h.1.ln_1.bias" not in names
    assert names["h.0.attn.c_attn.weight"] == (32, 96)  # Conv1D [in, out]
    assert names["h.1.mlp.c_fc.weight"] == (32, 64)
    post = spec(BERT_TINY)
    assert post.final_norm is False


def test_unknown_key_and_bad_values():
    with pytest.raises(ref.SpecError, match="unknown key"):
        spec(GPT2_TINY.replace("causal = true", "casual = true"))
    with pytest.raises(ref.SpecError, match="activation"):
        spec(GPT2_TINY.replace('"gelu_tanh"', '"swish"'))
    with pytest.raises(ref.SpecError, match="kv_heads"):
        spec(LLAMA_TINY.format(theta=1e4, style="half", kv=4))


def test_names_prefix_and_overrides():
    cfg = spec(GPT2_TINY.replace('scheme = "gpt2"', 'scheme = "gpt2"\nprefix = "transformer."\n'
                                 '[weights.names]\n"layer.attn.o.weight" = "blk{i}.proj"'))
    names = ref.expected_weights(cfg)
    assert "transformer.wte.weight" in names and "transformer.h.0.ln_1.weight" in names
    assert names["transformer.blk1.proj"] == (32, 32)
    assert "transformer.h.1.attn.c_proj.bias" in names
    llama = spec(LLAMA_TINY.format(theta=1e4, style="half", kv=2))
    n = ref.expected_weights(llama)
    assert n["model.layers.0.self_attn.k_proj.weight"] == (16, 48)
    assert n["lm_head.weight"] == (89, 48) and "model.norm.weight" in n
    assert not any(k.endswith(".bias") for k in n)
    with pytest.raises(ref.SpecError, match="no name"):
        ref.expected_weights(spec(GPT2_TINY.replace("tied = true", "tied = false")))


def test_random_weights_roundtrip(tmp_path):
    for text in (GPT2_TINY, BERT_TINY, LLAMA_TINY.format(theta=1e4, style="half", kv=2)):
        cfg = spec(text)
        w = ref.random_weights(cfg, seed=3)
        assert {k: v.shape for k, v in w.items()} == ref.expected_weights(cfg)
        assert all(v.dtype == np.float32 for v in w.values())
        p = tmp_path / "w.safetensors"
        write_safetensors(p, w)
        canon = ref.checkpoint_to_slots(cfg, read_safetensors(p))
        np.testing.assert_array_equal(ref.slots_to_checkpoint(cfg, canon)[next(iter(w))], w[next(iter(w))])
        w2 = dict(w)
        k = sorted(w2)[0]
        w2[k] = w2[k][..., :1]
        with pytest.raises(ref.SpecError, match="shape"):
            ref.checkpoint_to_slots(cfg, w2)


def test_unit_axes_hold_a_slot():
    """A 1x1 convolution's [out, in, 1, 1] holds a linear's [out, in]; a leading unit axis or a
    trailing axis of another size does not."""
    cfg = spec(LLAMA_TINY.format(theta=1e4, style="half", kv=2))
    w = ref.random_weights(cfg, seed=3)
    k = next(n for n in w if w[n].ndim == 2 and w[n].shape[0] != w[n].shape[1])
    conv = dict(w, **{k: w[k][:, :, None, None]})
    got, want = ref.checkpoint_to_slots(cfg, conv), ref.checkpoint_to_slots(cfg, w)
    assert got.keys() == want.keys()
    for key in want:
        np.testing.assert_array_equal(got[key], want[key])
    for bad in (w[k][None], np.repeat(w[k][:, :, None], 2, axis=2)):
        with pytest.raises(ref.SpecError, match="shape"):
            ref.checkpoint_to_slots(cfg, dict(w, **{k: bad}))


# ------------------------------------------------------------------------------------------------
# every family's registered cases (oracle/blocks/*.py), and the RoPE conventions in whole models
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", selftest.cases(), ids=lambda c: c.id)
def test_registered_case(case):
    case.check()


def test_every_family_has_a_registered_case():
    # a family file without a case is a gap; look for its name in the cases' specs
    texts = "\n".join(c.text for c in selftest.cases())
    for role in registry.ROLES:
        for name in registry.names(role):
            fam = registry.get(role, name)
            assert fam.__doc__, "%s %s has no docstring" % (role, name)
            named = '"%s"' % name in texts or "[%s.%s]" % (registry.ROLES[role][1], name) in texts
            assert registry.default(role) == name or named, "%s %s: no registered case" % (role, name)


def hf_permute(w, n_heads):
    """transformers/models/llama/convert_llama_weights_to_hf.py: Meta (interleaved) -> HF (half)."""
    dim1, dim2 = w.shape
    return w.reshape(n_heads, dim1 // n_heads // 2, 2, dim2).transpose(0, 2, 1, 3).reshape(dim1, dim2)


@pytest.mark.parametrize("kv", [6, 2, 1])
def test_rope_interleaved_equals_half_under_hf_permutation(kv):
    meta = spec(LLAMA_TINY.format(theta=10000.0, style="interleaved", kv=kv))
    hf = spec(LLAMA_TINY.format(theta=10000.0, style="half", kv=kv))
    w = ref.random_weights(meta, 5)
    w_hf = dict(w)
    for i in range(2):
        q, k = "model.layers.%d.self_attn.q_proj.weight" % i, "model.layers.%d.self_attn.k_proj.weight" % i
        w_hf[q] = hf_permute(w[q], 6)
        w_hf[k] = hf_permute(w[k], kv)
    toks = np.random.default_rng(0).integers(0, 89, (2, 19))
    a = ref.forward(meta, w, toks)
    b = ref.forward(hf, w_hf, toks)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    # and without the permutation the conventions really differ
    c = ref.forward(hf, w, toks)
    assert np.abs(a - c).max() > 1e-3


# ------------------------------------------------------------------------------------------------
# whole models vs hand-written HF-style implementations (nn.Linear / Conv1D / nn.LayerNorm)
# ------------------------------------------------------------------------------------------------

def hf_gpt2(w, cfg, tokens):
    """HF GPT2LMHeadModel forward, Conv1D = addmm(b, x, W[in,out]), fused c_attn split in columns."""
    T = {k: tt(v) for k, v in w.items()}
    D, H = cfg.dim, cfg.layer[0].mixer.p.heads
    hd = D // H
    ids = torch.from_numpy(tokens)
    S = ids.shape[1]
    h = T["wte.weight"][ids] + T["wpe.weight"][torch.arange(S)]

    def conv1d(x, p):
        return torch.addmm(T[p + ".bias"], x.reshape(-1, x.shape[-1]), T[p + ".weight"]).reshape(*x.shape[:-1], -1)

    for i in range(cfg.layers):
        p = "h.%d." % i
        a = F.layer_norm(h, (D,), T[p + "ln_1.weight"], T[p + "ln_1.bias"], 1e-5)
        q, k, v = conv1d(a, p + "attn.c_attn").split(D, dim=2)
        sh = lambda t: t.view(t.shape[0], t.shape[1], H, hd).permute(0, 2, 1, 3)  # noqa: E731
        q, k, v = sh(q), sh(k), sh(v)
        att = q @ k.transpose(-1, -2) / math.sqrt(hd)
        causal = torch.tril(torch.ones(S, S, dtype=torch.bool))
        att = torch.where(causal, att, torch.tensor(torch.finfo(att.dtype).min, dtype=att.dtype))
        o = (F.softmax(att, -1) @ v).permute(0, 2, 1, 3).reshape(h.shape)
        h = h + conv1d(o, p + "attn.c_proj")
        m = F.layer_norm(h, (D,), T[p + "ln_2.weight"], T[p + "ln_2.bias"], 1e-5)
        h = h + conv1d(F.gelu(conv1d(m, p + "mlp.c_fc"), approximate="tanh"), p + "mlp.c_proj")
    h = F.layer_norm(h, (D,), T["ln_f.weight"], T["ln_f.bias"], 1e-5)
    return F.linear(h, T["wte.weight"]).numpy()


def test_gpt2_vs_hf_style():
    cfg = spec(GPT2_TINY)
    w = ref.random_weights(cfg, 7)
    toks = np.random.default_rng(1).integers(0, cfg.vocab, (3, 16))
    np.testing.assert_allclose(ref.forward(cfg, w, toks), hf_gpt2(w, cfg, toks), rtol=1e-9, atol=1e-10)


def test_gpt2_conv1d_layout_vs_linear():
    # the same canonical weights under the gpt2 (Conv1D, fused) and modelc (nn.Linear) schemes
    g = spec(GPT2_TINY)
    mc = spec(GPT2_TINY.replace('scheme = "gpt2"', 'scheme = "modelc"'))
    wg = ref.random_weights(g, 2)
    canon = ref.checkpoint_to_slots(g, wg)
    wm = ref.slots_to_checkpoint(mc, canon)
    assert "layers.0.attn.q.weight" in wm and wm["layers.0.mlp.up.weight"].shape == (64, 32)
    # Conv1D(x) == nn.Linear with the transposed weight
    lin = torch.nn.Linear(32, 64).double()
    with torch.no_grad():
        lin.weight.copy_(tt(wm["layers.0.mlp.up.weight"]))
        lin.bias.copy_(tt(wm["layers.0.mlp.up.bias"]))
        x = torch.randn(5, 32, dtype=torch.float64)
        torch.testing.assert_close(lin(x), torch.addmm(tt(wg["h.0.mlp.c_fc.bias"]), x, tt(wg["h.0.mlp.c_fc.weight"])))
    toks = np.random.default_rng(2).integers(0, 97, (2, 9))
    np.testing.assert_allclose(ref.forward(g, wg, toks), ref.forward(mc, wm, toks), rtol=0, atol=1e-12)


def hf_bert(w, cfg, tokens, types):
    T = {k: tt(v) for k, v in w.items()}
    D, H = cfg.dim, cfg.layer[0].mixer.p.heads
    hd = D // H
    ids, ty = torch.from_numpy(tokens), torch.from_numpy(types)
    S = ids.shape[1]
    e = "embeddings."
    h = T[e + "word_embeddings.weight"][ids] + T[e + "position_embeddings.weight"][torch.arange(S)] \
        + T[e + "token_type_embeddings.weight"][ty]
    h = F.layer_norm(h, (D,), T[e + "LayerNorm.weight"], T[e + "LayerNorm.bias"], 1e-12)
    for i in range(cfg.layers):
        p = "encoder.layer.%d." % i
        lin = lambda x, n: F.linear(x, T[p + n + ".weight"], T[p + n + ".bias"])  # noqa: E731
        sh = lambda t: t.view(t.shape[0], S, H, hd).permute(0, 2, 1, 3)  # noqa: E731
        q, k, v = (sh(lin(h, "attention.self." + n)) for n in ("query", "key", "value"))
        o = (F.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), -1) @ v).permute(0, 2, 1, 3).reshape(h.shape)
        h = F.layer_norm(lin(o, "attention.output.dense") + h, (D,), T[p + "attention.output.LayerNorm.weight"],
                         T[p + "attention.output.LayerNorm.bias"], 1e-12)
        m = lin(F.gelu(lin(h, "intermediate.dense")), "output.dense")
        h = F.layer_norm(m + h, (D,), T[p + "output.LayerNorm.weight"], T[p + "output.LayerNorm.bias"], 1e-12)
    return h.numpy()


def test_bert_vs_hf_style():
    cfg = spec(BERT_TINY)
    w = ref.random_weights(cfg, 4)
    rng = np.random.default_rng(3)
    toks, types = rng.integers(0, cfg.vocab, (2, 11)), rng.integers(0, 2, (2, 11))
    np.testing.assert_allclose(ref.forward(cfg, w, toks, types), hf_bert(w, cfg, toks, types),
                               rtol=1e-9, atol=1e-10)


def hf_llama(w, cfg, tokens, theta):
    """HF LlamaForCausalLM forward: rotate_half RoPE, repeat_kv, SwiGLU, RMSNorm, untied lm_head."""
    T = {k: tt(v) for k, v in w.items()}
    D, H, KV = cfg.dim, cfg.layer[0].mixer.p.heads, cfg.layer[0].mixer.p.kv_heads
    hd = D // H
    ids = torch.from_numpy(tokens)
    B, S = ids.shape

    def rms(x, g):
        return g * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))

    inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    freqs = torch.outer(torch.arange(S, dtype=torch.float64), inv_freq)
    emb = torch.cat((freqs, freqs), -1)
    cos, sin = emb.cos(), emb.sin()

    def rotate_half(x):
        return torch.cat((-x[..., hd // 2:], x[..., :hd // 2]), -1)

    h = T["model.embed_tokens.weight"][ids]
    for i in range(cfg.layers):
        p = "model.layers.%d." % i
        a = rms(h, T[p + "input_layernorm.weight"])
        q = F.linear(a, T[p + "self_attn.q_proj.weight"]).view(B, S, H, hd).transpose(1, 2)
        k = F.linear(a, T[p + "self_attn.k_proj.weight"]).view(B, S, KV, hd).transpose(1, 2)
        v = F.linear(a, T[p + "self_attn.v_proj.weight"]).view(B, S, KV, hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k = k[:, :, None].expand(B, KV, H // KV, S, hd).reshape(B, H, S, hd)  # repeat_kv
        v = v[:, :, None].expand(B, KV, H // KV, S, hd).reshape(B, H, S, hd)
        o = F.scaled_dot_product_attention(q, k, v, is_causal=True) if hasattr(F, "scaled_dot_product_attention") \
            else F.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd)
                           + torch.triu(torch.full((S, S), float("-inf"), dtype=torch.float64), 1), -1) @ v
        h = h + F.linear(o.transpose(1, 2).reshape(B, S, D), T[p + "self_attn.o_proj.weight"])
        m = rms(h, T[p + "post_attention_layernorm.weight"])
        g = F.silu(F.linear(m, T[p + "mlp.gate_proj.weight"])) * F.linear(m, T[p + "mlp.up_proj.weight"])
        h = h + F.linear(g, T[p + "mlp.down_proj.weight"])
    return F.linear(rms(h, T["model.norm.weight"]), T["lm_head.weight"]).numpy()


@pytest.mark.parametrize("kv", [6, 3, 1])
def test_llama_vs_hf_style(kv):
    cfg = spec(LLAMA_TINY.format(theta=500000.0, style="half", kv=kv))
    w = ref.random_weights(cfg, 9)
    toks = np.random.default_rng(4).integers(0, cfg.vocab, (2, 32))
    np.testing.assert_allclose(ref.forward(cfg, w, toks), hf_llama(w, cfg, toks, 500000.0), rtol=1e-9, atol=1e-10)


def test_layer_override_changes_only_that_layer():
    base = spec(GPT2_TINY)
    over = spec(GPT2_TINY + "\n[[layer]]\nindex = [1]\n[layer.attention]\ncausal = false\n")
    w = ref.random_weights(base, 0)
    toks = np.random.default_rng(0).integers(0, 97, (1, 10))
    a, b = ref.forward(base, w, toks), ref.forward(over, w, toks)
    # the last position attends to everything in both; earlier ones differ
    np.testing.assert_allclose(a[:, -1], b[:, -1], rtol=1e-10, atol=1e-12)
    assert np.abs(a[:, 0] - b[:, 0]).max() > 1e-3


def test_causal_prefix_consistency():
    cfg = spec(GPT2_TINY)
    w = ref.random_weights(cfg, 0)
    toks = np.random.default_rng(5).integers(0, 97, (2, 16))
    full = ref.forward(cfg, w, toks)
    np.testing.assert_allclose(ref.forward(cfg, w, toks[:, :5]), full[:, :5], rtol=1e-10, atol=1e-12)


def test_float32_fast_module_matches_oracle():
    cfg = spec(BERT_TINY)
    w = ref.random_weights(cfg, 0)
    m = ref.build_module(cfg, w, dtype=torch.float32, fast_norm=True)
    rng = np.random.default_rng(0)
    toks, types = rng.integers(0, cfg.vocab, (2, 9)), rng.integers(0, 2, (2, 9))
    with torch.no_grad():
        got = m(torch.from_numpy(toks), torch.from_numpy(types)).numpy()
    want = ref.forward(cfg, w, toks, types)
    assert np.abs(got - want).max() / np.abs(want).max() < 1e-5


def test_activations_are_order_one():
    cfg = spec(GPT2_TINY)
    y = ref.forward(cfg, ref.random_weights(cfg, 0), np.random.default_rng(0).integers(0, 97, (1, 16)))
    assert 0.1 < np.abs(y).max() < 50


# ------------------------------------------------------------------------------------------------
# the registry: a throw-away token mixer registered by a test is usable from a spec
# ------------------------------------------------------------------------------------------------

class Shift(Mixer):
    """y_t = W x_(t - steps) (+ b), zero before the start: a token mixer with one weight."""
    keys = (Key("steps", int, 1, min=1), Key("bias", bool, lambda p, ctx: ctx.bias))

    def slots(self, spec):
        out = [Slot("layer.shift.proj.weight", (spec.dim, spec.dim), "linear")]
        if self.p.bias:
            out.append(Slot("layer.shift.proj.bias", (spec.dim,), "bias"))
        return out

    def forward(self, x, w, env):
        s = self.p.steps
        shifted = torch.cat([torch.zeros_like(x[:, :s]), x[:, :-s]], dim=1)[:, :x.shape[1]]
        return linear(shifted, w, "layer.shift.proj")


@pytest.fixture
def shift_mixer():
    registry.mixer("shift")(Shift)
    yield Shift
    registry.unregister("mixer", "shift")


HYBRID = """
[model]
name = "hybrid"
vocab = 20
dim = 16
layers = 5
max_seq = 8
output = "hidden"
[block]
mixer = ["attention", "shift", "shift"]
channel = ["mlp", "none"]
[block.attention]
heads = 2
[block.shift]
steps = 2
[block.mlp]
hidden = 24
[[layer]]
index = 3
mixer = "shift"
channel = "mlp"
[layer.shift]
steps = 1
"""


def test_pattern_and_overrides_pick_each_layers_family(shift_mixer):
    cfg = spec(HYBRID)
    # pattern[i % len]; layer 3's override wins over both patterns
    assert [L.mixer.name for L in cfg.layer] == ["attention", "shift", "shift", "shift", "shift"]
    assert [L.channel and L.channel.name for L in cfg.layer] == ["mlp", None, "mlp", "mlp", "mlp"]
    assert [L.mixer.p.steps for L in cfg.layer[1:]] == [2, 2, 1, 2]
    names = ref.expected_weights(cfg)
    assert names["layers.1.shift.proj.weight"] == (16, 16) and "layers.0.attn.q.weight" in names
    assert not any(k.startswith("layers.1.mlp") for k in names)  # no mlp_norm, no mlp
    assert "layers.2.mlp_norm.weight" in names and "layers.2.attn.q.weight" not in names


def test_hybrid_forward_is_its_parts_in_order(shift_mixer):
    cfg = spec(HYBRID)
    w = ref.random_weights(cfg, 2)
    m = ref.build_module(cfg, w)
    toks = np.random.default_rng(0).integers(0, 20, (2, 8))
    T = {k: tt(v) for k, v in w.items()}
    x = T["embed.tokens"][torch.from_numpy(toks)] + T["embed.positions"][:8]
    env = m.env(8)

    def ln(h, base):
        return F.layer_norm(h, (16,), T[base + ".weight"], T[base + ".bias"], 1e-5)

    with torch.no_grad():
        for i, L in enumerate(cfg.layer):
            lw = m.weights(i)
            h = ln(x, "layers.%d.attn_norm" % i)
            if L.mixer.name == "shift":  # written out: the previous `steps` tokens' projection
                s = L.mixer.p.steps
                prev = torch.cat([torch.zeros(2, s, 16, dtype=torch.float64), h[:, :-s]], 1)
                x = x + prev @ T["layers.%d.shift.proj.weight" % i].T + T["layers.%d.shift.proj.bias" % i]
            else:
                x = x + L.mixer.forward(h, lw, env)
            if L.channel is not None:
                x = x + L.channel.forward(ln(x, "layers.%d.mlp_norm" % i), lw, env)
        x = ln(x, "final_norm")
    np.testing.assert_allclose(ref.forward(cfg, w, toks), x.numpy(), rtol=1e-12, atol=1e-12)


def test_registered_family_keys_are_checked(shift_mixer):
    with pytest.raises(ref.SpecError, match=r"\[block.shift\]: unknown key\(s\) step"):
        spec(HYBRID.replace("steps = 2", "step = 2"))
    with pytest.raises(ref.SpecError, match="steps = '2': expected an integer"):
        spec(HYBRID.replace("steps = 2", 'steps = "2"'))
    with pytest.raises(ref.SpecError, match="steps = 0: must be >= 1"):
        spec(HYBRID.replace("steps = 1", "steps = 0"))
    with pytest.raises(ref.SpecError, match="mixer = 'shfit': expected one of (.*\\|)?attention\\|(.*\\|)?shift"):
        spec(HYBRID.replace('"attention", "shift", "shift"', '"attention", "shfit"'))
    # the scheme names the new slots by its fallback rule (modelc), or not at all
    assert "layers.1.shift.proj.bias" in ref.expected_weights(spec(HYBRID))
    llama = HYBRID + '[weights]\nscheme = "llama"\n[weights.names]\n"embed.positions" = "model.pos"\n'
    with pytest.raises(ref.SpecError, match="no name for slot 'layer.shift.proj.weight'"):
        ref.expected_weights(spec(llama))
    with pytest.raises(ref.SpecError, match="no name for slot 'layer.shift.proj.weight'"):
        ref.expected_weights(spec(llama + '"layer.shift.proj" = "x"\n'))  # entries are exact slots
    n = ref.expected_weights(spec(llama + '"layer.shift.proj.weight" = "model.layers.{i}.shift.weight"\n'
                                  '"layer.shift.proj.bias" = "model.layers.{i}.shift.bias"\n'))
    assert n["model.layers.4.shift.weight"] == (16, 16) and "model.layers.4.shift.bias" in n


def test_unregistered_family_is_unknown(shift_mixer):
    registry.unregister("mixer", "shift")
    try:
        with pytest.raises(ref.SpecError, match=r"\[block\]: unknown key\(s\) shift"):
            spec(HYBRID)
    finally:
        registry.mixer("shift")(Shift)


def test_registration_errors(shift_mixer):
    with pytest.raises(ValueError, match="registered twice"):
        registry.mixer("shift")(Shift)
    with pytest.raises(TypeError, match="must derive from Mixer"):
        registry.mixer("bad")(type("Bad", (registry.Channel,), {}))
    with pytest.raises(ValueError, match="clashes"):
        registry.mixer("bad")(type("Bad", (Mixer,), {"table": "bias"}))
    with pytest.raises(ValueError, match="clash"):
        registry.norm("bad")(type("Bad", (registry.Norm,), {"keys": (Key("shift", int, 1),)}))
    with pytest.raises(ValueError, match="both claim"):
        registry.mixer("bad", default=True)(type("Bad", (Mixer,), {}))
    assert "bad" not in registry.names("mixer") and "bad" not in registry.names("norm")


# ------------------------------------------------------------------------------------------------
# patterns and channel = "none" with the built-in families
# ------------------------------------------------------------------------------------------------

def test_channel_none_equals_an_mlp_that_adds_zero():
    # pre placement: x + mlp(norm(x)) with a zero down projection is x, so a model whose layers
    # have no channel equals the same model with such an MLP, exactly
    none = spec(GPT2_TINY.replace('placement = "pre"', 'placement = "pre"\nchannel = "none"'))
    full = spec(GPT2_TINY)
    w = ref.random_weights(none, 3)
    names = ref.expected_weights(none)
    assert set(names) < set(ref.expected_weights(full))
    assert not any("ln_2" in k or ".mlp." in k for k in names)
    wf = ref.random_weights(full, 4)
    wf.update(w)
    for i in range(2):
        wf["h.%d.mlp.c_proj.weight" % i][:] = 0
        wf["h.%d.mlp.c_proj.bias" % i][:] = 0
    toks = np.random.default_rng(1).integers(0, 97, (2, 11))
    a, b = ref.forward(none, w, toks), ref.forward(full, wf, toks)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - ref.forward(full, ref.random_weights(full, 4), toks)).max() > 1e-3


def test_channel_pattern_with_builtin_families():
    cfg = spec(GPT2_TINY.replace("layers = 2", "layers = 3").replace(
        'placement = "pre"', 'placement = "pre"\nchannel = ["none", "mlp"]\nmixer = ["attention"]'))
    assert [L.channel and L.channel.name for L in cfg.layer] == [None, "mlp", None]
    names = ref.expected_weights(cfg)
    assert "h.1.mlp.c_fc.weight" in names and "h.0.mlp.c_fc.weight" not in names and "h.2.ln_2.weight" not in names
    y = ref.forward(cfg, ref.random_weights(cfg, 0), np.zeros((1, 4), np.int64))
    assert y.shape == (1, 4, 97) and np.isfinite(y).all()


@pytest.mark.parametrize("extra,match", [
    ('mixer = []', "non-empty array"),
    ('mixer = ["attention", 3]', "non-empty array of strings"),
    ('mixer = ["attention", "hyena"]', "mixer = 'hyena': expected one of"),
    ('channel = ["mlp", "hopfield"]', "channel = 'hopfield': expected one of "),
    ('norm = ["layernorm"]', "norm = \\['layernorm'\\]: expected a string$"),
    ('mixer = 3', "expected a string or an array of strings"),
])
def test_pattern_errors(extra, match):
    with pytest.raises(ref.SpecError, match=match):
        spec(GPT2_TINY.replace('norm = "layernorm"\n', "").replace('placement = "pre"', 'placement = "pre"\n' + extra))


def test_layer_override_takes_one_name():
    with pytest.raises(ref.SpecError, match="a per-layer pattern belongs in \\[block\\]"):
        spec(GPT2_TINY + '[[layer]]\nindex = 0\nchannel = ["mlp"]\n')


# ------------------------------------------------------------------------------------------------
# the scheme data files (frontend/schemes/*.toml, shared with the compiler)
# ------------------------------------------------------------------------------------------------

# docs/spec.md "Built-in schemes", a few rows per scheme
SCHEME_ROWS = {
    "modelc": {"embed.tokens": "embed.tokens", "layer.attn.q.bias": "layers.{i}.attn.q.bias",
               "final_norm.weight": "final_norm.weight", "layer.mlp.gate.weight": "layers.{i}.mlp.gate.weight"},
    "gpt2": {"embed.tokens": "wte.weight", "layer.attn.qkv.weight": "h.{i}.attn.c_attn.weight",
             "layer.mlp_norm.bias": "h.{i}.ln_2.bias", "final_norm.weight": "ln_f.weight",
             "layer.attn.q.weight": None, "embed.token_types": None, "head.weight": None},
    "bert": {"embed.norm.bias": "embeddings.LayerNorm.bias",
             "layer.attn_norm.weight": "encoder.layer.{i}.attention.output.LayerNorm.weight",
             "layer.mlp.up.bias": "encoder.layer.{i}.intermediate.dense.bias", "final_norm.weight": None,
             "layer.mlp.gate.weight": None},
    "llama": {"embed.tokens": "model.embed_tokens.weight", "layer.attn.q.bias": "model.layers.{i}.self_attn.q_proj.bias",
              "layer.mlp.gate.weight": "model.layers.{i}.mlp.gate_proj.weight", "head.weight": "lm_head.weight",
              "final_norm.weight": "model.norm.weight", "embed.positions": None},
    "fla": {"embed.tokens": "model.embeddings.weight", "layer.attn.out_norm.weight": "model.layers.{i}.attn.norm.weight",
            "layer.attn.v.weight": "model.layers.{i}.attn.v_proj.weight", "layer.attn.feature_q.weight": None,
            "layer.attn.q.weight": "model.layers.{i}.attn.q_proj.weight",
            "layer.delta.q_conv.weight": "model.layers.{i}.attn.q_conv1d.weight",
            "layer.delta.A_log": "model.layers.{i}.attn.A_log", "layer.mlp.gate.weight": "model.layers.{i}.mlp.gate_proj.weight",
            "final_norm.weight": "model.norm.weight", "head.weight": "lm_head.weight", "embed.positions": None},
    "kat": {"layer.kan.act1.weight_numerator": "blocks.{i}.mlp.act1.weight_numerator",
            "layer.kan.fc2.bias": "blocks.{i}.mlp.fc2.bias", "layer.attn.qkv.weight": "blocks.{i}.attn.qkv.weight",
            "layer.mlp_norm.weight": "blocks.{i}.norm2.weight", "final_norm.bias": "norm.bias",
            "embed.tokens": "embed.tokens"},
    "lolcats": {"layer.attn.feature_k.weight": "model.layers.{i}.self_attn.feature_map_k.mlp.layer",
                "layer.attn.o.weight": "model.layers.{i}.self_attn.o_proj.weight", "head.weight": "lm_head.weight"},
    "mamba": {"embed.tokens": "backbone.embeddings.weight", "layer.attn_norm.weight": "backbone.layers.{i}.norm.weight",
              "layer.mamba.in_proj.weight": "backbone.layers.{i}.mixer.in_proj.weight",
              "layer.mamba.conv1d.bias": "backbone.layers.{i}.mixer.conv1d.bias",
              "layer.mamba.A_log": "backbone.layers.{i}.mixer.A_log", "final_norm.weight": "backbone.norm_f.weight",
              "layer.mlp_norm.weight": None},
    "mixtral": {"layer.moe.router.weight": "model.layers.{i}.block_sparse_moe.gate.weight",
                "layer.moe.experts.3.gate.weight": "model.layers.{i}.block_sparse_moe.experts.3.w1.weight",
                "layer.moe.experts.0.up.weight": "model.layers.{i}.block_sparse_moe.experts.0.w3.weight",
                "layer.mlp.up.weight": None},
    "timm": {"embed.patch.weight": "patch_embed.proj.weight", "embed.patch.bias": "patch_embed.proj.bias",
             "embed.cls": "cls_token", "embed.positions": "pos_embed",
             "layer.attn_norm.weight": "blocks.{i}.norm1.weight", "layer.attn.qkv.weight": "blocks.{i}.attn.qkv.weight",
             "layer.attn.o.bias": "blocks.{i}.attn.proj.bias", "layer.mlp.up.weight": "blocks.{i}.mlp.fc1.weight",
             "layer.mlp.down.weight": "blocks.{i}.mlp.fc2.weight", "layer.attn_scale": "blocks.{i}.ls1.gamma",
             "final_norm.weight": "norm.weight", "head.norm.weight": "fc_norm.weight", "head.weight": "head.weight",
             "embed.tokens": None},
    "timm_swin": {"embed.norm.weight": "patch_embed.norm.weight",
                  "layer.downsample.reduction.weight": "layers.{stage}.downsample.reduction.weight",
                  "layer.attn.qkv.bias": "layers.{stage}.blocks.{in_stage}.attn.qkv.bias",
                  "layer.attn.relative_position_bias_table":
                      "layers.{stage}.blocks.{in_stage}.attn.relative_position_bias_table",
                  "head.weight": "head.fc.weight", "embed.cls": None},
    "hf_swin": {"embed.patch.weight": "swin.embeddings.patch_embeddings.projection.weight",
                "layer.downsample.reduction.weight": "swin.encoder.layers.{stage-1}.downsample.reduction.weight",
                "layer.attn.k.bias": "swin.encoder.layers.{stage}.blocks.{in_stage}.attention.self.key.bias",
                "layer.mlp.up.weight": "swin.encoder.layers.{stage}.blocks.{in_stage}.intermediate.dense.weight",
                "final_norm.weight": "swin.layernorm.weight", "head.weight": "classifier.weight",
                "layer.attn.qkv.weight": None},
    "timm_poolformer": {"embed.patch.weight": "stem.conv.weight",
                        "layer.downsample.bias": "stages.{stage}.downsample.conv.bias",
                        "layer.mlp.up.weight": "stages.{stage}.blocks.{in_stage}.mlp.fc1.weight",
                        "layer.mlp_scale": "stages.{stage}.blocks.{in_stage}.layer_scale2.scale",
                        "head.norm.weight": "head.norm.weight", "head.bias": "head.fc.bias",
                        "final_norm.weight": None},
}


def test_scheme_files_match_the_spec_table():
    assert schemes.names() == tuple(sorted(SCHEME_ROWS))
    for name, rows in SCHEME_ROWS.items():
        sc = schemes.load(name)
        for slot, want in rows.items():
            assert sc.template(slot) == want, (name, slot)
    assert schemes.load("gpt2").layout == "in_out" and schemes.load("llama").layout == "out_in"
    assert schemes.load("gpt2").fused == {"layer.attn.qkv": ["layer.attn.q", "layer.attn.k", "layer.attn.v"]}


@pytest.fixture
def scheme_dir(tmp_path, monkeypatch):
    """A copy of the scheme folder the test may add files to."""
    d = tmp_path / "schemes"
    d.mkdir()
    for f in os.listdir(schemes.SCHEMES_DIR):
        if f.endswith(".toml"):
            (d / f).write_bytes(open(os.path.join(schemes.SCHEMES_DIR, f), "rb").read())
    monkeypatch.setattr(schemes, "SCHEMES_DIR", str(d))
    schemes.load.cache_clear()
    yield d
    schemes.load.cache_clear()


def test_a_new_scheme_file_fuses_any_slots(scheme_dir):
    # a data file alone adds a scheme: here one that stores the GLU's gate and up in one tensor
    (scheme_dir / "gateup.toml").write_text('[scheme]\nname = "gateup"\nlayout = "in_out"\nfallback = true\n'
                                            '[names]\n"layer.mlp.gate_up" = "blk.{i}.gu"\n'
                                            '[fused]\n"layer.mlp.gate_up" = ["layer.mlp.gate", "layer.mlp.up"]\n')
    text = LLAMA_TINY.format(theta=1e4, style="half", kv=2)
    llama = spec(text)
    mine = spec(text.replace('scheme = "llama"', 'scheme = "gateup"'))
    w = ref.random_weights(llama, 1)
    wm = ref.slots_to_checkpoint(mine, ref.checkpoint_to_slots(llama, w))
    g, u = w["model.layers.1.mlp.gate_proj.weight"], w["model.layers.1.mlp.up_proj.weight"]
    np.testing.assert_array_equal(wm["blk.1.gu.weight"], np.concatenate([g, u]).T)  # [in, out]
    assert wm["layers.0.attn.q.weight"].shape == (48, 48)  # in_out: [in, out]
    toks = np.random.default_rng(0).integers(0, 89, (1, 9))
    np.testing.assert_array_equal(ref.forward(mine, wm, toks), ref.forward(llama, w, toks))
    with pytest.raises(ref.SpecError, match="stores layer.mlp.gate_up.weight as one tensor of layer.mlp.gate, "
                                            "layer.mlp.up, but layer 0 uses only layer.mlp.up"):
        ref.expected_weights(spec(text.replace('scheme = "llama"', 'scheme = "gateup"').replace('kind = "glu"', "")))


@pytest.mark.parametrize("body,match", [
    ('[scheme]\nname = "other"\nlayout = "out_in"\n', "must be the file's name"),
    ('[scheme]\nname = "bad"\nlayout = "rows"\n', "layout = 'rows'"),
    ('[scheme]\nname = "bad"\nlayout = "out_in"\nfallback = 1\n', "fallback: expected a boolean"),
    ('[scheme]\nname = "bad"\nlayout = "out_in"\n[fused]\n"a" = ["b"]\n', "at least two"),
    ('[scheme]\nname = "bad"\nlayout = "out_in"\n[renames]\n', "unknown table"),
])
def test_bad_scheme_files(scheme_dir, body, match):
    (scheme_dir / "bad.toml").write_text(body)
    with pytest.raises(ref.SpecError, match=match):
        spec(GPT2_TINY.replace('scheme = "gpt2"', 'scheme = "bad"'))


def test_reference_module_is_the_oracle():
    import reference
    assert reference.load_spec is ref.load_spec and reference.SpecError is ref.SpecError
    for name in ("random_weights", "build_module", "forward", "expected_weights", "checkpoint_to_slots",
                 "slots_to_checkpoint", "read_safetensors", "write_safetensors"):
        assert getattr(reference, name) is getattr(ref, name)


# ------------------------------------------------------------------------------------------------
# CLI and check_model.py (with a fake modelc that runs the float32 oracle)
# ------------------------------------------------------------------------------------------------

def test_cli_gen_and_run(tmp_path):
    _, sp = spec(BERT_TINY, tmp_path)
    w = tmp_path / "w.safetensors"
    py = sys.executable
    subprocess.run([py, os.path.join(HERE, "reference.py"), "gen-weights", sp, str(w), "--seed", "4"], check=True)
    rng = np.random.default_rng(0)
    np.save(tmp_path / "ids.npy", rng.integers(0, 101, (2, 5)).astype(np.int32))
    np.save(tmp_path / "tt.npy", rng.integers(0, 2, (2, 5)).astype(np.int32))
    subprocess.run([py, os.path.join(HERE, "reference.py"), "run", sp, str(w), "--tokens", str(tmp_path / "ids.npy"),
                    "--token-types", str(tmp_path / "tt.npy"), "--out", str(tmp_path / "ref.npy")], check=True)
    y = np.load(tmp_path / "ref.npy")
    assert y.shape == (2, 5, 32) and y.dtype == np.float32
    want = ref.forward(spec(BERT_TINY), ref.random_weights(spec(BERT_TINY), 4),
                       np.load(tmp_path / "ids.npy"), np.load(tmp_path / "tt.npy"))
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-6)


FAKE_MODELC = r'''#!{py}
# a stand-in for modelc: compile copies spec+weights, run evaluates the float32 oracle
import os, sys, shutil, json
sys.path.insert(0, {here!r})
import numpy as np
mode = os.environ.get("FAKE_MODE", "ok")
a = sys.argv[1:]
if a[0] == "compile":
    spec, w, opt, out = a[1], a[a.index("--weights") + 1], [x for x in a if x.startswith("-O")][0], a[a.index("-o") + 1]
    if mode == "compile_fail":
        print("error: something broke", file=sys.stderr); sys.exit(3)
    import reference as ref
    os.makedirs(out, exist_ok=True)
    name = ref.load_spec(spec).name
    json.dump({{"spec": os.path.abspath(spec), "w": os.path.abspath(w), "opt": opt}}, open(os.path.join(out, "lib%s.so" % name), "w"))
elif a[0] == "run":
    import torch, reference as ref
    info = json.load(open(a[1]))
    ins = {{}}
    i = 2
    outs = {{}}
    while i < len(a):
        k, v = a[i + 1].split("=", 1)
        (ins if a[i] == "--input" else outs)[k] = v
        i += 2
    toks = np.load(ins["tokens"])
    tt = np.load(ins["token_types"]) if "token_types" in ins else None
    m = ref.build_module(info["spec"], info["w"], dtype=torch.float32)
    with torch.no_grad():
        y = m(torch.from_numpy(toks.astype(np.int64)), None if tt is None else torch.from_numpy(tt.astype(np.int64))).numpy()
    if mode == "wrong":
        y = y * 1.01
    if mode == "nan":
        y[0, 0, 0] = np.nan
    (name, path), = outs.items()
    np.save(path, y)
'''


@pytest.fixture
def fake_modelc(tmp_path):
    p = tmp_path / "modelc"
    p.write_text(FAKE_MODELC.format(py=sys.executable, here=HERE))
    p.chmod(p.stat().st_mode | stat.S_IEXEC)
    return str(p)


@pytest.mark.parametrize("text", [GPT2_TINY, BERT_TINY], ids=["gpt2", "bert"])
def test_check_model_with_fake_modelc(tmp_path, fake_modelc, text):
    _, sp = spec(text, tmp_path)
    cmd = [sys.executable, os.path.join(HERE, "check_model.py"), "--modelc", fake_modelc, "--spec", sp,
           "--workdir", str(tmp_path / "wd"), "--batches", "1,2", "--seqs", "1,7,64,max"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = [ln for ln in p.stdout.strip().splitlines() if not ln.startswith("note:")]
    assert lines[-1] == "6 passed, 0 failed"
    assert lines[0].startswith("PASS ") and " O3 b=1 s=1 relmax=" in lines[0]
    assert any("s=16" in ln for ln in lines)


@pytest.mark.parametrize("mode,expect", [("wrong", "relmax="), ("nan", "NaN"), ("compile_fail", "something broke")])
def test_check_model_reports_failures(tmp_path, fake_modelc, mode, expect):
    _, sp = spec(GPT2_TINY, tmp_path)
    cmd = [sys.executable, os.path.join(HERE, "check_model.py"), "--modelc", fake_modelc, "--spec", sp,
           "--workdir", str(tmp_path / "wd"), "--batches", "1", "--seqs", "3,5", "--opt", "O0"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=dict(os.environ, FAKE_MODE=mode))
    assert p.returncode == 1
    assert expect in p.stdout
    assert p.stdout.strip().splitlines()[-1] == "0 passed, 2 failed"


def test_check_model_missing_modelc(tmp_path):
    _, sp = spec(GPT2_TINY, tmp_path)
    p = subprocess.run([sys.executable, os.path.join(HERE, "check_model.py"), "--modelc", str(tmp_path / "nope"),
                        "--spec", sp, "--workdir", str(tmp_path / "wd"), "--seqs", "2"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 1 and "cannot execute" in p.stdout


def test_relmax_helper():
    import check_model
    assert check_model.relmax([1.0, 2.0], [1.0, 2.0]) == 0
    assert check_model.relmax([1.0, 2.5], [1.0, 2.0]) == 0.25
    assert check_model.relmax([np.nan], [1.0]) == float("inf")
    assert check_model.parse_seqs("1,7,max,7", 16) == [1, 7, 16]
    assert check_model.parse_seqs("1,7,64,max", 16) == [1, 7, 16]
    with pytest.raises(ValueError):
        check_model.parse_seqs("17", 16)
    with pytest.raises(ValueError):
        check_model.parse_seqs("0", 16)


# ------------------------------------------------------------------------------------------------
# Hierarchical image stages
# ------------------------------------------------------------------------------------------------

MERGE = """[model]
name = "m"
dim = 8
layers = 2
input = "image"
output = "hidden"
[block]
mixer = "pooling"
[embed]
image_size = %d
patch = 4
stage_layers = [1, 1]
stage_dims = [8, 16]
%s
"""


def test_patch_merging_keys_and_errors():
    cfg = spec(MERGE % (16, 'down = "merge"'))
    assert cfg.merge and cfg.down == (2, 2, 0) and cfg.stages[1][2:] == (2, 2)
    for size, extra, msg in [(16, 'down = "merge"\ndown_stride = 2', "does not apply"),
                             (16, 'down = "merge"\ndown_padding = 0', "does not apply"),
                             (12, 'down = "merge"', "would merge a 3x3 grid"),
                             (16, "down_norm_eps = 1e-6", "only applies with down")]:
        with pytest.raises(ref.SpecError, match=msg):
            spec(MERGE % (size, extra))


def test_stage_placeholders_in_weight_names():
    cfg = spec(MERGE % (16, 'down = "merge"\n[weights.names]\n'
                            '"layer.downsample.reduction.weight" = "s{stage}.r"\n'
                            '"layer.attn_norm.weight" = "s{stage}.b{in_stage}.n"\n'
                            '"layer.downsample.norm.weight" = "s{stage-1}.d"'))
    names = ref.expected_weights(cfg)
    assert "s1.r" in names and "s0.b0.n" in names and "s1.b0.n" in names and "s0.d" in names
    with pytest.raises(ref.SpecError, match="the first stage has no stage before it"):
        ref.expected_weights(spec(MERGE % (16, 'down = "merge"\n[weights.names]\n'
                                                '"layer.attn_norm.weight" = "s{stage-1}.n"')))


HEAD_NORM = MERGE.replace('output = "hidden"', 'output = "classes"\nfinal_norm = false') % (16, "") + """
[head]
classes = 3
norm = true
%s
"""


def test_head_norm_eps():
    """[head] norm_eps sets the pooled token's norm eps (timm MetaFormer's head.norm at 1e-6), and
    needs norm = true."""
    cfg = spec(HEAD_NORM % "norm_eps = 1e-6")
    assert vision.head_norm(cfg).p.norm_eps == 1e-6 and cfg.norm.p.norm_eps == 1e-5
    with pytest.raises(ref.SpecError, match="norm_eps needs norm = true"):
        spec(HEAD_NORM.replace("norm = true", "norm = false") % "norm_eps = 1e-6")
