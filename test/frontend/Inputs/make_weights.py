#!/usr/bin/python3
"""Writes safetensors files for the frontend's weight tests (numpy only).

  make_weights.py from-ir OUT [--drop NAME] [--shape NAME=D0,D1] [--dtype NAME=F16]
                              [--prefix P] [--random SEED] [--set NAME[I,J]=VALUE]
                              < module.mlir
      one tensor per `nn.weight` of the nn IR on stdin, at its stored shape (the
      transpose of the op's type when `transposed`), 0.5 everywhere or normal
      values from --random SEED, then the mutations asked for (--set writes one
      element: a number, nan, inf or -inf).
  make_weights.py raw OUT --header TEXT [--length N] [--data BYTES]
      an 8-byte length (N, default len(TEXT)), TEXT, then BYTES zero bytes.
  make_weights.py short OUT
      a 5-byte file.
"""
import argparse
import json
import re
import struct
import sys

import numpy as np

WEIGHT = re.compile(r'nn\.weight "([^"]+)"( transposed)? : tensor<([0-9x]+)xf32>')
DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I32": "<i4", "BF16": "<u2"}


def write(path, tensors):
    header, blobs, off = {}, [], 0
    for name, (dtype, arr) in tensors.items():
        data = np.ascontiguousarray(arr.astype(DTYPES[dtype])).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape),
                        "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


SET = re.compile(r"(.+)\[([0-9,]+)\]=(.+)")


def from_ir(a):
    tensors = {}
    rng = np.random.default_rng(a.random)
    for name, transposed, dims in WEIGHT.findall(sys.stdin.read()):
        shape = [int(d) for d in dims.split("x")]
        if transposed:
            shape.reverse()
        if a.random is None:
            data = np.full(shape, 0.5, np.float32)
        else:
            data = rng.standard_normal(shape).astype(np.float32)
        tensors[a.prefix + name] = ("F32", data)
    for name in a.drop:
        del tensors[name]
    for spec in a.shape:
        name, dims = spec.split("=")
        tensors[name] = ("F32", np.zeros([int(d) for d in dims.split(",")], np.float32))
    for spec in a.dtype:
        name, dtype = spec.split("=")
        tensors[name] = (dtype, tensors[name][1])
    for spec in a.set:
        name, index, value = SET.fullmatch(spec).groups()
        tensors[name][1][tuple(int(i) for i in index.split(","))] = float(value)
    write(a.out, tensors)


def raw(a):
    text = a.header.encode()
    n = len(text) if a.length is None else a.length
    with open(a.out, "wb") as f:
        f.write(struct.pack("<Q", n) + text + b"\0" * a.data)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("from-ir")
    p.add_argument("out")
    p.add_argument("--drop", action="append", default=[])
    p.add_argument("--shape", action="append", default=[])
    p.add_argument("--dtype", action="append", default=[])
    p.add_argument("--prefix", default="")
    p.add_argument("--random", type=int)
    p.add_argument("--set", action="append", default=[])
    r = sub.add_parser("raw")
    r.add_argument("out")
    r.add_argument("--header", required=True)
    r.add_argument("--length", type=int)
    r.add_argument("--data", type=int, default=0)
    s = sub.add_parser("short")
    s.add_argument("out")
    a = ap.parse_args()
    if a.cmd == "from-ir":
        from_ir(a)
    elif a.cmd == "raw":
        raw(a)
    else:
        with open(a.out, "wb") as f:
            f.write(b"\1\2\3\4\5")


if __name__ == "__main__":
    main()
