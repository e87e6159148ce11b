"""The ``activation-derivative`` diagnosis: a hidden activation's derivative written wrong.

A script's hidden activation is watched where it can be: a module-level function named
``sigmoid``, ``tanh``, ``relu``, ``leaky`` or ``leaky_relu``; ``np.tanh`` / ``math.tanh``
reached through the script's ``np`` and ``math``; and the inline ReLU ``np.maximum(a, 0)`` /
``np.maximum(0, a)``, one argument the number 0 and the other an array (a clip at another
value is not watched; a clip at 0 elsewhere passes the tests below only if it is a ReLU in
fact). Each place that calls one (a *site*, by its line) gives inputs a and outputs h = f(a)
while the loss runs; f is identified from them (sigmoid, tanh, ReLU, leaky ReLU). For a
parameter theta below the site,

    dL/dtheta = sum over the site's units of dL/dh * f'(a) * da/dtheta,

with dL/dh measured by moving each output h, and da/dtheta by moving theta. That this sum
equals the numerical gradient proves the site carries every path from theta to the loss.
Then f'(a) is replaced by each wrong derivative learners write (of the output, left out,
the activation itself, ...); the bug is named when exactly one of them gives the learner's
values under the check's tolerance. Sites with more than MAX_UNITS values are not tested.
"""

from __future__ import annotations

import math
import sys
import types
from typing import Any, Callable

import numpy as np

from .diagnose import Context, Evidence, explains
from .numeric import Precision, fits
from .params import ParamSet
from .report import Finding

NAMES = ("sigmoid", "tanh", "relu", "leaky", "leaky_relu")
MAX_UNITS = 2000


