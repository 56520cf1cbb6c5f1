#!/usr/bin/python3
"""Oracle check of the approximate passes: the compiled pruned/factorised model vs the PyTorch oracle
pruned/factorised the same way, independently, here.

    check_approx.py --modelc build/tools/modelc --spec examples/bert-tiny.toml --workdir /tmp/w \\
        [--drop-layers 1 | --drop-layers angular:N --calib] [--prune-neurons 0.3 | --prune-neurons-count N] \\
        [--prune-heads 0.5 | --prune-heads-count N] [--prune-global] [--prune-score activation] [--calib] \\
        [--low-rank 8 | --low-rank-energy 0.8] [--low-rank-match GLOB] \\
        [--int8-weights [--int8-group G] [--int8-match GLOB]] [--disable-pass P,Q] \\
        [--opt O3] [--batches 2] [--seqs 1,7,max] [--tol 1e-4] [--seed 0]

Steps: random weights (the oracle's) -> `modelc compile` with the pass flags, which writes
<name>.approx.json; the oracle's canonical weights are pruned by the passes' rules (magnitude scores:
squared norms of a neuron's up/gate rows and down column, of a head's q/k/v rows and output columns;
or, with --prune-score activation, the input energy of the down / output projection on the
calibration tokens (float64, recorded at the oracle's projections) times its columns' squared norms;
round(ratio * n) removed per layer, ties to the lower index, or a count, or either of all the
layers' neurons or heads ranked together, ties keeping the earlier layer; truncated SVD in float64, the rank by
energy from its singular values; int8 rounding of the linears in float32, its scales counted as
parameters added) and the
oracle runs with the smaller shapes. With --drop-layers angular:N the oracle ranks the layers itself (mean angular
distance from a layer's input stream to its output on the calibration tokens, float64) and drops
its N lowest. Checks: the report's parameter count removed equals the oracle's (and its layer
ranking the oracle's, to 1e-4); per batch x seq, relmax(library, pruned oracle) <= --tol, and the pruned oracle differs
from the unpruned one (by more than 100 x tol: the pass changed the model). One line per case,
then "N passed, M failed"; exit 0 when all pass.
"""
import argparse
import fnmatch
import json
import math
import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check_model as cm  # noqa: E402


def kept_count(n, ratio):
    return n - int(math.floor(ratio * n + 0.5))  # llround: halves away from zero


def top_groups(score, group, kept):
    """Indices of the `kept` groups of `group` with the largest score sums, in order."""
    sums = score.reshape(-1, group).sum(1)
    best = sorted(np.argsort(-sums, kind="stable")[:kept])
    return np.concatenate([np.arange(g * group, (g + 1) * group) for g in best])


def sq(w, axis):
    return (np.asarray(w, np.float64) ** 2).sum(axis)


def global_kept(scores, removed, sizes=None):
    """How many units each MLP (attention) keeps when the `removed` lowest-scored of all go; ties
    keep the earlier MLP and the lower index (the passes' global ranking). With `sizes` (each unit of
    list m removes sizes[m] heads), `removed` counts heads: units go lowest first while they fit in
    it, one that would overshoot is skipped."""
    order = sorted(((s, -m, -i) for m, sc in enumerate(scores) for i, s in enumerate(sc)))
    kept = [len(sc) for sc in scores]
    for _, m, _ in order:
        size = 1 if sizes is None else sizes[-m]
        if size <= removed:
            removed -= size
            kept[-m] -= 1
    return kept


def gqa_units(heads, kv):
    """A grouped-query attention's global units: unit r is the r-th lowest-scored query head of every
    one of the kv groups, scored by their mean (nn-prune-heads)."""
    if kv == 1:
        return list(heads)
    groups = [sorted(g) for g in np.asarray(heads).reshape(kv, -1)]
    return [sum(g[r] / kv for g in groups) for r in range(len(groups[0]))]


def input_energies(module, tokens):
    """Each projection's input energy per channel (sum of squares over the calibration positions),
    by key ("layers.0.mlp.down"), in float64: what modelc's probe measures for activation scores."""
    import torch
    from oracle import ops
    ops.recorded_inputs = {}
    try:
        with torch.no_grad():
            module(torch.from_numpy(np.asarray(tokens, np.int64)))
        return {k: (x.reshape(-1, x.shape[-1]) ** 2).sum(0).numpy() for k, x in ops.recorded_inputs.items()}
    finally:
        ops.recorded_inputs = None


