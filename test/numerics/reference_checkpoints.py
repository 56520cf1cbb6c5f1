#!/usr/bin/python3
"""Writes a random checkpoint named as a reference implementation names it, for the schemes test.

    reference_checkpoints.py fla|lolcats SPEC OUT.safetensors [--seed N]

The names come from the state_dict() of a torch module tree that mirrors the reference code's
module attributes (fla.models.LinearAttentionForCausalLM with fla.layers.LinearAttention;
LoLCATs' LolcatsLinearAttention in a Hugging Face LlamaForCausalLM), not from the scheme files, so
loading the result checks the schemes against the reference layouts. Sizes come from SPEC.
"""
import argparse
import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as ref  # noqa: E402


class RMSNorm(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n))


def linear(i, o):
    return nn.Linear(i, o, bias=False)


class GatedMLP(nn.Module):  # fla.modules.GatedMLP and LlamaMLP: the same attributes
    def __init__(self, d, hidden):
        super().__init__()
        self.gate_proj, self.up_proj, self.down_proj = linear(d, hidden), linear(d, hidden), linear(hidden, d)


class FlaLinearAttention(nn.Module):  # fla.layers.LinearAttention, output_norm = "rmsnorm"
    def __init__(self, d, heads, hd):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj = (linear(d, heads * hd) for _ in range(3))
        self.norm = RMSNorm(hd)
        self.o_proj = linear(heads * hd, d)


class FlaBlock(nn.Module):  # fla.models.linear_attn LinearAttentionBlock
    def __init__(self, d, heads, hd, hidden):
        super().__init__()
        self.attn_norm, self.attn = RMSNorm(d), FlaLinearAttention(d, heads, hd)
        self.mlp_norm, self.mlp = RMSNorm(d), GatedMLP(d, hidden)


class FeatureMapMLP(nn.Module):  # lolcats src/model/feature_map.py, untied_head_einsum
    def __init__(self, heads, hd, f):
        super().__init__()
        self.layer = nn.Parameter(torch.empty(heads, hd, f))


class FeatureMap(nn.Module):
    def __init__(self, heads, hd, f):
        super().__init__()
        self.mlp = FeatureMapMLP(heads, hd, f)


class LolcatsAttention(nn.Module):  # LolcatsLinearAttention: the Llama projections + feature maps
    def __init__(self, d, heads, hd, f):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj = (linear(d, heads * hd) for _ in range(3))
        self.o_proj = linear(heads * hd, d)
        self.feature_map_q, self.feature_map_k = FeatureMap(heads, hd, f), FeatureMap(heads, hd, f)


class LlamaLayer(nn.Module):
    def __init__(self, d, heads, hd, f, hidden):
        super().__init__()
        self.input_layernorm, self.self_attn = RMSNorm(d), LolcatsAttention(d, heads, hd, f)
        self.post_attention_layernorm, self.mlp = RMSNorm(d), GatedMLP(d, hidden)


class Body(nn.Module):
    def __init__(self, embed, layers, norm):
        super().__init__()
        setattr(self, embed[0], embed[1])
        self.layers = nn.ModuleList(layers)
        self.norm = norm


class CausalLM(nn.Module):
    def __init__(self, body, d, vocab):
        super().__init__()
        self.model, self.lm_head = body, linear(d, vocab)


def build(kind, spec):
    d, V = spec.dim, spec.vocab
    layers = []
    for L in spec.layer:
        p = L.mixer.p
        hidden = L.channel.p.hidden
        if kind == "fla":
            layers.append(FlaBlock(d, p.heads, p.head_dim, hidden))
        else:
            layers.append(LlamaLayer(d, p.heads, p.head_dim, p.feature_dim, hidden))
    embed = ("embeddings" if kind == "fla" else "embed_tokens", nn.Embedding(V, d))
    return CausalLM(Body(embed, layers, RMSNorm(d)), d, V)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kind", choices=("fla", "lolcats"))
    ap.add_argument("spec")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    torch.manual_seed(a.seed)
    state = build(a.kind, ref.load_spec(a.spec)).state_dict()
    tensors = {}
    for name, t in state.items():
        fan_in = t.shape[-1] if t.dim() > 1 else 1
        scale = 1.0 / fan_in ** 0.5 if t.dim() > 1 else 0.1
        base = 1.0 if t.dim() == 1 else 0.0  # norm weights around 1
        tensors[name] = (base + scale * torch.randn(t.shape, dtype=torch.float64)).float().numpy()
    ref.write_safetensors(a.out, tensors, metadata={"generator": "reference_checkpoints.py " + a.kind})
    print("%d tensors" % len(tensors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
