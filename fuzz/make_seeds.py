#!/usr/bin/python3
"""Writes the seed corpora of the binary fuzz targets (fuzz/corpus/{safetensors,
npy,runtime-load}); the spec seeds are copies of examples/ specs. Run from
anywhere; the files are committed, this script documents how they were made.

  fuzz/make_seeds.py
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def safetensors(tensors, metadata=None, pad=8, extra=b""):
    """tensors: [(name, dtype, shape, bytes)] in file order."""
    header, blobs, off = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((pad - len(text) % pad) % pad)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs) + extra


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


def npy(descr, shape, body, fortran=False, version=1):
    shape_text = "(" + "".join(f"{d}, " for d in shape).rstrip(" ")
    if len(shape) > 1:
        shape_text = shape_text.rstrip(",")
    shape_text += ")"
    h = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", shape_text)
    pre = 10 if version == 1 else 12
    h += " " * ((64 - (pre + len(h) + 1) % 64) % 64) + "\n"
    length = struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([version, 0]) + length + h.encode() + body


# Runtime-load layout (RuntimeLoadFuzzer.cpp): table indices.
NAME = {"tokens": 0, "token_types": 1, "logits": 2, "embed": 3, "bias": 4, "w": 5, "x": 6}
DTYPE = {"F32": 0, "I32": 1}
DIM = {"batch": 0, "seq": 1, 0: 2, 1: 3, 2: 4, 3: 5, 4: 6, 8: 7, 16: 8}
LIMIT = {0: 0, 1: 1, 2: 2, 4: 3, 16: 4, 512: 5}


def desc(name, dtype, dims, limit=0):
    padded = list(dims) + [0] * (4 - len(dims))
    return bytes([NAME[name], DTYPE[dtype], len(dims)] +
                 [DIM[d] for d in padded] + [LIMIT[limit]])


def runtime_seed(flags, inputs, outputs, weights, weights_file, kernels=2,
                 arena=1, max_seq=0, batch=1, seq=2, ids=0):
    out = bytes([flags, max_seq, arena, len(inputs), len(outputs), len(weights),
                 kernels])
    for d in inputs + outputs + weights:
        out += desc(*d)
    out += bytes([0, 0] * kernels)
    return out + bytes([batch - 1, seq - 1, ids]) + weights_file


def write(folder, name, data):
    path = os.path.join(HERE, "corpus", folder)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "wb") as f:
        f.write(data)


def main():
    embed = ("embed", "F32", [16, 4], f32(*range(64)))
    bias = ("bias", "F32", [4], f32(0, 0.5, 1, 1.5))
    write("safetensors", "good", safetensors([embed, bias], {"format": "pt"}))
    write("safetensors", "empty-tensor-scalar", safetensors(
        [("e", "F16", [0, 3], b""), ("s", "I32", [], struct.pack("<i", 7)),
         ("b", "BOOL", [2], b"\x01\x00")]))
    write("safetensors", "unaligned", safetensors([bias], pad=3))
    write("safetensors", "truncated", safetensors([embed, bias])[:-10])
    write("safetensors", "empty-header", struct.pack("<Q", 2) + b"{}")

    write("npy", "f32", npy("<f4", [2, 3], f32(*range(6))))
    write("npy", "i32-v2", npy("<i4", [4], struct.pack("<4i", 1, 2, 3, -4), version=2))
    write("npy", "i64-v3", npy("<i8", [1, 2], struct.pack("<2q", 5, 2**40), version=3))
    write("npy", "scalar", npy("<f4", [], f32(1.5)))
    write("npy", "fortran", npy("<f4", [2, 2], f32(1, 2, 3, 4), fortran=True))
    write("npy", "big-endian", npy(">i4", [1], struct.pack(">i", 1)))

    weights = safetensors([embed, bias])
    fake = ([("tokens", "I32", ["batch", "seq"], 16)],
            [("logits", "F32", ["batch", "seq", 4])],
            [("embed", "F32", [16, 4]), ("bias", "F32", [4])])
    for flags, name in [(0, "no-digest"), (1, "digest"), (2, "wrong-size"),
                        (3, "wrong-hash")]:
        write("runtime-load", name, runtime_seed(flags, *fake, weights))
    write("runtime-load", "two-inputs", runtime_seed(
        1, [("tokens", "I32", ["batch", "seq"], 16),
            ("token_types", "I32", ["batch", "seq"], 2)], *fake[1:], weights,
        batch=2, seq=3, ids=1))
    write("runtime-load", "kernel-fails", runtime_seed(0, *fake, weights, ids=3))
    # Once made aligned_alloc(2^40 x batch x seq): now refused (memory).
    write("runtime-load", "huge-arena", runtime_seed(0, *fake, weights, arena=6))
    write("runtime-load", "no-weights", runtime_seed(
        0, fake[0], fake[1], [], safetensors([]), kernels=0, arena=0))


if __name__ == "__main__":
    main()
