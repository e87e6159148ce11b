"""Elementwise activations and the softmax.

These layers have no parameters and compute in their input's dtype. In training each
caches what its derivative needs: the output for Sigmoid, Tanh, Softmax and ReLU (whose
derivatives are cheapest in terms of y), the input sign for LeakyReLU.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .base import Layer


def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + e^-x), accurate to a few ulps in relative terms for every x.

    For very negative x, e^-x overflows to inf and 1 / (1 + inf) = 0, which is the
    right limit (the true value is below the smallest normal float), so the overflow
    warning is silenced rather than avoided with extra passes over the data.
    """
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """p_i = e^{z_i - max z} / sum_j e^{z_j - max z}; subtracting the max avoids overflow."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log p_i = (z_i - max z) - log sum_j e^{z_j - max z}, finite for any finite z."""
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class _Elementwise(Layer):
    """An activation applied to each element; any input shape (N, ...) -> same shape.

    ``non_decreasing``: x <= x' implies f(x) <= f(x'), so f(max x) = max f(x) and inference
    may apply f after a following max pooling (``Sequential._infer``).
    """

    non_decreasing = False

    def _cached_y(self, dy: Any) -> tuple[np.ndarray, np.ndarray]:
        y = self._need_cache()
        return y, self._check_dy(dy, y.shape)


class Sigmoid(_Elementwise):
    """y = 1 / (1 + e^-x); dy/dx = y (1 - y). Shape: (N, ...) -> (N, ...)."""

    non_decreasing = True

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        y = sigmoid(self._check_batch(x))
        self._cache = y if training else None
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        y, dy = self._cached_y(dy)
        return dy * y * (1 - y)


class Tanh(_Elementwise):
    """y = tanh(x); dy/dx = 1 - y^2. Shape: (N, ...) -> (N, ...)."""

    non_decreasing = True

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        y = np.tanh(self._check_batch(x))
        self._cache = y if training else None
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        y, dy = self._cached_y(dy)
        return dy * (1 - y * y)


class ReLU(_Elementwise):
    """y = max(x, 0); dy/dx = 1 where x > 0, else 0 (0 at x = 0, as PyTorch). Shape: (N, ...)."""

    non_decreasing = True

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        y = np.maximum(self._check_batch(x), 0)
        self._cache = y if training else None  # y > 0 exactly where x > 0: all backward needs
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        y, dy = self._cached_y(dy)
        return dy * (y > 0)


class LeakyReLU(_Elementwise):
    """y = x where x > 0, else a*x; dy/dx = 1 or a. Shape: (N, ...) -> (N, ...)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        if not isinstance(negative_slope, numbers.Real) or not np.isfinite(negative_slope):
            raise ValueError(f"LeakyReLU: negative_slope must be a finite number, received {negative_slope!r}")
        self.negative_slope = float(negative_slope)

    @property
    def non_decreasing(self) -> bool:  # type: ignore[override]
        return self.negative_slope >= 0

    def _label_args(self) -> tuple:
        return (self.negative_slope,)

    def get_config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = self._check_batch(x)
        positive = x > 0
        self._cache = positive if training else None
        return np.where(positive, x, x * self.negative_slope)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        positive, dy = self._cached_y(dy)
        return np.where(positive, dy, dy * self.negative_slope)


class Softmax(_Elementwise):
    """p = softmax(x) along the last axis. Shape: (N, ..., K) -> (N, ..., K).

    The Jacobian is dp_i/dx_j = p_i (delta_ij - p_j), not just its diagonal, so the
    backward pass is the full Jacobian-vector product ``dx = p * (dy - sum_j dy_j p_j)``.
    Before SoftmaxCrossEntropy, which applies softmax itself, leave this layer out.
    """

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        p = softmax(self._check_batch(x))
        self._cache = p if training else None
        return p

    def backward(self, dy: np.ndarray) -> np.ndarray:
        p, dy = self._cached_y(dy)
        return p * (dy - (dy * p).sum(axis=-1, keepdims=True))