def prune_neurons(canon, layers, ratio, count=0, global_=False, energy=None):
    """`energy` (input_energies): score by the down projection's input energy times its weight
    columns' squared norms instead of weight magnitude."""
    mlps, scores = [], []
    for i in layers:
        p = "layers.%d.mlp." % i
        if p + "down.weight" not in canon:
            continue
        parts = [n for n in ("up", "gate") if p + n + ".weight" in canon]
        mlps.append((p, parts))
        if energy is not None:
            scores.append(energy[p + "down"] * sq(canon[p + "down.weight"], 0))
        else:
            scores.append(sq(canon[p + "down.weight"], 0) + sum(sq(canon[p + n + ".weight"], 1) for n in parts))
    if global_:
        total = sum(sc.size for sc in scores)
        kept = global_kept(scores, min(total, count or total - kept_count(total, ratio)))
    else:
        kept = [sc.size - count if count else kept_count(sc.size, ratio) for sc in scores]
    for (p, parts), score, k in zip(mlps, scores, kept):
        idx = top_groups(score, 1, k)
        for n in parts:
            canon[p + n + ".weight"] = canon[p + n + ".weight"][idx]
            if p + n + ".bias" in canon:
                canon[p + n + ".bias"] = canon[p + n + ".bias"][idx]
        canon[p + "down.weight"] = canon[p + "down.weight"][:, idx]


def top_groups_per_segment(score, group, segments, kept):
    """top_groups within each of `segments` equal segments of the axis, `kept` groups each."""
    width = score.size // segments
    return np.concatenate([s * width + top_groups(score[s * width:(s + 1) * width], group, kept)
                           for s in range(segments)])


