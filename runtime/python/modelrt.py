"""Python binding of libmodelrt (ctypes + numpy).

    import modelrt
    m = modelrt.Model("out/libgpt2.so")          # weights: out/gpt2.weights
    print(m.signature)
    logits = m.run(tokens=np.array([[1, 2, 3]], dtype=np.int32))["logits"]

libmodelrt.so is found through $MODELRT_LIB, else beside this file (the build
copies it to <build>/runtime/), else <repo>/build*/runtime/ when this file is
used from the source tree, else the system's library path.
"""
import ctypes
import ctypes.util
import glob
import operator
import os

import numpy as np

__all__ = ["Model", "ModelrtError", "load_library"]

MRT_F32, MRT_I32, MRT_I8 = 0, 1, 2
MRT_DIM_BATCH, MRT_DIM_SEQ = -1, -2
MRT_MAX_RANK = 8
MRT_MAX_THREADS = 4096
STATUS = {0: "ok", 1: "invalid argument", 2: "I/O error", 3: "bad format",
          4: "shape mismatch", 5: "dtype mismatch", 6: "kernel failure",
          7: "ABI mismatch", 8: "weights mismatch"}
_NP = {MRT_F32: np.float32, MRT_I32: np.int32, MRT_I8: np.int8}


class ModelrtError(RuntimeError):
    """A failed libmodelrt call: .status (int), .status_name, .message."""

    def __init__(self, status, message):
        self.status = status
        self.status_name = STATUS.get(status, "unknown status")
        self.message = message
        super().__init__(f"{message} [{self.status_name}]")


class _TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32), ("dims", ctypes.c_int64 * MRT_MAX_RANK),
                ("limit", ctypes.c_int64)]


class _Tensor(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32), ("dims", ctypes.c_int64 * MRT_MAX_RANK),
                ("data", ctypes.c_void_p)]


class _KernelInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("kind", ctypes.c_char_p),
                ("flops_per_token", ctypes.c_double),
                ("flops_per_token_seq", ctypes.c_double)]


_lib = None


def _candidates():
    env = os.environ.get("MODELRT_LIB")
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    out = [os.path.join(here, "libmodelrt.so")]
    repo = os.path.dirname(os.path.dirname(here))
    out += sorted(glob.glob(os.path.join(repo, "build*", "runtime",
                                         "libmodelrt.so")))
    found = ctypes.util.find_library("modelrt")
    if found:
        out.append(found)
    return out


