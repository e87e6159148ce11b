"""Weight initializers.

Each initializer has the signature ``init(shape, fan_in, fan_out, rng, dtype) -> ndarray``
and draws from a seeded ``numpy.random.Generator``, so a seed fixes the weights.

- Glorot/Xavier (Glorot & Bengio, 2010), for tanh and sigmoid layers:
  uniform on [-a, a] with a = sqrt(6 / (fan_in + fan_out)); normal with std = sqrt(2 / (fan_in + fan_out)).
- He/Kaiming (He et al., 2015), for ReLU layers:
  uniform on [-a, a] with a = sqrt(6 / fan_in); normal with std = sqrt(2 / fan_in).

For Dense ``W`` (in, out): fan_in = in, fan_out = out. For Conv2D ``W`` (F, C, kh, kw):
fan_in = C*kh*kw, fan_out = F*kh*kw.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

Initializer = Callable[[tuple, int, int, np.random.Generator, np.dtype], np.ndarray]


def glorot_uniform(shape: tuple, fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape).astype(dtype)


def glorot_normal(shape: tuple, fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    return (rng.standard_normal(shape) * np.sqrt(2.0 / (fan_in + fan_out))).astype(dtype)


def he_uniform(shape: tuple, fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=shape).astype(dtype)


def he_normal(shape: tuple, fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)


def zeros(shape: tuple, fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


INITIALIZERS: dict[str, Initializer] = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "xavier_uniform": glorot_uniform,
    "xavier_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "zeros": zeros,
}


def get_initializer(name: str, owner: str = "initializer") -> Initializer:
    """Look ``name`` up in ``INITIALIZERS``; raise ValueError listing the choices if unknown."""
    if name not in INITIALIZERS:
        raise ValueError(f"{owner}: unknown initializer {name!r}; choose one of {sorted(INITIALIZERS)}")
    return INITIALIZERS[name]


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A Generator from a seed, an existing Generator (returned as is) or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)
