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

from .errors import ShapeError
from .tables import html_paragraph, html_table
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

    @property
    def findings(self) -> list[str]:
        """What the check found, in sentences: the verdict, and where a faulty backward must be.

        The rows go from the input up to the last layer, and backward runs the other way: a
        wrong gradient spoils every tensor below it. So the mistake sits between the highest
        failing tensor and the passing one just above it.
        """
        if self.ok:
            return [f"All {len(self)} tensors agree with central differences: the largest relative error is "
                    f"{self.max_rel_error:.1e}, within the tolerance of {self[0].tol:g}." if self else
                    "Nothing was checked."]
        bad = [i for i, r in enumerate(self) if not r.ok]
        top = self[bad[-1]].name
        owner = top.rsplit(".", 1)[0]  # "Dense(2, 2) at layer 2" owns "Dense(2, 2) at layer 2.W"
        above = next((r.name for r in self[bad[-1] + 1:] if r.name.rsplit(".", 1)[0] != owner), None)
        where = (f"Backward runs from the output down, so a mistake spoils every gradient below it: the highest "
                 f"failing tensor is {top}, and {above} above it passes. Look at the backward pass of "
                 f"{owner} and of the layers between it and {above}."
                 if above else
                 f"The highest failing tensor, {top}, belongs to the last layer with parameters: look at its "
                 f"backward pass, at the layers after it, and at the loss's gradient.")
        return [f"{len(bad)} of {len(self)} tensors disagree with central differences (highlighted): "
                f"{', '.join(self[i].name for i in bad)}.", where]

    def _repr_html_(self) -> str:
        """A table of every checked tensor, failing rows highlighted, then the findings."""
        rows = [[r.name, str(tuple(r.shape)), str(r.checked), f"{r.max_abs_error:.2e}", f"{r.max_rel_error:.2e}",
                 f"{r.tol:g}", "ok" if r.ok else "FAIL"] for r in self]
        table = html_table(["tensor", "shape", "checked", "abs. error", "rel. error", "tolerance", "verdict"],
                           rows, caption="Gradient check: backward against central differences in float64",
                           row_classes=["" if r.ok else "bad" for r in self],
                           numeric=[False, False, True, True, True, True, False])
        kind = "" if self.ok else "bad"
        return table + "".join(html_paragraph(text, kind) for text in self.findings)


CHECK_YOUR_OWN = ("For a network written without barenet (weights such as self.w1 and your own backward), use "
                  "bn.check_gradients(loss_fn, params, grads), or bn.check_step(step_fn, params, loss_fn, lr) "
                  "for code that updates its weights in place (docs/check.md).")


def _layers_of(model: Any) -> list[Any]:
    return list(model.layers) if hasattr(model, "layers") else [model]


def _name(obj: Any) -> str:
    return getattr(obj, "label", None) or type(obj).__name__


def _require_checkable(model: Any) -> None:
    """A Sequential, a layer, or an object shaped like one; else a TypeError that says what to use."""
    lacks = [m for m in ("forward", "backward") if not callable(getattr(model, m, None))]
    layers = _layers_of(model) if not lacks else []
    for layer in layers:
        lacks += [f"{_name(layer)}.{a}" if layer is not model else a for a in ("params", "grads")
                  if not isinstance(getattr(layer, a, None), dict)]
    if lacks:
        raise TypeError(f"gradcheck: expected a barenet Sequential or layer (forward, backward, and params and "
                        f"grads dicts on every layer); received {type(model).__name__}, which has no "
                        f"{', '.join(lacks)}. {CHECK_YOUR_OWN}")


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


def _analytic(layers: list[Any], x: np.ndarray, dx: Any, check_input: bool) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, tensor, backward's gradient) for the input (when checked) and every parameter."""
    out = []
    if check_input:
        first = _name(layers[0])
        if dx is None:
            raise TypeError(f"gradcheck: {first}: backward returned None, so the input's gradient cannot be "
                            f"checked; return dL/dx (shape {x.shape}), or pass check_input=False to check the "
                            "parameters only")
        if np.shape(dx) != x.shape:
            raise ShapeError(f"gradcheck: {first}: backward returned a gradient of shape {np.shape(dx)} for an "
                             f"input of shape {x.shape}")
        out.append(("input", x, np.array(dx, dtype=np.float64)))
    for layer in layers:
        for k, p in layer.params.items():
            g = layer.grads.get(k)
            if g is None or np.shape(g) != p.shape:
                got = "nothing" if g is None else f"shape {np.shape(g)}"
                raise ShapeError(f"gradcheck: {_name(layer)}: backward left {got} in grads[{k!r}] for a "
                                 f"parameter of shape {p.shape}")
            out.append((f"{_name(layer)}.{k}", p, np.array(g, dtype=np.float64)))
    return out


def _central(tensor: np.ndarray, idx: np.ndarray, f: Any, eps: float) -> np.ndarray:
    """(f(t + eps e_i) - f(t - eps e_i)) / (2 eps) for each flat index i of ``tensor``, restored after."""
    flat = tensor.reshape(-1)  # a view: perturbing it perturbs the parameter or the input
    numeric = np.empty(len(idx))
    for j, i in enumerate(idx):
        old = flat[i]
        try:
            flat[i] = old + eps
            plus = f()
            flat[i] = old - eps
            minus = f()
        finally:
            flat[i] = old
        numeric[j] = (plus - minus) / (2 * eps)
    return numeric


def gradcheck(model: Any, x: Any, y: Any = None, loss: Any = None, *, eps: float = 1e-5, tol: float = 1e-6,
              training: bool = False, max_checks: int | None = 200, seed: int = 0,
              check_input: bool = True) -> GradcheckResult:
    """Compare backward's gradients with central differences for every parameter and the input.

    ``model`` is a Sequential, a single layer, or any object with ``forward``, ``backward``
    and per-layer ``params``/``grads`` dicts; anything else raises a TypeError that points
    to ``check_gradients`` (for networks written without barenet). It is copied to float64
    first; the original is left untouched. ``max_checks`` bounds the elements tested per
    tensor (a seeded random subset; None checks all). ``check_input=False`` skips dL/dx, for
    a model whose backward computes no input gradient. Layers with their own Generator
    (Dropout) replay the same stream for every evaluation, so ``training=True`` is checkable
    too. Every evaluation runs a training forward (backward needs its cache);
    ``training=False`` checks the inference function by running it with the copy's dropout
    switched off.
    """
    _require_checkable(model)
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
    analytic = _analytic(layers, x, m.backward(dout), check_input)
    result = GradcheckResult()
    for name, tensor, grad in analytic:
        idx = np.arange(tensor.size)
        if max_checks is not None and tensor.size > max_checks:
            idx = rng.choice(tensor.size, size=max_checks, replace=False)
        numeric = _central(tensor, idx, lambda: objective(x)[0], eps)
        abs_err, rel_err = _rel(grad.reshape(-1)[idx], numeric)
        result.append(GradReport(name, tensor.shape, abs_err, rel_err, len(idx), tol))
    return result
