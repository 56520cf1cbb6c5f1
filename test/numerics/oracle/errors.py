"""The oracle's one error type: a spec (or its weights) that docs/spec.md does not allow."""


class SpecError(ValueError):
    pass
