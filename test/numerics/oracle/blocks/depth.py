"""Depth structures ([depth.<name>]): weight-shared loops with per-loop LoRA, static layer skipping and
DenseFormer's depth-weighted averages."""
import numpy as np
import torch

from ..errors import SpecError
from ..registry import Depth, Key, ListOf, Slot, depth
from ..selftest import model_toml, selftest, spec_error


def projections(layer, spec):
    """{target name: (slot base, out rows, in, [(part base, row offset, rows)])} of a layer's linear
    projections, in slot order ("attn.q" for slot base "layer.attn.q"). Projections the scheme stores
    as one tensor (GPT-2's qkv) are one target, as the compiler sees them."""
    part_of = {p: fb for fb, parts in spec.scheme.fused.items() for p in parts}
    out = {}
    for role in ("mixer", "channel"):
        block = getattr(layer, role)
        for s in block.slots(spec) if block is not None else []:
            if not (s.linear and s.name.endswith(".weight")):
                continue
            base = s.name[:-len(".weight")]
            whole = part_of.get(base, base)
            rows, cols = s.shape
            name = whole[len("layer."):]
            if name not in out:
                out[name] = [whole, 0, cols, []]
            entry = out[name]
            entry[3].append((base, entry[1], rows))
            entry[1] += rows
    return {k: tuple(v) for k, v in out.items()}


@depth("loop")
class Loop(Depth):
    """Layers first..last applied `times` times with shared weights (universal / looped transformers);
    with lora_rank, per-loop LoRA (Relaxed Recursive Transformers): in pass p, projection W of a target
    computes x W^T + scale (x A_p^T) B_p^T, A and B stacked per pass: lora_a [times, rank, in],
    lora_b [times, out, rank]."""
    keys = (
        Key("first", int, 0, min=0),
        Key("last", int, lambda p, ctx: ctx.spec.layers - 1, min=0),
        Key("times", int, min=1),
        Key("lora_rank", int, None, min=1),
        Key("lora_targets", ListOf(str), None),
        Key("lora_scale", float, 1.0),
    )

    def check(self, ctx):
        p, n = self.p, ctx.spec.layers
        for k in ("first", "last"):
            if getattr(p, k) >= n:
                raise SpecError("[depth.loop] %s = %d: out of range [0, %d)" % (k, getattr(p, k), n))
        if p.first > p.last:
            raise SpecError("[depth.loop]: a loop over an empty group (first %d > last %d)" % (p.first, p.last))
        if p.lora_rank is None and p.lora_targets is not None:
            raise SpecError("[depth.loop] lora_targets: only with lora_rank")
        self.lora = {}  # layer index -> {target: projection}
        if p.lora_rank is None:
            return
        for i in range(p.first, p.last + 1):
            have = projections(ctx.spec.layer[i], ctx.spec)
            chosen = p.lora_targets if p.lora_targets is not None else list(have)
            for t in chosen:
                if t not in have:
                    raise SpecError("[depth.loop] lora_targets: %r is not a projection of layer %d (%s)"
                                    % (t, i, ", ".join(have)))
            self.lora[i] = {t: have[t] for t in chosen}

    def schedule(self, apps):
        p = self.p
        out = []
        for i, it in apps:
            if i == p.first:
                out += [(j, k) for k in range(p.times) for j in range(p.first, p.last + 1)]
            if not p.first <= i <= p.last:
                out.append((i, it))
        return out

    def layer_slots(self, layer, spec):
        p, out = self.p, []
        for whole, rows, cols, _ in self.lora.get(layer.index, {}).values():
            out.append(Slot(whole + ".lora_a", (p.times, p.lora_rank, cols), "linear"))
            out.append(Slot(whole + ".lora_b", (p.times, rows, p.lora_rank), "linear"))
        return out

    def linear_delta(self, x, w, base, env):
        for whole, _, _, parts in self.lora.get(env.layer, {}).values():
            for part, offset, rows in parts:
                if part == base:
                    a = w[whole + ".lora_a"][env.iteration]
                    b = w[whole + ".lora_b"][env.iteration][offset:offset + rows]
                    return self.p.lora_scale * torch.matmul(torch.matmul(x, a.t()), b.t())
        return None