def load_library(path=None):
    """Loads libmodelrt (once); returns the ctypes library."""
    global _lib
    if _lib is not None and path is None:
        return _lib
    paths = [path] if path else _candidates()
    errors = []
    for p in paths:
        if "/" in p and not os.path.exists(p):
            errors.append(f"{p}: not found")
            continue
        try:
            lib = ctypes.CDLL(p)
            break
        except OSError as e:
            errors.append(str(e))
    else:
        raise ModelrtError(2, "cannot load libmodelrt.so (set MODELRT_LIB): " +
                           "; ".join(errors))
    c = ctypes
    P = c.c_void_p
    sigs = {
        "mrt_last_error": (c.c_char_p, []),
        "mrt_status_string": (c.c_char_p, [c.c_int]),
        "mrt_abi_version": (c.c_int32, []),
        "mrt_load": (c.c_int, [c.c_char_p, c.c_char_p, c.POINTER(P)]),
        "mrt_free": (None, [P]),
        "mrt_model_name": (c.c_char_p, [P]),
        "mrt_model_target": (c.c_char_p, [P]),
        "mrt_model_lib_path": (c.c_char_p, [P]),
        "mrt_model_weights_path": (c.c_char_p, [P]),
        "mrt_max_seq": (c.c_int64, [P]),
        "mrt_num_inputs": (c.c_int32, [P]),
        "mrt_num_outputs": (c.c_int32, [P]),
        "mrt_num_weights": (c.c_int32, [P]),
        "mrt_num_kernels": (c.c_int32, [P]),
        "mrt_input_info": (c.c_int, [P, c.c_int32, c.POINTER(_TensorInfo)]),
        "mrt_output_info": (c.c_int, [P, c.c_int32, c.POINTER(_TensorInfo)]),
        "mrt_weight_info": (c.c_int, [P, c.c_int32, c.POINTER(_TensorInfo)]),
        "mrt_kernel_info_at": (c.c_int, [P, c.c_int32, c.POINTER(_KernelInfo)]),
        "mrt_signature": (c.c_char_p, [P]),
        "mrt_kernel_flops": (c.c_double, [P, c.c_int32, c.c_int64, c.c_int64]),
        "mrt_set_num_threads": (c.c_int, [P, c.c_int32]),
        "mrt_run": (c.c_int, [P, c.POINTER(_Tensor), c.c_int32,
                              c.POINTER(_Tensor), c.c_int32]),
        "mrt_run_profiled": (c.c_int, [P, c.POINTER(_Tensor), c.c_int32,
                                       c.POINTER(_Tensor), c.c_int32,
                                       c.POINTER(c.c_double)]),
        "mrt_reserve": (c.c_int, [P, c.c_int64, c.c_int64]),
        "mrt_arena_bytes": (c.c_int64, [P]),
        "mrt_arena_allocations": (c.c_int64, [P]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    if path is None:
        _lib = lib
    return lib


def _check(lib, status):
    if status != 0:
        raise ModelrtError(status, lib.mrt_last_error().decode(errors="replace"))


def _tensor_spec(info):
    """A signature entry as plain Python values: the ctypes struct's strings
    live in the model library, which close() unloads."""
    return {"name": info.name.decode(), "dtype": int(info.dtype),
            "dims": tuple(int(d) for d in info.dims[:info.rank]),
            "limit": int(info.limit)}


def _spec(t):
    """{'name', 'dtype', 'shape'} and, for id inputs with a table, 'limit'
    (valid ids are [0, limit))."""
    shape = tuple("batch" if d == MRT_DIM_BATCH else "seq" if d == MRT_DIM_SEQ
                  else d for d in t["dims"])
    spec = {"name": t["name"], "dtype": np.dtype(_NP[t["dtype"]]).name,
            "shape": shape}
    if t["limit"]:
        spec["limit"] = t["limit"]
    return spec


class Model:
    """A loaded lib<name>.so with its mmap'd weights."""

    def __init__(self, path, weights=None, threads=None, library=None):
        self._lib = load_library(library)
        self._m = ctypes.c_void_p()
        _check(self._lib, self._lib.mrt_load(
            os.fsencode(path), os.fsencode(weights) if weights else None,
            ctypes.byref(self._m)))
        lib, m = self._lib, self._m
        self.name = lib.mrt_model_name(m).decode()
        self.target = lib.mrt_model_target(m).decode()
        self.max_seq = int(lib.mrt_max_seq(m))
        self.weights_path = lib.mrt_model_weights_path(m).decode()

        def infos(count, getter):
            out = []
            for i in range(count(m)):
                info = _TensorInfo()
                _check(lib, getter(m, i, ctypes.byref(info)))
                out.append(_tensor_spec(info))
            return out

        self._inputs = infos(lib.mrt_num_inputs, lib.mrt_input_info)
        self._outputs = infos(lib.mrt_num_outputs, lib.mrt_output_info)
        self.inputs = [_spec(i) for i in self._inputs]
        self.outputs = [_spec(o) for o in self._outputs]
        self.kernels = []
        for i in range(lib.mrt_num_kernels(m)):
            k = _KernelInfo()
            _check(lib, lib.mrt_kernel_info_at(m, i, ctypes.byref(k)))
            self.kernels.append({"name": k.name.decode(), "kind": k.kind.decode(),
                                 "flops_per_token": k.flops_per_token,
                                 "flops_per_token_seq": k.flops_per_token_seq})
        self._signature = lib.mrt_signature(m).decode()
        if threads is not None:
            self.set_num_threads(threads)

    def _handle(self):
        """The C model; raises once close() has freed it."""
        if not self._m.value:
            raise ModelrtError(1, f"model '{self.name}' is closed")
        return self._m

    @property
    def signature(self):
        """{'name', 'max_seq', 'inputs': [...], 'outputs': [...]}; shapes use
        'batch' and 'seq' for the dynamic dimensions."""
        return {"name": self.name, "max_seq": self.max_seq,
                "inputs": self.inputs, "outputs": self.outputs,
                "text": self._signature}

    def set_num_threads(self, threads):
        """0 (the runtime's default) or 1 .. MRT_MAX_THREADS (4096)."""
        try:
            n = operator.index(threads)
        except TypeError:
            raise TypeError("threads must be an integer, got "
                            f"{type(threads).__name__}") from None
        if not 0 <= n <= MRT_MAX_THREADS:  # checked here: ctypes would wrap
            raise ModelrtError(1, f"thread count must be in [0, {MRT_MAX_THREADS}]"
                                  f" (0 = the runtime's default), got {n}")
        _check(self._lib, self._lib.mrt_set_num_threads(self._handle(), n))

    @property
    def arena_bytes(self):
        return int(self._lib.mrt_arena_bytes(self._handle()))

    @property
    def arena_allocations(self):
        return int(self._lib.mrt_arena_allocations(self._handle()))

    def _prepare(self, args, kwargs):
        if args and kwargs:
            raise TypeError("pass inputs either by position or by name")
        names = [i["name"] for i in self._inputs]
        if args:
            if len(args) != len(names):
                raise ModelrtError(1, f"model '{self.name}' takes {len(names)} "
                                      f"inputs ({', '.join(names)}), got {len(args)}")
            kwargs = dict(zip(names, args))
        arrays, tensors, infos = [], [], []
        for key, value in kwargs.items():
            if key not in names:
                raise ModelrtError(1, f"unknown input '{key}'; model "
                                      f"'{self.name}' has inputs: {', '.join(names)}")
            info = self._inputs[names.index(key)]
            want = np.dtype(_NP[info["dtype"]]).name
            a = np.asarray(value)
            if info["dtype"] == MRT_I32 and a.dtype.kind in "iu":
                if a.size and (a.min() < -2**31 or a.max() >= 2**31):
                    raise ModelrtError(5, f"input '{key}' has values outside int32")
                a = a.astype(np.int32, copy=False)
            elif info["dtype"] == MRT_F32 and a.dtype.kind in "fiu":
                a = a.astype(np.float32, copy=False)
            elif a.dtype not in (np.float32, np.int32):
                raise ModelrtError(5, f"input '{key}' must be {want}, got {a.dtype}")
            a = np.ascontiguousarray(a)
            if a.ndim > MRT_MAX_RANK:
                raise ModelrtError(4, f"input '{key}' has rank {a.ndim}")
            arrays.append(a)
            infos.append(info)
            t = _Tensor()
            t.name = key.encode()
            t.dtype = MRT_F32 if a.dtype == np.float32 else MRT_I32
            t.rank = a.ndim
            for k, d in enumerate(a.shape):
                t.dims[k] = d
            t.data = a.ctypes.data if a.size else 64  # non-NULL, aligned; never read
            tensors.append(t)
        # batch and seq as the inputs give them (the runtime validates); inputs
        # without a seq dimension (an image model) run at seq = max_seq.
        batch = 1
        seq = 1 if any(MRT_DIM_SEQ in i["dims"] for i in self._inputs) else self.max_seq
        for t, info in zip(tensors, infos):
            if t.rank == len(info["dims"]):
                for k, d in enumerate(info["dims"]):
                    if d == MRT_DIM_BATCH:
                        batch = t.dims[k]
                    elif d == MRT_DIM_SEQ:
                        seq = t.dims[k]
        if not (1 <= seq <= self.max_seq) or batch < 1:
            batch = seq = 1  # invalid; mrt_run reports the inputs
        outs, out_tensors = {}, []
        for info in self._outputs:
            shape = tuple(batch if d == MRT_DIM_BATCH else seq if d == MRT_DIM_SEQ
                          else d for d in info["dims"])
            a = np.empty(shape, dtype=_NP[info["dtype"]])
            outs[info["name"]] = a
            t = _Tensor()
            t.name = info["name"].encode()
            t.dtype = info["dtype"]
            t.rank = len(shape)
            for k, d in enumerate(shape):
                t.dims[k] = d
            t.data = a.ctypes.data if a.size else 64  # non-NULL, aligned
            out_tensors.append(t)
        in_arr = (_Tensor * max(len(tensors), 1))(*tensors)
        out_arr = (_Tensor * len(out_tensors))(*out_tensors)
        return arrays, in_arr, len(tensors), out_arr, outs, batch, seq

    def run(self, *args, **inputs):
        """Runs on numpy inputs (by name, or by position in signature order);
        returns {output name: numpy array}."""
        m = self._handle()
        keep, ins, n, outs_c, outs, _, _ = self._prepare(args, inputs)
        _check(self._lib, self._lib.mrt_run(m, ins, n, outs_c,
                                            len(self._outputs)))
        del keep
        return outs

    def run_profiled(self, *args, **inputs):
        """run(), plus a list of per-launch dicts {name, kind, seconds, flops}."""
        m = self._handle()
        keep, ins, n, outs_c, outs, batch, seq = self._prepare(args, inputs)
        nk = len(self.kernels)
        secs = (ctypes.c_double * max(nk, 1))()
        _check(self._lib, self._lib.mrt_run_profiled(
            m, ins, n, outs_c, len(self._outputs), secs))
        del keep
        profile = []
        for i, k in enumerate(self.kernels):
            profile.append({"name": k["name"], "kind": k["kind"],
                            "seconds": secs[i],
                            "flops": self._lib.mrt_kernel_flops(m, i, batch,
                                                                seq)})
        return outs, profile

    def close(self):
        if getattr(self, "_m", None) and self._m.value:
            self._lib.mrt_free(self._m)
            self._m = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        closed = "" if self._m.value else " (closed)"
        return f"<modelrt.Model {self.name}{closed}: {self._signature}>"
