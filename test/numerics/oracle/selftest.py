"""Registered self-tests: small cases a family's file declares next to the family, run by
test_reference.py (pytest; lit: test/numerics/oracle-selftest.test) without being listed there.

    @selftest("attention-vs-naive", spec=lambda kv: ATTN % kv, params=[{"kv": 4}, {"kv": 1}])
    def _(case, kv):
        x = case.rand(2, 7, 24)
        np.testing.assert_allclose(case.run("mixer", x), naive(x, case.w("layer.attn.q.weight"), ...))

    spec_error("attention-kv-heads-divide", spec=..., match="must divide")

A case's spec is TOML text (or a function of the case's params returning it); model_toml() writes
the [model] table of a small model. The check gets a Case: the resolved spec, random weights
(seeded), the float64 module, one block run alone, canonical weights by slot.
"""
import re

import numpy as np
import torch

from .errors import SpecError

_cases = {}


def model_toml(vocab=16, dim=24, layers=1, max_seq=8, output="hidden", name="case"):
    return ('[model]\nname = "%s"\nvocab = %d\ndim = %d\nlayers = %d\nmax_seq = %d\noutput = "%s"\n'
            % (name, vocab, dim, layers, max_seq, output))


class Case:
    """One registered case with its params. The spec, weights and module are built on first use."""

    def __init__(self, name, spec, params, check, seed, match):
        self.name, self.params, self.check_fn, self.seed, self.match = name, params, check, seed, match
        self.text = spec(**params) if callable(spec) else spec
        self._spec = self._weights = self._module = None

    @property
    def id(self):
        return self.name + ("[%s]" % ",".join("%s=%s" % kv for kv in self.params.items()) if self.params else "")

    def __repr__(self):
        return self.id

    @property
    def spec(self):
        if self._spec is None:
            from .spec import loads_spec
            self._spec = loads_spec(self.text)
        return self._spec

    @property
    def weights(self):
        """Random checkpoint weights (the case's seed)."""
        if self._weights is None:
            from .weights import random_weights
            self._weights = random_weights(self.spec, self.seed)
        return self._weights

    @property
    def module(self):
        """The float64 RefModel."""
        if self._module is None:
            from . import build_module
            self._module = build_module(self.spec, self.weights)
        return self._module

    def w(self, slot, layer=0):
        """A canonical weight ([out, in]) as float64 ndarray; layer is ignored for model-level slots."""
        t = self.module.weights(layer if slot.startswith("layer.") else None)[slot]
        return t.detach().numpy()

    def block(self, role="mixer", layer=0):
        return getattr(self.spec.layer[layer], role)

    def run(self, role, x, layer=0, base=None):
        """Run one layer's `role` family alone on x (torch [batch, seq, dim]); norms at slot `base`."""
        env = self.module.env(x.shape[1])
        env.layer = layer
        w = self.module.weights(layer)
        with torch.no_grad():
            if role == "norm":
                return self.block(role, layer).forward(x, w, base, env)
            return self.block(role, layer).forward(x, w, env)

    def forward(self, tokens, token_types=None):
        from . import forward
        return forward(self.spec, None, tokens, token_types, module=self.module)

    def rand(self, *shape, seed=0):
        return torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))

    def tokens(self, batch, seq, seed=0):
        return np.random.default_rng(seed).integers(0, self.spec.vocab, (batch, seq))

    def check(self):
        if self.match is None:
            return self.check_fn(self, **self.params)
        try:
            self.spec
        except SpecError as e:
            if not re.search(self.match, str(e)):
                raise AssertionError("%s: SpecError %r does not match %r" % (self.id, str(e), self.match))
            return None
        raise AssertionError("%s: the spec was accepted; expected a SpecError matching %r" % (self.id, self.match))


def _add(name, spec, params, check, seed, match):
    if name in _cases:
        raise ValueError("self-test %r is registered twice" % name)
    _cases[name] = [Case(name, spec, p, check, seed, match) for p in (params or [{}])]


def selftest(name, spec, params=None, seed=0):
    """Decorator: check(case, **p) runs once per dict p in params (once without params)."""
    def deco(fn):
        _add(name, spec, params, fn, seed, None)
        return fn
    return deco


def spec_error(name, spec, match, params=None):
    """A case whose spec must be rejected with a SpecError whose message matches regex `match`."""
    _add(name, spec, params, None, 0, match)


def cases():
    return [c for group in _cases.values() for c in group]
