"""Minimal safetensors reader/writer using numpy only.

Format (https://github.com/huggingface/safetensors):
  8 bytes   little-endian u64 N = length of the JSON header
  N bytes   JSON: {name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]},
                   "__metadata__": {str: str}?}   (offsets relative to the end of the header)
  rest      raw little-endian tensor bytes
"""
import json
import struct

import numpy as np

_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"),
    "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def _st_dtype(arr):
    dt = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
    dt = np.dtype(dt.str.replace("=", "<").replace("|", ""))
    for k, v in _DTYPES.items():
        if v == dt or (v.kind == dt.kind and v.itemsize == dt.itemsize):
            return k
    raise ValueError("unsupported dtype for safetensors: %s" % arr.dtype)


def write_safetensors(path, tensors, metadata=None):
    """Write {name: np.ndarray} to `path`. Tensors are written in sorted name order, 8-byte
    aligned header (padded with spaces, as the reference implementation does)."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr = np.asarray(tensors[name])
        code = _st_dtype(arr)
        data = np.ascontiguousarray(arr.astype(_DTYPES[code], copy=False)).tobytes()
        header[name] = {"dtype": code, "shape": [int(d) for d in arr.shape],
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def read_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n).decode("utf-8")), 8 + n


def read_safetensors(path, with_metadata=False):
    """Read a safetensors file into {name: np.ndarray} (copies; arrays are writable)."""
    header, base = read_header(path)
    meta = header.pop("__metadata__", None)
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, info in header.items():
        dt = _DTYPES[info["dtype"]]
        b, e = info["data_offsets"]
        shape = tuple(info["shape"])
        n = int(np.prod(shape)) if shape else 1
        if e - b != n * dt.itemsize:
            raise ValueError("%s: %s bytes for shape %s %s" % (name, e - b, shape, info["dtype"]))
        out[name] = np.frombuffer(raw[base + b: base + e].tobytes(), dtype=dt).reshape(shape).copy()
    del raw
    return (out, meta) if with_metadata else out
