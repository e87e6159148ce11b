"""Fully connected layer."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..initializers import get_initializer, make_rng
from .base import Layer, as_float_dtype


class Dense(Layer):
    """Affine map ``y = x W + b``.

    Shape: (N, in_features) -> (N, out_features). ``W`` is (in_features, out_features),
    ``b`` is (out_features,).

    Backward, with upstream ``dy`` (N, out): ``dW = x^T dy``, ``db = sum_n dy``, ``dx = dy W^T``.
    """

    def __init__(self, in_features: int, out_features: int, *, init: str = "glorot_uniform",
                 dtype: Any = "float32", seed: int | None = None) -> None:
        super().__init__()
        for what, v in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"Dense: {what} must be a positive int, received {v!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.init = init
        self._init_fn = get_initializer(init, "Dense")
        self.dtype = as_float_dtype(dtype, "Dense")
        self._ones = np.ones(0, dtype=self.dtype)  # reused for the bias gradient, sized per batch
        self.init_params(make_rng(seed))

    def _label_args(self) -> tuple:
        return (self.in_features, self.out_features)

    @classmethod
    def param_shapes(cls, config: dict[str, Any]) -> dict[str, tuple]:
        n_in, n_out = int(config["in_features"]), int(config["out_features"])
        return {"W": (n_in, n_out), "b": (n_out,)}

    def init_params(self, rng: np.random.Generator) -> None:
        shapes = self.param_shapes(self.get_config())
        self.params["W"] = self._init_fn(shapes["W"], self.in_features, self.out_features, rng, self.dtype)
        self.params["b"] = np.zeros(shapes["b"], dtype=self.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"in_features": self.in_features, "out_features": self.out_features,
                "init": self.init, "dtype": self.dtype.name}

    def output_shape(self, input_shape: tuple) -> tuple:
        return (self.out_features,)

    def _shape_hint(self, x: np.ndarray) -> str:
        if x.ndim > 2:
            return "; put a Flatten layer before Dense to turn images into vectors"
        return ""

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = self._check_input(x, (self.in_features,))  # (N, in)
        if x.dtype is not self.dtype:  # identity is the cheap test; an equal dtype just converts for nothing
            x = x.astype(self.dtype)
        self._cache = x if training else None
        y = x @ self.params["W"]  # (N, out)
        y += self.params["b"]  # in place: no second (N, out) array
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._backward_params(dy)
        # dx = dy W^T (N, in), computed as (W dy^T)^T and returned as that transposed view:
        # OpenBLAS runs this orientation up to 20% faster for small batches (benchmarks/wl_layers.py),
        # and within a few percent for large ones.
        return (self.params["W"] @ dy.T).T

    def backward_params(self, dy: np.ndarray) -> None:
        """Fill ``grads`` only, without dL/dx: for a first layer, whose input needs no gradient."""
        self._backward_params(dy)

    def _backward_params(self, dy: np.ndarray) -> np.ndarray:
        x = self._need_cache()
        dy = self._check_dy(dy, (x.shape[0], self.out_features))
        if dy.dtype is not self.dtype:
            dy = dy.astype(self.dtype)
        self.grads["W"] = x.T @ dy  # (in, out)
        if len(self._ones) != len(dy):
            self._ones = np.ones(len(dy), dtype=self.dtype)
        self.grads["b"] = np.dot(self._ones, dy)  # (out,); as a GEMV, 2-3x faster than dy.sum(axis=0)
        return dy