def _sig(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# name: (f, true f' from (a, h), {wrong derivative: (phi from (a, h), how it is written)})
ACTIVATIONS: dict[str, tuple[Callable, Callable, dict[str, tuple[Callable, str]]]] = {
    "tanh": (np.tanh, lambda a, h: 1 - h ** 2, {
        "of-output": (lambda a, h: 1 - np.tanh(h) ** 2, "tanh' taken of the unit's output, 1 - tanh(h)^2"),
        "missing": (lambda a, h: np.ones_like(a), "no tanh' at all"),
        "no-square": (lambda a, h: 1 - h, "tanh' written as 1 - h"),
        "formula-on-input": (lambda a, h: 1 - a ** 2, "1 - x^2 fed the input a, not the output h"),
        "itself": (lambda a, h: h, "tanh itself in place of its derivative")}),
    "sigmoid": (_sig, lambda a, h: h * (1 - h), {
        "of-output": (lambda a, h: _sig(h) * (1 - _sig(h)), "sigmoid' taken of the unit's output, s(h) (1 - s(h))"),
        "missing": (lambda a, h: np.ones_like(a), "no sigmoid' at all"),
        "formula-on-input": (lambda a, h: a * (1 - a), "x (1 - x) fed the input a, not the output h"),
        "itself": (lambda a, h: h, "the sigmoid itself in place of its derivative")}),
    "relu": (lambda a: np.maximum(a, 0), lambda a, h: (a > 0).astype(float), {
        "missing": (lambda a, h: np.ones_like(a), "no ReLU derivative at all (units that were off pass gradient)"),
        "itself": (lambda a, h: h, "the ReLU itself, max(a, 0), in place of its derivative (a > 0)")}),
}
FIX = {"tanh": "tanh'(a) = 1 - tanh(a)^2 = 1 - h^2, with h the unit's output: dz1 = dh * (1 - h ** 2).",
       "sigmoid": "sigmoid'(a) = s (1 - s) with s = sigmoid(a), the unit's output: dz1 = dh * h * (1 - h).",
       "relu": "ReLU'(a) is 1 where a > 0 and 0 elsewhere: dz1 = dh * (a > 0).",
       "leaky": "the leaky ReLU's derivative is 1 where a > 0 and its slope alpha elsewhere: "
                "dz1 = dh * np.where(a > 0, 1, alpha)."}


class Tap:
    """Watches a script's activations (see the module docstring) while it is ``on``: records each
    site's inputs and outputs, and adds ``push`` (site, flat vector) to a site's outputs."""

    def __init__(self, ns: dict[str, Any]) -> None:
        self.on, self.push = False, None
        self.calls: dict[tuple, list[tuple[np.ndarray, np.ndarray]]] = {}
        self.ns, self.saved = ns, {}
        for name in NAMES:
            if isinstance(ns.get(name), types.FunctionType):
                self.saved[name] = ns[name]
        for mod in ("np", "math"):
            if ns.get(mod) in (np, math):
                self.saved[mod] = ns[mod]

    def __bool__(self) -> bool:
        return bool(self.saved)

    def install(self) -> None:
        for name, value in self.saved.items():
            if name in ("np", "math"):
                proxy = types.SimpleNamespace(**{k: getattr(value, k) for k in dir(value) if not k.startswith("__")})
                proxy.tanh = self._wrap("tanh", value.tanh)
                if value is np:
                    proxy.maximum = self._wrap_max(np.maximum)
                self.ns[name] = proxy
            else:
                self.ns[name] = self._wrap(name, value)

    def remove(self) -> None:
        self.ns.update(self.saved)

    def run(self, evaluate: Callable, push: tuple | None = None) -> float:
        """The loss, with every site's calls recorded (and ``push`` added)."""
        self.calls, self.push, self.on = {}, push, True
        try:
            return evaluate()[0]
        finally:
            self.on, self.push = False, None

    def _wrap(self, name: str, fn: Callable) -> Callable:
        def watched(x: Any, *args: Any, **kw: Any) -> Any:
            out = fn(x, *args, **kw)
            if not self.on or args or kw:
                return out
            return self._record(name, x, out, sys._getframe(1))
        return watched

    def _wrap_max(self, fn: Callable) -> Callable:
        """np.maximum watched as a ReLU only when one argument is the scalar 0 and the other an
        array (``np.maximum(z, 0)``, ``np.maximum(0, z)``); a clip at another value is not."""
        def watched(x1: Any, x2: Any, *args: Any, **kw: Any) -> Any:
            out = fn(x1, x2, *args, **kw)
            if not self.on or args or kw:
                return out
            zero1, zero2 = _scalar_zero(x1), _scalar_zero(x2)
            if zero1 == zero2 or not isinstance(x2 if zero1 else x1, np.ndarray):
                return out
            # the learner's line is two frames up: this function is called by _Ufunc.__call__
            return self._record("np.maximum", x2 if zero1 else x1, out, sys._getframe(2))
        return _Ufunc(watched, fn)

    def _record(self, name: str, x: Any, out: Any, frame: types.FrameType) -> Any:
        """Record one call's input and output at its site; add the push to the output."""
        a, h = np.array(x, dtype=np.float64), np.array(out, dtype=np.float64)
        if a.shape != h.shape:
            return out
        site = (name, frame.f_code.co_filename, frame.f_lineno)
        done = self.calls.setdefault(site, [])
        if self.push is not None and self.push[0] == site:
            start = sum(c[0].size for c in done)
            out = out + self.push[1][start:start + h.size].reshape(h.shape)
        done.append((a, h))
        return out


class _Ufunc:
    """A watched call that keeps the ufunc's other parts (np.maximum.reduce, .outer, ...)."""

    def __init__(self, call: Callable, ufunc: Any) -> None:
        self._call, self._ufunc = call, ufunc

    def __call__(self, *args: Any, **kw: Any) -> Any:
        return self._call(*args, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ufunc, name)


def _scalar_zero(v: Any) -> bool:
    """Whether v is the number 0 (an int, a float or a NumPy scalar; not a bool, not an array)."""
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and v == 0


def identify_activation(a: np.ndarray, h: np.ndarray) -> tuple[str, tuple] | None:
    """(name, (f, f', wrong derivatives)) of the activation with h = f(a) everywhere, or None."""
    scale = max(1.0, float(np.max(np.abs(h), initial=0.0)))
    for name, entry in ACTIVATIONS.items():
        if np.allclose(entry[0](a), h, rtol=1e-9, atol=1e-12 * scale):
            return name, entry
    neg = a < 0
    if neg.any() and (a > 0).any():
        alpha = float(np.median(h[neg] / a[neg]))
        if 0 < alpha < 1 and np.allclose(np.where(a > 0, a, alpha * a), h, rtol=1e-9, atol=1e-12 * scale):
            return "leaky", (None, lambda a, h: np.where(a > 0, 1.0, alpha), {
                "relu-slope": (lambda a, h: (a > 0).astype(float),
                               f"slope 0 below zero, the plain ReLU's, where the leaky slope {alpha:g} belongs"),
                "missing": (lambda a, h: np.ones_like(a), "no derivative at all (slope 1 below zero too)")})
    return None


def _site_values(tap: Tap, site: tuple) -> tuple[np.ndarray, np.ndarray]:
    calls = tap.calls.get(site, [])
    return (np.concatenate([c[0].reshape(-1) for c in calls]), np.concatenate([c[1].reshape(-1) for c in calls]))


def _input_jacobian(tap: Tap, ps: ParamSet, e: Evidence, site: tuple, evaluate: Callable,
                    prec: Precision, size: int) -> np.ndarray | None:
    """(P, U): d a / d theta at the site, for each checked element of e, by central differences."""
    rows = []
    for i in e.picks:
        old = ps.get_flat(e.name, int(i))
        h = prec.eps * max(1.0, abs(old))
        try:
            ps.set_flat(e.name, int(i), old + h)
            tap.run(evaluate)
            plus = _site_values(tap, site)[0]
            ps.set_flat(e.name, int(i), old - h)
            tap.run(evaluate)
            minus = _site_values(tap, site)[0]
        finally:
            ps.set_flat(e.name, int(i), old)
        if plus.size != size or minus.size != size:
            return None
        rows.append((plus - minus) / (2 * h))
    return np.array(rows)


def _output_gradient(tap: Tap, site: tuple, h: np.ndarray, evaluate: Callable, prec: Precision) -> np.ndarray:
    """(U,): dL/dh at the site, each output moved by +-eps * max(1, |h|)."""
    grad = np.empty(h.size)
    for u in range(h.size):
        step = prec.eps * max(1.0, abs(h[u]))
        push = np.zeros(h.size)
        push[u] = step
        plus = tap.run(evaluate, (site, push))
        push[u] = -step
        grad[u] = (plus - tap.run(evaluate, (site, push))) / (2 * step)
    return grad


def activation_finding(tap: Tap | None, ps: ParamSet, evs: list[Evidence], evaluate: Callable,
                       prec: Precision, ctx: Context) -> Finding | None:
    """The finding when exactly one wrong derivative at one watched site gives every value of evs."""
    if not tap or not evs:
        return None
    tap.install()
    try:
        tap.run(evaluate)
        # a script's relu() that calls np.maximum(z, 0) gives two sites: the line that calls relu() first
        for site in sorted(tap.calls, key=lambda s: s[0] == "np.maximum"):
            a, h = _site_values(tap, site)
            found = identify_activation(a, h) if a.size <= MAX_UNITS else None
            if found is None:
                continue
            dh = _output_gradient(tap, site, h, evaluate, prec)
            jacs = [_input_jacobian(tap, ps, e, site, evaluate, prec, a.size) for e in evs]
            if any(j is None for j in jacs):
                continue
            right = found[1][1](a, h)       # the site must carry every path: the true f' gives the numbers
            if not all(np.all(fits(j @ (dh * right), e.n, 10 * ctx.rtol, 10 * e.atol)) for e, j in zip(evs, jacs)):
                continue
            hits = [k for k, (phi, _) in found[1][2].items()
                    if all(explains(e, j @ (dh * phi(a, h)), ctx) for e, j in zip(evs, jacs))]
            if len(hits) == 1:
                return _finding(found[0], found[1][2][hits[0]][1], hits[0], evs, site)
    finally:
        tap.remove()
    return None


def _finding(act: str, written: str, key: str, evs: list[Evidence], site: tuple) -> Finding:
    names = ", ".join(e.name for e in evs)
    label = {"leaky": "leaky ReLU", "relu": "ReLU"}.get(act, act)
    return Finding("activation-derivative", tuple(e.name for e in evs),
                   f"The gradients of {names} are exactly what backprop gives with {written}: the {label} "
                   f"called at line {site[2]} has its derivative written wrong.",
                   "Use the derivative of the activation at the unit's input a: " + FIX[act],
                   data={"activation": act, "written": key, "line": site[2]})
