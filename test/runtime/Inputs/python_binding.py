"""Exercises runtime/python/modelrt.py on the fake model (python.test)."""
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])  # <src>/runtime/python
import modelrt  # noqa: E402

build = sys.argv[2]  # <build>/test/runtime


def expected(tokens, types=None):
    j = np.arange(4, dtype=np.float32)
    out = 10.0 * (tokens % 16)[..., None] + 1.5 * j
    if types is not None:
        out = out + 100.0 * types[..., None]
    return out.astype(np.float32)


m = modelrt.Model(f"{build}/libfake.so", threads=2)
print("signature:", m.signature["text"])
print("inputs:", m.inputs)
print("outputs:", m.outputs)
print("max_seq:", m.max_seq, "kernels:", [k["name"] for k in m.kernels])

tokens = np.array([[1, 2, 3], [4, 5, 17]])  # int64: converted
out = m.run(tokens=tokens)
assert list(out) == ["logits"]
assert out["logits"].shape == (2, 3, 4) and out["logits"].dtype == np.float32
np.testing.assert_array_equal(out["logits"], expected(tokens))
out = m.run(tokens[:1, :2])  # positional
np.testing.assert_array_equal(out["logits"], expected(tokens[:1, :2]))
allocs = m.arena_allocations
for _ in range(3):
    m.run(tokens=tokens)
assert m.arena_allocations == allocs, "arena must be reused"
outs, profile = m.run_profiled(tokens=tokens)
print("profile:", [(p["name"], p["kind"], p["flops"]) for p in profile])
assert all(p["seconds"] >= 0 for p in profile)

for bad, label in [({"tokenz": tokens}, "name"),
                   ({"tokens": tokens.astype(np.float32)}, "dtype"),
                   ({"tokens": tokens[None]}, "rank"),
                   ({"tokens": np.zeros((1, 17), np.int32)}, "seq"),
                   ({"tokens": np.array([[1, -1]])}, "kernel")]:
    try:
        m.run(**bad)
        raise SystemExit(f"{label}: no error")
    except modelrt.ModelrtError as e:
        print(f"{label}: {e.status_name}: {e.message}")

# Never a crash: every bad call raises.
for bad, label in [({"tokens": np.array([[1, 2]], np.complex64)}, "complex"),
                   ({"tokens": np.array([[True, False]])}, "bool"),
                   ({"tokens": np.array([["a", "b"]])}, "str"),
                   ({"tokens": np.array([[object()]])}, "object"),
                   ({"tokens": np.array([[2**40]])}, "int64"),
                   ({"tokens": np.zeros((1,) * 9, np.int32)}, "rank9"),
                   ({"tokens": np.zeros((0, 2), np.int32)}, "empty")]:
    try:
        m.run(**bad)
        raise SystemExit(f"{label}: no error")
    except modelrt.ModelrtError as e:
        print(f"{label}: {e.status_name}: {e.message}")
for threads in [2**32 + 2, -1, 4097]:
    try:
        m.set_num_threads(threads)
        raise SystemExit(f"threads {threads}: no error")
    except modelrt.ModelrtError as e:
        print(f"threads: {e.status_name}: {e.message}")
try:
    m.set_num_threads("2")
    raise SystemExit("threads '2': no error")
except TypeError as e:
    print(f"threads: TypeError: {e}")
m.set_num_threads(4096)
m.set_num_threads(0)

m2 = modelrt.Model(f"{build}/libfake2.so")
print("inputs2:", m2.inputs)
types = np.array([[1, 0, 1]], dtype=np.int32)
out = m2.run(token_types=types, tokens=tokens[:1])
np.testing.assert_array_equal(out["logits"], expected(tokens[:1], types))
for bad, label in [({"tokens": [[1, 16]], "token_types": [[0, 0]]}, "id"),
                   ({"tokens": [[1, 2]], "token_types": [[0, 2]]}, "type")]:
    try:
        m2.run(**bad)
        raise SystemExit(f"{label}: no error")
    except modelrt.ModelrtError as e:
        print(f"{label}: {e.status_name}: {e.message}")
m2.close()
m2.close()  # twice is fine
for call, label in [(lambda: m2.run(tokens=[[1]], token_types=[[0]]), "run"),
                    (lambda: m2.run_profiled([[1]], [[0]]), "run_profiled"),
                    (lambda: m2.set_num_threads(2), "threads"),
                    (lambda: m2.arena_bytes, "arena")]:
    try:
        call()
        raise SystemExit(f"closed {label}: no error")
    except modelrt.ModelrtError as e:
        print(f"closed {label}: {e.status_name}: {e.message}")
print(repr(m2), m2.signature["text"])

try:
    modelrt.Model(f"{build}/libfake_abi99.so")
except modelrt.ModelrtError as e:
    print(f"abi: {e.status_name}: {e.message}")
try:
    modelrt.Model(f"{build}/libfake.so", weights=f"{build}/nope.weights")
except modelrt.ModelrtError as e:
    print(f"weights: {e.status_name}: {e.message}")
with modelrt.Model(f"{build}/libfake.so") as m3:
    print(repr(m3))
print("OK")
