"""Layers that only rearrange values."""

from __future__ import annotations

import numpy as np

from .base import Layer


class Flatten(Layer):
    """Keep the batch axis, flatten the rest. Shape: (N, d1, d2, ...) -> (N, d1*d2*...)."""

    def output_shape(self, input_shape: tuple) -> tuple:
        return (int(np.prod(input_shape)),)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = self._check_batch(x)
        self._cache = x.shape if training else None
        return x.reshape(x.shape[0], -1)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        shape = self._need_cache()
        dy = self._check_dy(dy, (shape[0], int(np.prod(shape[1:]))))
        return dy.reshape(shape)
