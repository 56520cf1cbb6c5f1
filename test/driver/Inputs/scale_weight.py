#!/usr/bin/python3
"""Routes every use of one nn.weight through a weight expression.

  scale_weight.py NAME FACTOR < nn.mlir > out.mlir

Each use of `nn.weight "NAME"` becomes a use of
`nn.weight.mul_scalar` of it by FACTOR, defined right after it.
"""
import re
import sys


def main():
    name, factor = sys.argv[1], sys.argv[2]
    text = sys.stdin.read()
    m = re.search(r'^(\s*)(%\w+) = nn\.weight "' + re.escape(name) + r'" : (tensor<[^>]+>)\n',
                  text, re.M)
    if not m:
        sys.exit("no nn.weight \"%s\"" % name)
    indent, value, ty = m.groups()
    scaled = "%scaled_" + value[1:]
    head, tail = text[:m.end()], text[m.end():]
    tail = re.sub(re.escape(value) + r"\b", scaled, tail)
    expr = '%s%s = nn.weight.mul_scalar %s {value = %s : f32} : (%s) -> %s\n' % (
        indent, scaled, value, factor, ty, ty)
    sys.stdout.write(head + expr + tail)


if __name__ == "__main__":
    main()
