#!/usr/bin/env python3
"""Writes and prints .npy files without numpy (for the runtime's lit tests).

  npy_tool.py write OUT DESCR SHAPE [VALUES...] [--fortran] [--v2]
      DESCR: a numpy descr such as <i4, <i8, <f4, <f8, >f4; SHAPE: 2,3 or ''
      VALUES: as many numbers as the shape holds (default: 0, 1, 2, ...)
  npy_tool.py garbage OUT          a file that is not .npy
  npy_tool.py print FILE           "<descr> (d0, d1): v0 v1 ..." (%g floats)
"""
import struct
import sys

FORMATS = {"i4": "i", "i8": "q", "f4": "f", "f8": "d", "u1": "B"}


def write(out, descr, shape_text, values, fortran, version):
    shape = tuple(int(d) for d in shape_text.split(",") if d != "")
    count = 1
    for d in shape:
        count *= d
    if not values:
        values = [str(i) for i in range(count)]
    if len(values) != count:
        sys.exit(f"{count} values needed, {len(values)} given")
    endian = "<" if descr[0] in "<|" else ">"
    code = FORMATS[descr[1:]]
    conv = float if code in "fd" else int
    body = struct.pack(endian + code * count, *[conv(v) for v in values])
    shape_repr = "(" + "".join(f"{d}, " for d in shape).rstrip(" ")
    if len(shape) > 1:
        shape_repr = shape_repr.rstrip(",")
    shape_repr += ")"
    header = (f"{{'descr': '{descr}', 'fortran_order': {fortran}, "
              f"'shape': {shape_repr}, }}")
    prefix = 10 if version == 1 else 12
    pad = (64 - (prefix + len(header) + 1) % 64) % 64
    header = header + " " * pad + "\n"
    with open(out, "wb") as f:
        f.write(b"\x93NUMPY" + bytes([version, 0]))
        if version == 1:
            f.write(struct.pack("<H", len(header)))
        else:
            f.write(struct.pack("<I", len(header)))
        f.write(header.encode("latin1"))
        f.write(body)


def show(path):
    data = open(path, "rb").read()
    if data[:6] != b"\x93NUMPY":
        sys.exit("not npy")
    if data[6] == 1:
        (hlen,) = struct.unpack("<H", data[8:10])
        start = 10
    else:
        (hlen,) = struct.unpack("<I", data[8:12])
        start = 12
    header = eval(data[start:start + hlen].decode("latin1"))  # a dict literal
    descr, shape = header["descr"], header["shape"]
    count = 1
    for d in shape:
        count *= d
    code = FORMATS[descr[1:]]
    values = struct.unpack("<" + code * count,
                           data[start + hlen:start + hlen + count *
                                struct.calcsize(code)])
    text = " ".join(f"{v:g}" if isinstance(v, float) else str(v)
                    for v in values)
    print(f"{descr} {shape}: {text}")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    mode = argv[1]
    if mode == "print":
        show(argv[2])
    elif mode == "garbage":
        with open(argv[2], "wb") as f:
            f.write(b"this is not an npy file\n")
    elif mode == "write":
        args = [a for a in argv[2:] if not a.startswith("--")]
        fortran = "True" if "--fortran" in argv else "False"
        version = 2 if "--v2" in argv else 1
        write(args[0], args[1], args[2], args[3:], fortran, version)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
