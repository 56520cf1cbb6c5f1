#!/usr/bin/python3
"""Checks a compiled model's <name>.weights independently of modelc (numpy only).

  check_weights.py OUTDIR/<name>.json [--checkpoint W.safetensors] [--no-hash]

The file must be the size and XXH64 that <name>.json records, and hold every
tensor the json lists at its shape; with --checkpoint, each must equal its
source tensor (transposed when `transposed`), packed as its `layout` says:
row_major, or panelP = [ceil(N / P), K, P] panels of columns, zero-padded.
A `computed` tensor (a weight expression of the re-parameterization passes)
has no checkpoint tensor to compare with: only its shape is checked.
--no-hash skips the XXH64 (pure Python: seconds per 100 MB).
A tensor whose size is a whole number of 64-byte cache lines must start on
one (the kernels' vector loads of it then never straddle two lines).
Prints "weights ok: N tensors, B bytes".
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

M64 = (1 << 64) - 1
P1, P2, P3, P4, P5 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                      0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5)


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M64


def rnd(acc, v):
    return rotl((acc + v * P2) & M64, 31) * P1 & M64


def xxh64(data):
    """XXH64, seed 0 (the reference algorithm, written out)."""
    n, i = len(data), 0
    if n >= 32:
        acc = [(P1 + P2) & M64, P2, 0, (-P1) & M64]
        words = np.frombuffer(data, "<u8", count=(n // 32) * 4).reshape(-1, 4)
        for row in words.tolist():
            acc = [rnd(a, w) for a, w in zip(acc, row)]
        i = (n // 32) * 32
        h = (rotl(acc[0], 1) + rotl(acc[1], 7) + rotl(acc[2], 12) + rotl(acc[3], 18)) & M64
        for a in acc:
            h = ((h ^ rnd(0, a)) * P1 + P4) & M64
    else:
        h = P5
    h = (h + n) & M64
    while i + 8 <= n:
        h = (rotl(h ^ rnd(0, struct.unpack_from("<Q", data, i)[0]), 27) * P1 + P4) & M64
        i += 8
    if i + 4 <= n:
        h = (rotl(h ^ (struct.unpack_from("<I", data, i)[0] * P1 & M64), 23) * P2 + P3) & M64
        i += 4
    while i < n:
        h = rotl(h ^ (data[i] * P5 & M64), 11) * P1 & M64
        i += 1
    h ^= h >> 33
    h = h * P2 & M64
    h ^= h >> 29
    h = h * P3 & M64
    return h ^ (h >> 32)


def read_safetensors(data, misaligned=None):
    """The tensors by name; `misaligned` (a list) gets the names of the
    whole-cache-line tensors that do not start on a cache line."""
    n = struct.unpack_from("<Q", data)[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        assert e["dtype"] == "F32", name
        if misaligned is not None and (end - b) % 64 == 0 and (8 + n + b) % 64:
            misaligned.append(name)
        out[name] = np.frombuffer(data[8 + n + b:8 + n + end], "<f4").reshape(e["shape"])
    return out


def expected(w, source):
    logical = source.T if w["transposed"] else source
    assert list(logical.shape) == w["logical_shape"], w["name"]
    if w["layout"] == "row_major":
        return logical
    width = int(w["layout"][len("panel"):])
    k, n = logical.shape
    panels = np.zeros(((n + width - 1) // width, k, width), np.float32)
    for p in range(panels.shape[0]):
        cols = logical[:, p * width:(p + 1) * width]
        panels[p, :, :cols.shape[1]] = cols
    return panels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--checkpoint")
    ap.add_argument("--no-hash", action="store_true")
    a = ap.parse_args()
    sig = json.load(open(a.json))
    path = os.path.join(os.path.dirname(a.json), sig["name"] + ".weights")
    data = open(path, "rb").read()
    problems = []
    if len(data) != sig["weights_bytes"]:
        problems.append(f"{len(data)} bytes, the json says {sig['weights_bytes']}")
    if not a.no_hash and f"{xxh64(data):016x}" != sig["weights_xxh64"]:
        problems.append(f"XXH64 {xxh64(data):016x}, the json says {sig['weights_xxh64']}")
    misaligned = []
    stored = read_safetensors(data, misaligned)
    problems += [f"{name}: not on a 64-byte boundary" for name in misaligned]
    source = read_safetensors(open(a.checkpoint, "rb").read()) if a.checkpoint else {}
    for w in sig["weights"]:
        t = stored.get(w["name"])
        if t is None or list(t.shape) != w["shape"]:
            problems.append(f"{w['name']}: missing or not of shape {w['shape']}")
        elif source and not w["computed"] and not np.array_equal(t, expected(w, source[w["source"]]), equal_nan=True):
            problems.append(f"{w['name']}: differs from {w['source']} in layout {w['layout']}")
    if problems:
        sys.exit("weights wrong:\n  " + "\n  ".join(problems))
    computed = sum(w["computed"] for w in sig["weights"])
    print(f"weights ok: {len(sig['weights'])} tensors ({computed} computed), {len(data)} bytes")


if __name__ == "__main__":
    main()
