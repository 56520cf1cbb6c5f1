#!/usr/bin/python3
"""Writes one broken safetensors file per case, for safetensors-shared.test:
both readers (`modelc run --weights`, `modelc compile --weights`) must refuse
each with the same message.

  safetensors_cases.py OUTDIR      writes OUTDIR/<case>.safetensors for all
"""
import json
import os
import struct
import sys


def f32(shape, begin):
    n = 4
    for d in shape:
        n *= d
    return {"dtype": "F32", "shape": shape, "data_offsets": [begin, begin + n]}


def header(entries):
    return json.dumps(entries).encode()


# name -> (header bytes, data section size)
CASES = {
    "overlap": (header({"a": f32([4], 0), "b": f32([4], 8)}), 24),
    "gap": (header({"a": f32([4], 0), "b": f32([4], 24)}), 40),
    "tail": (header({"a": f32([4], 0)}), 20),
    "duplicate": (b'{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, '
                  b'"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', 4),
    "utf8": (b'{"\xff": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', 4),
    "surrogate": (b'{"\\udc00": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', 4),
    "array": (b"[1, 2]", 0),
    "trailing": (b"{} x", 0),
    "deep": (b'{"__metadata__": ' + b"[" * 70 + b"]" * 70 + b"}", 0),
    "leadingzero": (b'{"a": {"dtype": "F32", "shape": [01], "data_offsets": [0, 4]}}', 4),
    "types": (header({"a": {"dtype": 5, "shape": "x", "data_offsets": {}}}), 0),
    "shape": (header({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]},
                      "b": {"dtype": "F32", "shape": [1.5], "data_offsets": [4, 8]}}), 8),
    "offsets": (header({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]},
                        "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]},
                        "c": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}), 8),
    "overflow": (header({"a": {"dtype": "F32", "shape": [2**62, 4],
                               "data_offsets": [0, 0]}}), 0),
    "notentry": (header({"a": [0, 4]}), 4),
    "metadata": (header({"__metadata__": ["x"]}), 0),
}


def write(path, text, data):
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"\0" * data)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, (text, data) in CASES.items():
        write(os.path.join(out, name + ".safetensors"), text, data)
    # A header above the 100 MB limit: a sparse file, cheap to make.
    with open(os.path.join(out, "huge.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 100000001) + b"{")
        f.truncate(8 + 100000001)


if __name__ == "__main__":
    main()