def prune_heads(cfg, canon, layers, ratio, count=0, global_=False, energy=None):
    """Multi-head attention loses whole heads (q, k, v, o, and their memory slots); grouped-query
    attention keeps its k and v heads and each KV group loses the same number of query heads (q and o
    only; ranked globally in units of one query head per KV group, gqa_units). The kept heads keep their ALiBi slopes and their columns of Swin's relative position
    bias table. Attention whose heads mix (talking heads) or read
    another layer's values (value residual) is left whole, as nn-prune-heads leaves it."""
    from oracle.blocks.attention import Attention
    found = []
    # Softmax attention with a dense output projection (not SwitchHead's, not linear attention).
    # Value residual: the layers that mix in V_1 are left whole, and so is the first attention layer
    # (its v is V_1) when a later one reads it.
    attn = [i for i in layers if isinstance(cfg.layer[i].mixer, Attention) and "layers.%d.attn.o.weight" % i in canon]
    readers = [i for i in attn[1:] if cfg.layer[i].mixer.p.value_residual]
    for i in attn:
        m = cfg.layer[i].mixer
        p = "layers.%d.attn." % i
        if m.p.talking_heads or i in readers or (i == attn[0] and readers):
            continue
        parts = "qkv" if m.p.heads == m.p.kv_heads else "q"
        if energy is not None:
            score = energy[p + "o"] * sq(canon[p + "o.weight"], 0)
        else:
            score = sq(canon[p + "o.weight"], 0) + sum(sq(canon[p + n + ".weight"], 1) for n in parts)
        found.append((m, p, parts, score))
    if global_:
        total = sum(m.p.heads for m, _, _, _ in found)
        sizes = [m.p.kv_heads if parts == "q" else 1 for m, _, parts, _ in found]
        units = global_kept([gqa_units(score.reshape(-1, m.p.head_dim).sum(1), size)
                             for (m, _, _, score), size in zip(found, sizes)],
                            min(total, count or total - kept_count(total, ratio)), sizes)
        kept = [u * size for u, size in zip(units, sizes)]
    else:
        kept = []
        for m, _, parts, _ in found:
            kv, group = m.p.kv_heads, m.p.heads // m.p.kv_heads
            if parts == "q":
                kept.append(m.p.heads - count if count else kv * kept_count(group, ratio))
            else:
                kept.append(m.p.heads - count if count else kept_count(m.p.heads, ratio))
    for (m, p, parts, score), k in zip(found, kept):
        segments = 1 if parts == "qkv" else m.p.kv_heads
        idx = top_groups_per_segment(score, m.p.head_dim, segments, k // segments)
        for n in parts:
            for t in (".weight", ".bias"):
                if p + n + t in canon:
                    canon[p + n + t] = canon[p + n + t][idx]
        canon[p + "o.weight"] = canon[p + "o.weight"][:, idx]
        if parts == "qkv":
            for n in ("memory_k", "memory_v"):
                if p + n in canon:
                    canon[p + n] = canon[p + n][:, idx]
        m.p.kept_heads = [int(c) // m.p.head_dim for c in idx[::m.p.head_dim]]
        if p + "relative_position_bias_table" in canon:  # Swin's: a column per head
            canon[p + "relative_position_bias_table"] = canon[p + "relative_position_bias_table"][:, m.p.kept_heads]
        m.p.unpruned_heads = m.p.heads
        m.p.heads = k
        if parts == "qkv":
            m.p.kv_heads = k


def energy_rank(s, energy):
    """The smallest rank whose singular values keep `energy` of their squared sum."""
    sq_s = (s ** 2).numpy()
    return max(1, int(np.searchsorted(np.cumsum(sq_s), energy * sq_s.sum()) + 1))


def low_rank(canon, layers, rank, match, energy=0.0):
    """Replaces each matching MLP weight by its rank-`rank` truncation (or the rank that keeps
    `energy`); returns the parameters the factors save (K N - r (K + N) each)."""
    import torch
    saved = 0
    for i in layers:
        for n in ("up", "gate", "down"):
            key = "layers.%d.mlp.%s.weight" % (i, n)
            if key not in canon or not fnmatch.fnmatchcase("layer%d.mlp.%s" % (i, n), match):
                continue
            w = torch.from_numpy(np.asarray(canon[key], np.float64))
            out, inp = w.shape
            u, s, vh = torch.linalg.svd(w, full_matrices=False)
            r = energy_rank(s, energy) if energy else rank
            if r * (out + inp) >= out * inp:
                continue
            canon[key] = ((u[:, :r] * s[:r]) @ vh[:r]).numpy()
            saved += out * inp - r * (out + inp)
    return saved


def int8_round(w, group):
    """modelc's weight-only int8 of a canonical [out, in] weight, dequantized (nn.weight.quantize_int8
    and int8_scales): per output row and group of `group` inputs (0: all), s = max |w| / 127 and
    q = round(w / s) (ties to even; 0 where s is 0), in float32 as the compiler does -> q s."""
    w = np.asarray(w, np.float32)
    out, inp = w.shape
    blocks = w.reshape(out, inp // (group or inp), -1)
    s = np.abs(blocks).max(-1, keepdims=True) / np.float32(127)
    q = np.where(s > 0, np.round(blocks / np.where(s > 0, s, np.float32(1))), np.float32(0))
    return (q * s).astype(np.float32).reshape(out, inp), s.size


def int8_weights(cfg, canon, layers, group, match):
    """Rounds every linear's weight whose instance name matches (the layers' attention and MLP
    projections, MoE routers and experts, SwitchHead's routers and experts, the base weights of
    per-loop LoRA projections (their stacked lora_a / lora_b adapters, 3-D, stay f32 as in modelc),
    and the LM head, tied or not) as nn-quantize-weights does; returns the scales it adds. The projections inside other mixers (Mamba's x_proj and dt_proj, which modelc keeps in
    f32 inside its scan) are not modelled: use it on attention/MLP language models."""
    scales = 0
    for i in layers:
        for key in sorted(canon):
            parts = key.split(".")
            if parts[:2] != ["layers", str(i)] or np.ndim(canon[key]) != 2:
                continue
            if len(parts) == 4 and parts[2] == "attn" and parts[3] in ("v_experts", "o_experts"):
                # SwitchHead's stacked [in, out] experts (heads * E of them): each expert's
                # [out, in] transpose rounded in its own groups, as the stacked grouping
                if fnmatch.fnmatchcase("layer%d.attn.%s" % (i, parts[3][0]), match):
                    p = cfg.layer[i].mixer.p
                    count = (p.kv_heads if parts[3] == "v_experts" else p.heads) * p.switch_experts
                    blocks = np.split(np.asarray(canon[key], np.float32), count)
                    rounded = [int8_round(b.T, group) for b in blocks]
                    canon[key] = np.concatenate([r.T for r, _ in rounded])
                    scales += sum(n for _, n in rounded)
                continue
            if parts[-1] != "weight":
                continue
            if len(parts) == 5:
                instance = "layer%d.%s.%s" % (i, parts[2], parts[3])
            elif parts[2:4] == ["moe", "experts"] and len(parts) == 7:
                instance = "layer%d.moe" % i  # each expert's [out, in] weight, grouped in itself
            else:
                continue
            if fnmatch.fnmatchcase(instance, match):
                canon[key], n = int8_round(canon[key], group)
                scales += n
    if cfg.output == "logits" and fnmatch.fnmatchcase("head", match):
        if cfg.tied:  # the head reads its own rounded copy; the embedding keeps the table
            cfg.tied = False
            canon["head.weight"] = canon["embed.tokens"]
        canon["head.weight"], n = int8_round(canon["head.weight"], group)
        scales += n
    return scales


def angular_ranking(cfg, module, tokens, drop):
    """Each layer's mean angular distance arccos(cos(input, output)) / pi over the calibration
    tokens' positions, in float64, and the `drop` smallest (ties keep the earlier layer) ->
    ({layer: distance}, sorted dropped layers)."""
    import torch
    streams = []
    with torch.no_grad():
        module(torch.from_numpy(np.asarray(tokens, np.int64)), None, streams=streams)
    dist = {}
    for i, x, y in streams:
        cos = (x * y).sum(-1) / (x.norm(dim=-1) * y.norm(dim=-1))
        dist[i] = float((torch.arccos(cos.clamp(-1, 1)) / math.pi).mean())
    order = sorted(dist, key=lambda i: (dist[i], i))
    return dist, sorted(order[:drop])


def check_ranking(got, dist, dropped):
    """The report's layer importance vs the oracle's -> None, or what differs."""
    if not got:
        return "the report has no layer_importance"
    mine = {l["layer"]: l["angular_distance"] for l in got["layers"]}
    print("layer importance: report %s, oracle %s; dropped: report %s, oracle %s" % (
        " ".join("%d:%.5f" % kv for kv in sorted(mine.items())),
        " ".join("%d:%.5f" % kv for kv in sorted(dist.items())), got["dropped"], dropped))
    if sorted(mine) != sorted(dist):
        return "the report ranks layers %s, the oracle %s" % (sorted(mine), sorted(dist))
    for i, d in dist.items():
        if not abs(mine[i] - d) <= 1e-4:
            return "layer %d: the report's angular distance %.6g, the oracle's %.6g" % (i, mine[i], d)
    if got["dropped"] != dropped:
        return "the report drops layers %s, the oracle %s" % (got["dropped"], dropped)
    return None


def used_params(cfg, canon):
    import reference as ref
    return sum(int(np.asarray(canon[ps.key]).size) for ps in ref.slots(cfg))


def check_calibration(got, ref, cfg, pruned, full_cfg, full, tokens):
    """The report's output error on the calibration input vs the same figures from the pruned and
    unpruned oracles -> None, or what differs."""
    if not got:
        return "the report has no calibration figures"
    a = ref.forward(cfg, None, tokens, module=pruned)
    r = ref.forward(full_cfg, None, tokens, module=full)
    d = np.abs(a - r)
    want = {"rel_max": d.max() / np.abs(r).max(), "rel_mean": d.mean() / np.abs(r).mean(),
            "top1_agreement": float((a.argmax(-1) == r.argmax(-1)).mean())}
    print("calibration: report %s, oracle %s" % (
        ", ".join("%s %.4g" % (k, got[k]) for k in want), ", ".join("%s %.4g" % kv for kv in want.items())))
    rows = tokens.size
    for k, v in want.items():
        tol = 2.0 / rows if k == "top1_agreement" else 1e-3
        if not abs(got[k] - v) <= tol:
            return "calibration %s: the report says %.6g, the oracle %.6g" % (k, got[k], v)
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description="approximate passes vs the pruned PyTorch oracle")
    cm.add_common_args(ap)
    ap.add_argument("--drop-layers", default="")
    ap.add_argument("--prune-neurons", type=float, default=0.0)
    ap.add_argument("--prune-neurons-count", type=int, default=0)
    ap.add_argument("--prune-heads-count", type=int, default=0)
    ap.add_argument("--prune-global", action="store_true",
                    help="--prune-neurons and --prune-heads over all MLPs / attentions together")
    ap.add_argument("--prune-heads", type=float, default=0.0)
    ap.add_argument("--prune-score", default="magnitude", choices=("magnitude", "activation"),
                    help="activation (needs --calib): heads and neurons scored by the measured input "
                         "energy of their output projection on the calibration tokens")
    ap.add_argument("--low-rank", type=int, default=0)
    ap.add_argument("--low-rank-energy", type=float, default=0.0)
    ap.add_argument("--low-rank-match", default="*")
    ap.add_argument("--int8-weights", action="store_true")
    ap.add_argument("--int8-group", type=int, default=0)
    ap.add_argument("--int8-match", default="*")
    ap.add_argument("--disable-pass", default="",
                    help="exact passes to leave out (those that change a weight before int8 rounds it "
                         "in a way the oracle does not redo: nn-fold-norm-affine, nn-recenter-stream)")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--calib", action="store_true",
                    help="also compile with --calib (random tokens, batch 2, seq 16) and check the "
                         "report's output error against the oracle's pruned vs unpruned figures")
    a = ap.parse_args(argv)

    def log(msg):
        if a.verbose:
            print(msg, flush=True)

    import torch
    import reference as ref
    full_cfg, cfg = ref.load_spec(a.spec), ref.load_spec(a.spec)  # cfg: pruned below
    batches = cm.parse_ints(a.batches)
    # An image model's sequence is fixed by its image size.
    seqs = [cfg.max_seq] if cfg.input == "image" else cm.parse_seqs(a.seqs, cfg.max_seq, note=print)
    if cfg.input == "image" and a.calib:
        ap.error("--calib draws tokens: not for an image model")
    os.makedirs(a.workdir, exist_ok=True)
    _, wpath, full = cm.load_oracle(a, full_cfg, a.workdir)
    canon = ref.checkpoint_to_slots(cfg, ref.read_safetensors(wpath))
    params_before = used_params(cfg, canon)

    calib_tokens = None
    if a.calib:
        calib_tokens = np.random.default_rng([a.seed, 99]).integers(0, cfg.vocab, size=(2, 16)).astype(np.int32)
        np.save(os.path.join(a.workdir, "calib.npy"), calib_tokens)
    flags = []
    ranking = None
    if a.drop_layers.startswith("angular:"):
        if calib_tokens is None:
            ap.error("--drop-layers angular:N needs --calib")
        flags.append("--drop-layers=" + a.drop_layers)
        dist, drop = angular_ranking(full_cfg, full, calib_tokens, int(a.drop_layers[len("angular:"):]))
        ranking = (dist, drop)
    else:
        drop = sorted({int(t) for t in a.drop_layers.split(",") if t.strip()})
        if drop:
            flags.append("--drop-layers=" + ",".join(map(str, drop)))
    if drop:
        kept_apps = [app for app in cfg.schedule() if app[0] not in drop]
        cfg.schedule = lambda: list(kept_apps)
    layers = sorted({i for i, _ in cfg.schedule()})
    energy = None
    if a.prune_score == "activation":
        if calib_tokens is None:
            ap.error("--prune-score activation needs --calib")
        flags.append("--prune-score=activation")
        energy = input_energies(full, calib_tokens)

    def amount(ratio, count):
        return ("global:" if a.prune_global else "") + ("count:%d" % count if count else "%g" % ratio)
    def prune(cfg, canon, energy):
        if a.prune_heads or a.prune_heads_count:
            prune_heads(cfg, canon, layers, a.prune_heads, a.prune_heads_count, a.prune_global, energy)
        if a.prune_neurons or a.prune_neurons_count:
            prune_neurons(canon, layers, a.prune_neurons, a.prune_neurons_count, a.prune_global, energy)
    if a.prune_heads or a.prune_heads_count:
        flags.append("--prune-heads=" + amount(a.prune_heads, a.prune_heads_count))
    if a.prune_neurons or a.prune_neurons_count:
        flags.append("--prune-neurons=" + amount(a.prune_neurons, a.prune_neurons_count))
    if energy is not None:
        # The test means something only where the two scores choose differently.
        by_magnitude = dict(canon)
        prune(ref.load_spec(a.spec), by_magnitude, None)
    prune(cfg, canon, energy)
    if energy is not None:
        print("activation scores choose other units than magnitude: %s" % any(
            np.shape(by_magnitude[k]) != np.shape(canon[k]) or not np.array_equal(by_magnitude[k], canon[k])
            for k in canon))
    saved = 0
    if a.low_rank or a.low_rank_energy:
        flags += ["--low-rank=" + ("energy:%g" % a.low_rank_energy if a.low_rank_energy else "rank:%d" % a.low_rank),
                  "--low-rank-match=" + a.low_rank_match]
        saved = low_rank(canon, layers, a.low_rank, a.low_rank_match, a.low_rank_energy)
    removed = params_before - used_params(cfg, canon) + saved
    if a.int8_weights:
        flags += ["--int8-weights" + ("=group:%d" % a.int8_group if a.int8_group else ""),
                  "--int8-match=" + a.int8_match]
        removed -= int8_weights(cfg, canon, layers, a.int8_group, a.int8_match)
    if a.disable_pass:
        flags.append("--disable-pass=" + a.disable_pass)
    pruned = ref.RefModel(cfg, canon, dtype=torch.float64).eval()

    if calib_tokens is not None:
        flags.append("--calib=" + os.path.join(a.workdir, "calib.npy"))
    tag = "%s %s %s" % (cfg.name, a.opt, " ".join(flags))
    ncases = len(batches) * len(seqs)
    lib, err = cm.compile_model(a, a.spec, wpath, os.path.join(a.workdir, "out"), cfg.name, log, flags)
    if lib is None:
        print("FAIL %s: modelc compile failed: %s" % (tag, err.rstrip()))
        print("0 passed, %d failed" % ncases)
        return 1
    report = json.load(open(os.path.join(a.workdir, "out", cfg.name + ".approx.json")))
    got_removed = report["total"]["before"]["params"] - report["total"]["after"]["params"]
    print("report: params %d -> %d, FLOPs/token %.4g -> %.4g" % (
        report["total"]["before"]["params"], report["total"]["after"]["params"],
        report["total"]["before"]["flops_per_token"], report["total"]["after"]["flops_per_token"]))
    if got_removed != removed:
        print("FAIL %s: the report removes %d parameters, the oracle %d" % (tag, got_removed, removed))
        print("0 passed, %d failed" % ncases)
        return 1
    if ranking is not None:
        problem = check_ranking(report.get("layer_importance"), *ranking)
        if problem:
            print("FAIL %s: %s" % (tag, problem))
            print("0 passed, %d failed" % ncases)
            return 1
    if calib_tokens is not None:
        problem = check_calibration(report.get("calibration"), ref, cfg, pruned, full_cfg, full, calib_tokens)
        if problem:
            print("FAIL %s: %s" % (tag, problem))
            print("0 passed, %d failed" % ncases)
            return 1

    passed = failed = 0
    for b in batches:
        for s in seqs:
            case = "%s b=%d s=%d" % (tag, b, s)
            stem = os.path.join(a.workdir, "b%d_s%d" % (b, s))
            tokens, tt, inputs = cm.case_inputs(cfg, a.seed, b, s, stem)
            got, err = cm.run_library(a, lib, cfg, inputs, stem + "_out.npy", ref.output_shape(cfg, b, s), log)
            if got is None:
                print("FAIL %s: %s" % (case, err))
                failed += 1
                continue
            rel, _ = cm.oracle_error(ref, cfg, pruned, got, tokens, tt)
            want = ref.forward(cfg, None, tokens, tt, module=pruned)
            change = cm.relmax(want, ref.forward(full_cfg, None, tokens, tt, module=full))
            errors = []
            if not rel <= a.tol:
                errors.append("vs pruned oracle relmax=%.2g > %.2g" % (rel, a.tol))
            if not change > 100 * a.tol:
                errors.append("the pruned oracle is the unpruned one (relmax %.2g)" % change)
            if errors:
                print("FAIL %s: %s" % (case, "; ".join(errors)))
                failed += 1
            else:
                print("PASS %s relmax=%.2g (vs unpruned %.2g)" % (case, rel, change))
                passed += 1
            sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
