"""The layer contract shared by every layer.

A layer maps a batch to a batch:

- ``forward(x, training=False) -> y`` checks ``x``; with ``training=True`` it caches what
  backward needs, and with ``training=False`` (inference) it keeps nothing, dropping any
  earlier cache, so inference holds no memory after it returns;
- ``backward(dy) -> dx`` fills ``self.grads`` (same keys as ``self.params``); it needs the
  cache of a training forward and raises NotReadyError otherwise;
- ``get_config()`` returns the constructor arguments as plain JSON-able data;
- ``output_shape(shape)`` maps a per-sample input shape to the per-sample output shape.

Layers with parameters may also offer ``backward_params(dy)``, which fills ``grads`` without
computing dx; training calls it on the first such layer, whose input is the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import NotReadyError, ShapeError

FLOAT_DTYPES = ("float32", "float64")


def as_float_dtype(dtype: Any, owner: str) -> np.dtype:
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise ValueError."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise ValueError(f"{owner}: dtype must be float32 or float64, received {dtype!r}") from exc
    if dt.name not in FLOAT_DTYPES:
        raise ValueError(f"{owner}: dtype must be float32 or float64, received {dt.name}")
    return dt


def as_pair(value: Any, what: str, owner: str, minimum: int) -> tuple[int, int]:
    """Turn an int or an (h, w) pair into a validated pair of ints >= ``minimum``."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair):
        raise ValueError(f"{owner}: {what} must be an int or a pair of ints, received {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{owner}: {what} must be >= {minimum}, received {value!r}")
    return int(pair[0]), int(pair[1])


def shape_str(shape: tuple, batch: bool = True) -> str:
    """Format a shape the way error messages show it: ``(N, 3, 28, 28)``."""
    dims = ["N"] if batch else []
    dims += ["?" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ")"


class Layer:
    """Base class. Subclasses set ``params`` in ``__init__`` and implement the contract."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.where = ""  # set by Sequential, e.g. "layer 2", so errors can say where
        self._cache: Any = None

    # -- naming ---------------------------------------------------------------------
    @property
    def label(self) -> str:
        """How error messages name this layer: ``Dense(4, 2) at layer 3``."""
        return f"{self.short_label} at {self.where}" if self.where else self.short_label

    @property
    def short_label(self) -> str:
        """The layer's type and main sizes, without where it sits: ``Dense(4, 2)``."""
        return f"{type(self).__name__}({', '.join(str(v) for v in self._label_args())})"

    def _label_args(self) -> tuple:
        return ()

    def __repr__(self) -> str:
        cfg = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({cfg})"

    # -- contract -------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dy: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Layer":
        return cls(**config)

    def output_shape(self, input_shape: tuple) -> tuple:
        """Per-sample output shape for a per-sample input shape (no batch axis)."""
        return tuple(input_shape)

    def init_params(self, rng: np.random.Generator) -> None:
        """Redraw the parameters from ``rng``. Layers without parameters do nothing."""

    @classmethod
    def param_shapes(cls, config: dict[str, Any]) -> dict[str, tuple]:
        """The shape of each parameter a layer built from ``config`` would have, without building it.

        The model-file loader compares these with the arrays in the file before it builds
        a layer, so a forged config cannot make it allocate more than the file holds.
        """
        return {}

    @property
    def n_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    # -- helpers for subclasses -----------------------------------------------------
    def _check_input(self, x: Any, expected: tuple) -> np.ndarray:
        """Check rank and the fixed dimensions of ``x`` against ``expected``.

        ``expected`` is the per-sample shape with ``None`` for free dimensions. Raises
        ShapeError naming the layer, the expected shape and the received shape.
        """
        if type(x) is not np.ndarray:
            x = np.asarray(x)
        shape = x.shape
        # A plain loop: this runs for every layer on every batch, so it is kept cheap.
        ok = len(shape) == len(expected) + 1
        if ok:
            for e, d in zip(expected, shape[1:]):
                if e is not None and e != d:
                    ok = False
                    break
        if not ok:
            raise ShapeError(
                f"{self.label}: expected input of shape {shape_str(expected)}, received {shape}"
                + self._shape_hint(x)
            )
        if shape[0] == 0:
            raise ShapeError(f"{self.label}: received an empty batch {shape}; need at least one sample")
        if x.dtype.kind != "f":
            x = x.astype(np.float32)
        return x

    def _check_batch(self, x: Any) -> np.ndarray:
        """Check only that ``x`` has a batch axis and is not empty: shape (N, ...)."""
        x = np.asarray(x)
        return self._check_input(x, (None,) * max(x.ndim - 1, 1))

    def _shape_hint(self, x: np.ndarray) -> str:
        return ""

    def clear_cache(self) -> None:
        """Drop what the last training forward kept (backward then raises NotReadyError)."""
        self._cache = None

    def _need_cache(self) -> Any:
        if self._cache is None:
            raise NotReadyError(f"{self.label}: backward() needs the cache of a training forward pass; call "
                                "forward(x, training=True) first (an inference forward keeps nothing)")
        return self._cache

    def _check_dy(self, dy: Any, y_shape: tuple) -> np.ndarray:
        dy = np.asarray(dy)
        if dy.shape != tuple(y_shape):
            raise ShapeError(
                f"{self.label}: backward expected a gradient of shape {tuple(y_shape)} "
                f"(the forward output), received {dy.shape}"
            )
        return dy
