"""Inverted dropout."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..initializers import make_rng
from .base import Layer


class Dropout(Layer):
    """In training, ``y = x * m / (1 - p)`` with m ~ Bernoulli(1 - p) per element; at inference ``y = x``.

    Scaling by 1/(1 - p) during training keeps E[y] = x, so inference needs no change.
    Shape: (N, ...) -> (N, ...). The mask comes from the layer's own seeded Generator,
    ``self.rng``, whose state a model file keeps so a resumed run draws the same masks.
    """

    def __init__(self, p: float = 0.5, *, seed: int | None = None) -> None:
        super().__init__()
        if not isinstance(p, numbers.Real) or isinstance(p, bool) or not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be a number in [0, 1), received {p!r}")
        self.p = float(p)
        self.rng = make_rng(seed)

    def _label_args(self) -> tuple:
        return (self.p,)

    def get_config(self) -> dict[str, Any]:
        return {"p": self.p}

    def init_params(self, rng: np.random.Generator) -> None:
        # No weights, but the mask stream is part of what a model seed fixes.
        self.rng = np.random.default_rng(rng.integers(2**63))

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = self._check_batch(x)
        if not training:
            self._cache = None
            return x
        if self.p == 0.0:
            self._cache = (x.shape, np.ones((), dtype=x.dtype))
            return x
        keep = self.rng.random(x.shape, dtype=np.float64 if x.dtype == np.float64 else np.float32) >= self.p
        mask = keep.astype(x.dtype) / np.asarray(1.0 - self.p, dtype=x.dtype)
        self._cache = (x.shape, mask)
        return x * mask

    def backward(self, dy: np.ndarray) -> np.ndarray:
        shape, mask = self._need_cache()
        return self._check_dy(dy, shape) * mask
