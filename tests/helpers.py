"""Helpers shared by the engine tests: layer cases, a central-difference checker, small data sets.

Kept out of conftest.py so test files import them by name (``from helpers import ...``);
pytest puts ``tests/`` on ``sys.path`` because the folder has no ``__init__.py``.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

import barenet as bn

# One or more (id, class, args, kwargs, per-sample input shape) per registered layer.
# test_layer_contract.py asserts that the classes here are exactly barenet.LAYERS.
LAYER_CASES: list[tuple[str, type, tuple, dict, tuple]] = [
    ("dense", bn.Dense, (5, 3), {"seed": 0}, (5,)),
    ("dense-1x1", bn.Dense, (1, 1), {"seed": 1, "init": "he_normal"}, (1,)),
    ("conv-int", bn.Conv2D, (2, 4, 3), {"seed": 0}, (2, 6, 5)),
    ("conv-pairs", bn.Conv2D, (3, 2, (3, 2)), {"stride": (2, 1), "padding": (1, 2), "seed": 0}, (3, 7, 6)),
    ("maxpool-int", bn.MaxPool2D, (2,), {}, (3, 6, 7)),
    ("maxpool-pairs", bn.MaxPool2D, ((3, 2),), {"stride": (1, 2)}, (2, 5, 6)),
    ("avgpool-int", bn.AvgPool2D, (2,), {"stride": 1}, (2, 4, 5)),
    ("avgpool-pairs", bn.AvgPool2D, ((2, 3),), {"stride": (3, 1)}, (1, 8, 6)),
    ("flatten-4d", bn.Flatten, (), {}, (2, 3, 4)),
    ("flatten-2d", bn.Flatten, (), {}, (7,)),
    ("sigmoid", bn.Sigmoid, (), {}, (6,)),
    ("tanh", bn.Tanh, (), {}, (2, 3, 3)),
    ("relu", bn.ReLU, (), {}, (6,)),
    ("leakyrelu", bn.LeakyReLU, (0.2,), {}, (4, 3)),
    ("softmax", bn.Softmax, (), {}, (5,)),
    ("softmax-3d", bn.Softmax, (), {}, (3, 4)),
    ("dropout", bn.Dropout, (0.4,), {"seed": 0}, (10,)),
]


def build(case: tuple, **extra: Any) -> bn.Layer:
    """Instantiate a LAYER_CASES entry, with extra keyword arguments (e.g. dtype=)."""
    _, cls, args, kwargs, _ = case
    return cls(*args, **{**kwargs, **extra})


def rel_error(a: np.ndarray, n: np.ndarray) -> float:
    """max |a - n| / max(max |a|, max |n|), the measure barenet.gradcheck reports."""
    a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
    err = float(np.max(np.abs(a - n), initial=0.0))
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(n), initial=0.0)))
    return err / scale if scale > 0 else (0.0 if err == 0 else np.inf)


def numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every element of x."""
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = f(x)
        flat[i] = old - eps
        minus = f(x)
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def loss_grad_error(loss: bn.Loss, pred: np.ndarray, target: np.ndarray) -> float:
    """Relative error between ``loss.backward()`` and central differences of ``loss.forward``."""
    pred = np.array(pred, dtype=np.float64)
    loss.forward(pred, target)
    analytic = loss.backward()
    assert analytic.shape == pred.shape and analytic.dtype == np.float64
    numeric = numeric_grad(lambda p: loss.forward(p, target), pred)
    return rel_error(analytic, numeric)


def away_from_zero(rng: np.random.Generator, shape: tuple, low: float = 1e-3) -> np.ndarray:
    """Values with |x| in [low, 2] and random sign, so no element sits on a ReLU kink."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, 2.0, size=shape)


def distinct(rng: np.random.Generator, shape: tuple, gap: float = 0.1) -> np.ndarray:
    """A random permutation of 0, gap, 2 gap, ... (centered), so every max is unique by far more than eps."""
    size = int(np.prod(shape))
    return (rng.permutation(size).astype(np.float64) - size / 2).reshape(shape) * gap


def blobs(n_per_class: int = 20, n_classes: int = 3, seed: int = 0, spread: float = 0.3) -> tuple:
    """A linearly separable 2-D problem: class k around (3 cos(2 pi k / K), 3 sin(2 pi k / K))."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centers = 3 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    y = np.repeat(np.arange(n_classes), n_per_class)
    X = centers[y] + spread * rng.standard_normal((len(y), 2))
    order = rng.permutation(len(y))
    return X[order].astype(np.float32), y[order]


def params_of(model: bn.Sequential) -> list[dict[str, np.ndarray]]:
    """A deep copy of every layer's parameters."""
    return [{k: v.copy() for k, v in layer.params.items()} for layer in model.layers]


def same_params(a: list[dict[str, np.ndarray]], b: list[dict[str, np.ndarray]]) -> bool:
    """True when both parameter lists hold bit-identical arrays under the same keys."""
    return len(a) == len(b) and all(
        pa.keys() == pb.keys() and all(np.array_equal(pa[k], pb[k]) for k in pa) for pa, pb in zip(a, b)
    )