@depth("skip")
class Skip(Depth):
    """The listed layers are routed past: the stream goes on unchanged (Learning to Skip the Middle
    Layers, static)."""
    keys = (Key("layers", ListOf(int), min=0),)

    def check(self, ctx):
        n = ctx.spec.layers
        bad = [i for i in self.p.layers if i >= n]
        if bad:
            raise SpecError("[depth.skip] layers: %d out of range [0, %d)" % (bad[0], n))
        self.skipped = set(self.p.layers)
        if len(self.skipped) == n:
            raise SpecError("[depth.skip] skips every layer")
        for d in ctx.spec.depth:
            if isinstance(d, Loop) and set(range(d.p.first, d.p.last + 1)) <= self.skipped:
                raise SpecError("[depth.skip]: a loop over an empty group (every looped layer is skipped)")

    def schedule(self, apps):
        return [a for a in apps if a[0] not in self.skipped]


def _dwa_init(rng, shape, spec):
    """DenseFormer starts from the identity (last weight 1, the others 0); perturbed for testing."""
    a = 0.3 * rng.standard_normal(shape)
    a[..., -1] += 1.0
    return a


@depth("dwa")
class Dwa(Depth):
    """DenseFormer: after block i (when (i+1) % period == 0), x' = sum_t alpha_i[t] x_(t*dilation + r),
    r = (i+1) % dilation, over x_0 = the embedding and x_j = the output of block j-1 (before its own
    average). Weights layer.dwa.weight [1, n] (DenseFormer's dwa_modules.alphas.{i}.weight)."""
    keys = (Key("dilation", int, 1, min=1), Key("period", int, 1, min=1))

    def check(self, ctx):
        for d in ctx.spec.depth:
            if isinstance(d, (Loop, Skip)):
                raise SpecError("[depth.dwa] with [depth.%s]: not supported" % d.name)

    def inputs(self, i):
        return list(range((i + 1) % self.p.dilation, i + 2, self.p.dilation))

    def layer_slots(self, layer, spec):
        if (layer.index + 1) % self.p.period:
            return []
        return [Slot("layer.dwa.weight", (1, len(self.inputs(layer.index))), _dwa_init)]

    def before_layers(self, x, env):
        env.state["dwa"] = [x]
        return x

    def after_layer(self, x, layer, w, env):
        history = env.state["dwa"]
        history.append(x)
        if (layer + 1) % self.p.period:
            return x
        alpha = w["layer.dwa.weight"][0]
        return sum(alpha[t] * history[j] for t, j in enumerate(self.inputs(layer)))


_LLAMA = model_toml(dim=16, layers=3) + ('[embed]\nposition = "rope"\n[block]\nnorm = "rmsnorm"\nbias = false\n'
                                          '[block.attention]\nheads = 2\n[block.mlp]\nkind = "glu"\n'
                                          'activation = "silu"\nhidden = 24\n')


def _embed(case, tokens):
    return torch.nn.functional.embedding(torch.from_numpy(tokens), case.module.weights()["embed.tokens"])


def _final(case, h, env):
    return case.spec.norm.forward(h, case.module.weights(), "final_norm", env)


@selftest("loop-schedule", spec=_LLAMA + "[depth.loop]\nfirst = 1\nlast = 2\ntimes = 3\n")
def _(case):
    assert case.spec.schedule() == [(0, 0), (1, 0), (2, 0), (1, 1), (2, 1), (1, 2), (2, 2)]
    tokens = case.tokens(2, 5)
    # Unrolled by hand: the same layers' weights in every pass.
    env = case.module.env(5)
    with torch.no_grad():
        h = _embed(case, tokens)
        for i in [0, 1, 2, 1, 2, 1, 2]:
            h = case.module.run_layer(h, case.spec.layer[i], env)
        want = _final(case, h, env)
    np.testing.assert_allclose(case.forward(tokens), want.numpy(), rtol=1e-12, atol=1e-12)


