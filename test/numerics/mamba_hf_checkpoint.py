#!/usr/bin/python3
"""Writes a checkpoint named and shaped exactly like Hugging Face's MambaForCausalLM state dict
(the names are written out here, not taken from frontend/schemes/mamba.toml) for the config of
specs/mamba-hf.toml, and checks the oracle against a transcription of HF's MambaForCausalLM forward
(MambaMixer.slow_forward) on it. check_model.py --weights then compiles that checkpoint with modelc.

    mamba_hf_checkpoint.py SPEC OUT.safetensors
"""
import math
import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle as ref  # noqa: E402

# MambaConfig of specs/mamba-hf.toml
VOCAB, HIDDEN, LAYERS, STATE, EXPAND, CONV, EPS = 128, 32, 2, 8, 2, 4, 1e-5
INNER, RANK = EXPAND * HIDDEN, math.ceil(HIDDEN / 16)


def hf_state_dict(rng):
    """MambaForCausalLM's tensors (tied lm_head: not stored), initialised as HF's _init_weights does."""
    def normal(*shape, std=0.02):
        return (std * rng.standard_normal(shape)).astype(np.float32)
    sd = {"backbone.embeddings.weight": normal(VOCAB, HIDDEN, std=0.2),
          "backbone.norm_f.weight": 1 + normal(HIDDEN, std=0.1)}
    for i in range(LAYERS):
        p = "backbone.layers.%d." % i
        dt = np.exp(rng.uniform(math.log(1e-3), math.log(1e-1), INNER))
        sd.update({
            p + "norm.weight": 1 + normal(HIDDEN, std=0.1),
            p + "mixer.in_proj.weight": normal(2 * INNER, HIDDEN, std=HIDDEN ** -0.5),
            p + "mixer.conv1d.weight": normal(INNER, 1, CONV, std=CONV ** -0.5),
            p + "mixer.conv1d.bias": normal(INNER, std=0.1),
            p + "mixer.x_proj.weight": normal(RANK + 2 * STATE, INNER, std=INNER ** -0.5),
            p + "mixer.dt_proj.weight": normal(INNER, RANK, std=RANK ** -0.5),
            p + "mixer.dt_proj.bias": (dt + np.log(-np.expm1(-dt))).astype(np.float32),
            p + "mixer.A_log": np.log(np.tile(np.arange(1, STATE + 1, dtype=np.float32), (INNER, 1))),
            p + "mixer.D": np.ones(INNER, np.float32),
            p + "mixer.out_proj.weight": normal(HIDDEN, INNER, std=INNER ** -0.5),
        })
    return sd


def hf_forward(sd, tokens):
    """MambaForCausalLM.forward, float64: MambaRMSNorm, MambaMixer.slow_forward, tied head."""
    T = {k: torch.from_numpy(v.astype(np.float64)) for k, v in sd.items()}

    def rms(x, w):
        return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS))

    h = T["backbone.embeddings.weight"][torch.from_numpy(tokens)]
    B, L, _ = h.shape
    for i in range(LAYERS):
        p = "backbone.layers.%d.mixer." % i
        x = rms(h, T["backbone.layers.%d.norm.weight" % i])
        hs, gate = F.linear(x, T[p + "in_proj.weight"]).transpose(1, 2).chunk(2, dim=1)
        hs = F.silu(F.conv1d(hs, T[p + "conv1d.weight"], T[p + "conv1d.bias"], padding=CONV - 1,
                             groups=INNER)[..., :L])
        ssm = F.linear(hs.transpose(1, 2), T[p + "x_proj.weight"])
        time_step, Bm, Cm = torch.split(ssm, [RANK, STATE, STATE], dim=-1)
        dt = F.softplus(F.linear(time_step, T[p + "dt_proj.weight"], T[p + "dt_proj.bias"])).transpose(1, 2)
        A = -torch.exp(T[p + "A_log"])
        dA = torch.exp(A[None, :, None, :] * dt[:, :, :, None])
        dBu = dt[:, :, :, None] * Bm[:, None, :, :] * hs[:, :, :, None]
        state = torch.zeros(B, INNER, STATE, dtype=torch.float64)
        outs = []
        for t in range(L):
            state = dA[:, :, t, :] * state + dBu[:, :, t, :]
            outs.append(torch.matmul(state, Cm[:, t, :].unsqueeze(-1))[:, :, 0])
        y = (torch.stack(outs, dim=-1) + hs * T[p + "D"][None, :, None]) * F.silu(gate)
        h = h + F.linear(y.transpose(1, 2), T[p + "out_proj.weight"])
    h = rms(h, T["backbone.norm_f.weight"])
    return F.linear(h, T["backbone.embeddings.weight"]).numpy()


def main():
    spec_path, out = sys.argv[1], sys.argv[2]
    sd = hf_state_dict(np.random.default_rng(7))
    cfg = ref.load_spec(spec_path)
    want = {k: tuple(v) for k, v in ref.expected_weights(cfg).items()}
    have = {k: v.shape for k, v in sd.items()}
    if want != have:
        print("the spec needs %s, HF stores %s" % (sorted(want.items()), sorted(have.items())))
        return 1
    tokens = np.random.default_rng(1).integers(0, VOCAB, (2, 70))
    got, exp = ref.forward(cfg, sd, tokens), hf_forward(sd, tokens)
    err = np.abs(got - exp).max() / np.abs(exp).max()
    print("oracle vs HF-style forward: relmax %.2g" % err)
    if not err < 1e-10:
        return 1
    ref.write_safetensors(out, sd, metadata={"format": "pt"})
    print("wrote %d HF-named tensors" % len(sd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
