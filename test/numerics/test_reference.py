"""Tests of the PyTorch oracle (reference.py) against independent formulations.

Run: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m pytest test/numerics -q
`transformers` is not installed here, so the oracle is checked against hand-written HF-style models
(GPT-2 Conv1D + fused c_attn, BERT post-LN, HF Llama rotate_half + repeat_kv), a naive per-element
attention loop, and the Meta->HF rotary permutation.
"""
import json
import math
import os
import stat
import struct
import subprocess
import sys
import textwrap

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference as ref  # noqa: E402
from safetensors_io import read_safetensors, write_safetensors, read_header  # noqa: E402

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
    cfg = ref.parse_spec(__import__("tomllib").loads(text))
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
    assert cfg.final_norm is True and cfg.tied and cfg.layer[0]["head_dim"] == 8
    L0, L1 = cfg.layer
    assert L0["causal"] and L0["attn_bias"] and L0["mlp_bias"] and L0["norm"] == "layernorm"
    assert not L1["causal"] and not L1["attn_bias"] and not L1["mlp_bias"] and L1["norm"] == "rmsnorm"
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


# ------------------------------------------------------------------------------------------------
# ops
# ------------------------------------------------------------------------------------------------

def test_activations_match_torch():
    x = torch.linspace(-6, 6, 1001, dtype=torch.float64)
    torch.testing.assert_close(ref._act(x, "gelu"), F.gelu(x), rtol=0, atol=1e-14)
    torch.testing.assert_close(ref._act(x, "gelu_tanh"), F.gelu(x, approximate="tanh"), rtol=0, atol=1e-14)
    torch.testing.assert_close(ref._act(x, "silu"), F.silu(x), rtol=0, atol=1e-14)
    torch.testing.assert_close(ref._act(x, "relu"), F.relu(x), rtol=0, atol=0)


def test_norms_match_torch():
    cfg = spec(GPT2_TINY)
    w = ref.random_weights(cfg, 0)
    m = ref.build_module(cfg, w)
    x = torch.randn(2, 5, 32, dtype=torch.float64) * 3 + 1
    g, b = m.w("layers.0.attn_norm.weight"), m.w("layers.0.attn_norm.bias")
    torch.testing.assert_close(m.norm(x, "layers.0.attn_norm", "layernorm", 1e-5),
                               F.layer_norm(x, (32,), g, b, 1e-5))
    rms = x / torch.sqrt((x ** 2).mean(-1, keepdim=True) + 1e-6) * g
    torch.testing.assert_close(m.norm(x, "layers.0.attn_norm", "rmsnorm", 1e-6), rms)


def naive_attention(x, Wq, bq, Wk, bk, Wv, bv, Wo, bo, H, KV, hd, causal):
    """Per-element loops with an explicit exp-sum softmax."""
    x = x.numpy()
    B, S, _ = x.shape
    q = x @ Wq.T + bq
    k = x @ Wk.T + bk
    v = x @ Wv.T + bv
    out = np.zeros((B, S, H * hd))
    for b_ in range(B):
        for h in range(H):
            kvh = h // (H // KV)
            for i in range(S):
                qi = q[b_, i, h * hd:(h + 1) * hd]
                scores = []
                for j in range(S):
                    if causal and j > i:
                        scores.append(None)
                        continue
                    kj = k[b_, j, kvh * hd:(kvh + 1) * hd]
                    scores.append(sum(qi[t] * kj[t] for t in range(hd)) / math.sqrt(hd))
                mx = max(s for s in scores if s is not None)
                e = [0.0 if s is None else math.exp(s - mx) for s in scores]
                z = sum(e)
                for j in range(S):
                    out[b_, i, h * hd:(h + 1) * hd] += e[j] / z * v[b_, j, kvh * hd:(kvh + 1) * hd]
    return out @ Wo.T + bo


@pytest.mark.parametrize("kv,causal", [(4, True), (4, False), (2, True), (1, True), (1, False)])
def test_attention_vs_naive_loop(kv, causal):
    D, H, hd = 24, 4, 5  # head_dim != dim/heads on purpose
    text = textwrap.dedent("""
        [model]
        name = "a"
        vocab = 10
        dim = 24
        layers = 1
        max_seq = 8
        [embed]
        position = "none"
        [block.attention]
        heads = 4
        kv_heads = %d
        head_dim = 5
        causal = %s
        """) % (kv, "true" if causal else "false")
    cfg = spec(text)
    w = ref.random_weights(cfg, 1)
    m = ref.build_module(cfg, w)
    x = torch.randn(2, 7, D, dtype=torch.float64)
    with torch.no_grad():
        got = m.attention(x, 0, cfg.layer[0], torch.arange(7)).numpy()
    g = lambda k: w["layers.0.attn.%s" % k]  # noqa: E731
    want = naive_attention(x, g("q.weight"), g("q.bias"), g("k.weight"), g("k.bias"), g("v.weight"),
                           g("v.bias"), g("o.weight"), g("o.bias"), H, kv, hd, causal)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    # and against a softmax over a masked score matrix built with F.softmax, per head
    if kv == 4:
        q = (x @ tt(g("q.weight")).T + tt(g("q.bias"))).reshape(2, 7, H, hd).transpose(1, 2)
        k = (x @ tt(g("k.weight")).T + tt(g("k.bias"))).reshape(2, 7, H, hd).transpose(1, 2)
        v = (x @ tt(g("v.weight")).T + tt(g("v.bias"))).reshape(2, 7, H, hd).transpose(1, 2)
        s = q @ k.transpose(-1, -2) / math.sqrt(hd)
        if causal:
            s = s + torch.triu(torch.full((7, 7), float("-inf"), dtype=torch.float64), 1)
        o = (F.softmax(s, -1) @ v).transpose(1, 2).reshape(2, 7, H * hd)
        np.testing.assert_allclose(got, (o @ tt(g("o.weight")).T + tt(g("o.bias"))).numpy(), rtol=1e-10, atol=1e-12)


def test_rope_definition():
    # pair p of position t rotates by t * theta^(-2p/hd): check one element by hand
    hd, theta = 8, 500.0
    x = torch.randn(1, 1, 6, hd, dtype=torch.float64)
    pos = torch.arange(6)
    for style in ("interleaved", "half"):
        y = ref.rope(x, pos, theta, style)
        for t in range(6):
            for p in range(hd // 2):
                i, j = (2 * p, 2 * p + 1) if style == "interleaved" else (p, p + hd // 2)
                a = t * theta ** (-2.0 * p / hd)
                c, s = math.cos(a), math.sin(a)
                xa, xb = x[0, 0, t, i].item(), x[0, 0, t, j].item()
                assert abs(y[0, 0, t, i].item() - (xa * c - xb * s)) < 1e-12
                assert abs(y[0, 0, t, j].item() - (xa * s + xb * c)) < 1e-12


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
    D, H = cfg.dim, cfg.layer[0]["heads"]
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
    D, H = cfg.dim, cfg.layer[0]["heads"]
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
    D, H, KV = cfg.dim, cfg.layer[0]["heads"], cfg.layer[0]["kv_heads"]
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
