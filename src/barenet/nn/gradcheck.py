"""Numerical gradient checking by central differences in float64.

For a scalar objective L and each element theta_i of a parameter or of the input,

    dL/dtheta_i ~ (L(theta + eps e_i) - L(theta - eps e_i)) / (2 eps),

with error O(eps^2). The objective is ``loss(forward(x), y)`` when a loss is given,
otherwise ``sum(forward(x) * R)`` for a fixed random R, which exercises every output.
Each tensor's error is reported relative to its largest gradient:

    rel_error = max_i |a_i - n_i| / max(max_i |a_i|, max_i |n_i|)

(0 when both are exactly zero), which stays meaningful for elements that are near zero.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from .layers import Dropout


@dataclass
class GradReport:
    """The check of one tensor: ``name`` is ``"input"`` or ``"<layer label>.<param>"``."""

    name: str
    shape: tuple
    max_abs_error: float
    max_rel_error: float
    checked: int
    tol: float

    @property
    def ok(self) -> bool:
        return self.max_rel_error <= self.tol

    def __str__(self) -> str:
        mark = "ok " if self.ok else "BAD"
        return (f"{mark} {self.name:<32} shape={self.shape!s:<18} rel_error={self.max_rel_error:.2e} "
                f"abs_error={self.max_abs_error:.2e} checked={self.checked}")


class GradcheckResult(list):
    """A list of GradReport with ``ok`` (all within tolerance) and a readable ``str()``."""

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self)

    @property
    def max_rel_error(self) -> float:
        return max((r.max_rel_error for r in self), default=0.0)

    def __str__(self) -> str:
        return "\n".join(str(r) for r in self)


def _layers_of(model: Any) -> list[Any]:
    return list(model.layers) if hasattr(model, "layers") else [model]


def _to_float64(model: Any) -> Any:
    """A deep copy of the model whose parameters and dtypes are float64."""
    model = copy.deepcopy(model)
    for layer in _layers_of(model):
        if hasattr(layer, "dtype"):
            layer.dtype = np.dtype(np.float64)
        for k, v in layer.params.items():
            layer.params[k] = v.astype(np.float64)
    return model


def _dropout_off(model: Any) -> None:
    """Make the copy's training pass compute the inference function, for an inference check.

    backward needs the cache of a training forward; the only layer whose training pass
    differs from inference is Dropout, which with p = 0 passes x through (y = x) as at inference.
    """
    for layer in _layers_of(model):
        if isinstance(layer, Dropout):
            layer.p = 0.0


def _rel(a: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    abs_err = float(np.max(np.abs(a - n), initial=0.0))
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(n), initial=0.0)))
    return abs_err, (abs_err / scale if scale > 0 else (0.0 if abs_err == 0 else np.inf))


def gradcheck(model: Any, x: Any, y: Any = None, loss: Any = None, *, eps: float = 1e-5, tol: float = 1e-6,
              training: bool = False, max_checks: int | None = 200, seed: int = 0) -> GradcheckResult:
    """Compare backward's gradients with central differences for every parameter and the input.

    ``model`` is a Sequential, a single layer, or any object with ``forward``, ``backward``
    and per-layer ``params``/``grads``. It is copied to float64 first; the original is left
    untouched. ``max_checks`` bounds the elements tested per tensor (a seeded random
    subset; None checks all). Layers with their own Generator (Dropout) replay the same
    stream for every evaluation, so ``training=True`` is checkable too. Every evaluation
    runs a training forward (backward needs its cache); ``training=False`` checks the
    inference function by running it with the copy's dropout switched off.
    """
    m = _to_float64(model)
    if not training:
        _dropout_off(m)
    layers = _layers_of(m)
    x = np.array(x, dtype=np.float64)
    rng = np.random.default_rng(seed)
    streams = [(layer, copy.deepcopy(layer.rng.bit_generator.state)) for layer in layers
               if isinstance(getattr(layer, "rng", None), np.random.Generator)]
    R = None

    def objective(inp: np.ndarray) -> tuple[float, np.ndarray]:
        nonlocal R
        for layer, state in streams:
            layer.rng.bit_generator.state = copy.deepcopy(state)
        out = m.forward(inp, training=True)  # backward needs a training pass; see _dropout_off
        if loss is not None:
            return float(loss.forward(out, y)), loss.backward()
        if R is None:
            R = rng.standard_normal(out.shape)
        return float(np.sum(out * R)), R

    _, dout = objective(x)
    dx = m.backward(dout)
    analytic = [("input", x, np.array(dx, dtype=np.float64))]
    for layer in layers:
        for k, p in layer.params.items():
            analytic.append((f"{layer.label}.{k}", p, layer.grads[k].copy()))

    result = GradcheckResult()
    for name, tensor, grad in analytic:
        idx = np.arange(tensor.size)
        if max_checks is not None and tensor.size > max_checks:
            idx = rng.choice(tensor.size, size=max_checks, replace=False)
        flat = tensor.reshape(-1)  # a view: perturbing it perturbs the parameter or the input
        numeric = np.empty(len(idx))
        for j, i in enumerate(idx):
            old = flat[i]
            flat[i] = old + eps
            plus = objective(x)[0]
            flat[i] = old - eps
            minus = objective(x)[0]
            flat[i] = old
            numeric[j] = (plus - minus) / (2 * eps)
        abs_err, rel_err = _rel(grad.reshape(-1)[idx], numeric)
        result.append(GradReport(name, tensor.shape, abs_err, rel_err, len(idx), tol))
    return result