@selftest("loop-lora-vs-merged", spec=_LLAMA + "[depth.loop]\ntimes = 2\nlora_rank = 3\nlora_scale = 0.5\n"
                                           'lora_targets = ["attn.q", "mlp.down"]\n')
def _(case):
    # Pass p of a LoRA projection is the plain projection with W + scale B_p A_p merged in.
    from ..ops import linear
    x = case.rand(1, 4, 24)
    env = case.module.env(4)
    env.layer, env.iteration = 1, 1
    w = case.module.weights(1, env)
    a, b = w["layer.mlp.down.lora_a"][1], w["layer.mlp.down.lora_b"][1]
    merged = w["layer.mlp.down.weight"] + 0.5 * torch.matmul(b, a)
    with torch.no_grad():
        torch.testing.assert_close(linear(x, w, "layer.mlp.down"), torch.matmul(x, merged.t()))
        assert w.linear_delta(x, "layer.mlp.up") is None
    assert [s.name for s in case.spec.depth[0].layer_slots(case.spec.layer[0], case.spec)] == [
        "layer.attn.q.lora_a", "layer.attn.q.lora_b", "layer.mlp.down.lora_a", "layer.mlp.down.lora_b"]


@selftest("skip-routes-past", spec=_LLAMA + "[depth.skip]\nlayers = [1]\n")
def _(case):
    from .. import slots
    assert case.spec.schedule() == [(0, 0), (2, 0)]
    assert not any(s.layer == 1 for s in slots(case.spec))
    tokens = case.tokens(1, 6)
    env = case.module.env(6)
    with torch.no_grad():
        h = _embed(case, tokens)
        for i in (0, 2):
            h = case.module.run_layer(h, case.spec.layer[i], env)
        want = _final(case, h, env)
    np.testing.assert_allclose(case.forward(tokens), want.numpy(), rtol=1e-12, atol=1e-12)


@selftest("dwa-vs-denseformer", spec=lambda dil, per: _LLAMA + "[depth.dwa]\ndilation = %d\nperiod = %d\n" % (dil, per),
          params=[{"dil": 1, "per": 1}, {"dil": 2, "per": 1}, {"dil": 2, "per": 2}])
def _(case, dil, per):
    # DenseFormer's DWAModules, written as its reference code does it: one accumulator per residue
    # class mod the dilation, a tensordot with the block's weights.
    tokens = case.tokens(2, 5)
    env = case.module.env(5)
    with torch.no_grad():
        x = _embed(case, tokens)
        accs = [[] for _ in range(dil)]
        accs[0].append(x)
        for i, layer in enumerate(case.spec.layer):
            x = case.module.run_layer(x, layer, env)
            accs[(i + 1) % dil].append(x)
            if (i + 1) % per == 0:
                alpha = case.module.weights(i)["layer.dwa.weight"].view(-1)
                x = torch.tensordot(alpha, torch.stack(accs[(i + 1) % dil]), dims=1)
        want = _final(case, x, env)
    np.testing.assert_allclose(case.forward(tokens), want.numpy(), rtol=1e-12, atol=1e-12)


spec_error("loop-empty-group", _LLAMA + "[depth.loop]\nfirst = 2\nlast = 1\ntimes = 2\n", match="empty group")
spec_error("loop-lora-target", _LLAMA + '[depth.loop]\ntimes = 2\nlora_rank = 2\nlora_targets = ["mlp.fc"]\n',
           match="'mlp.fc' is not a projection")
spec_error("loop-lora-targets-without-rank", _LLAMA + '[depth.loop]\ntimes = 2\nlora_targets = ["attn.q"]\n',
           match="only with lora_rank")
spec_error("skip-every-layer", _LLAMA + "[depth.skip]\nlayers = [0, 1, 2]\n", match="skips every layer")
spec_error("dwa-with-loop", _LLAMA + "[depth.loop]\ntimes = 2\n[depth.dwa]\n", match="not supported")
