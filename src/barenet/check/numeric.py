"""Central differences in float64, with a tolerance that knows the code's precision.

For a loss L and one element theta_i of a parameter,

    dL/dtheta_i ~ (L(theta + h e_i) - L(theta - h e_i)) / (2 h),    h = eps * max(1, |theta_i|),

with error O(h^2) from truncation and about u |L| / h from rounding, u being the unit
roundoff of the arithmetic that computed L. An analytic value a agrees with the numerical
value n when

    |a - n| <= rtol * max(|a|, |n|) + atol,    atol = 16 u |L| / h + 8 u max|n|,

the second term of atol covering the rounding of the analytic gradient itself.

The parameters are float64 during the check (see params.py), but a learner's code may still
compute in float32 (an ``astype(np.float32)``, a float32 buffer). :func:`detect_precision`
finds out: it moves every parameter by a relative 1e-12; float64 arithmetic sees a change
far smaller than float32 could represent, float32 arithmetic rounds it away. Float32 code is then checked with
eps = 1e-3 and rtol = 1e-2 instead of 1e-6 and 1e-5, so its rounding raises no false alarm.

A kink (ReLU at 0, the max of a pooling window changing hands) within h of the point spoils
a central difference. So every value that disagrees gets a second look with h / 8
(:data:`SECOND_LOOK`): if the two estimates disagree with each other, the loss is not
smooth there, and the finer one is used; if even that one disagrees with the analytic
value, the element is left out of the check, and the report says which. In float32, where
h cannot be made small, a few scattered disagreements (at most 10% of a parameter's
elements, none of them a zero) are also taken for kinks and left out (diagnose.kinks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import CheckError
from .params import ParamSet

Evaluation = tuple[float, "np.ndarray | None"]  # (loss, scores or None)


@dataclass(frozen=True)
class Precision:
    """How a loss was computed and how it is checked."""

    name: str       # "float64" or "float32"
    unit: float     # unit roundoff u of the arithmetic
    eps: float      # relative step of the central difference
    rtol: float     # relative tolerance of an agreement

    def describe(self) -> str:
        return (f"{self.name} central differences, h = {self.eps:g} * max(1, |theta|); "
                f"agree when |a - n| <= {self.rtol:g} * max(|a|, |n|) + atol (rounding of the loss)")


SECOND_LOOK = 8.0  # how much smaller the step of the second look is

FLOAT64 = Precision("float64", 2.0 ** -53, 1e-6, 1e-5)
FLOAT32 = Precision("float32", 2.0 ** -24, 1e-3, 1e-2)


def as_loss(value: object, where: str = "loss_fn") -> tuple[float, bool]:
    """(the loss as a float, whether it came as float32 or float16)."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "fiu" or arr.size != 1:
        raise CheckError(f"{where} must return one number, received {type(value).__name__} "
                         f"of shape {arr.shape}; return the mean (or sum) of the losses")
    loss = float(arr.reshape(-1)[0])
    if not np.isfinite(loss):
        raise CheckError(f"{where} returned {loss} at the parameters' current values")
    return loss, arr.dtype.kind == "f" and arr.dtype.itemsize < 8


def fits(a: np.ndarray, n: np.ndarray, rtol: float, atol: np.ndarray | float) -> np.ndarray:
    """Elementwise agreement of a with n under the tolerance rule of the module docstring."""
    a, n = np.asarray(a, np.float64), np.asarray(n, np.float64)
    with np.errstate(invalid="ignore"):
        return np.abs(a - n) <= rtol * np.maximum(np.abs(a), np.abs(n)) + atol


def detect_precision(ps: ParamSet, evaluate: Callable[[], Evaluation], low: bool, seed: int = 0) -> Precision:
    """FLOAT32 when the loss came as float32 (``low``), or when the loss cannot resolve tiny moves.

    Every parameter is moved by a relative 1e-12 along 4 random directions. Float64 arithmetic
    changes the loss by about 1e-12 * sum |g theta|, far below what float32 can represent
    near L (its spacing, about 1.2e-7 |L|); float32 arithmetic rounds the move away (a change
    of 0) or, where a value sat on a rounding boundary, changes L by a whole float32 step.
    """
    if low:
        return FLOAT32
    base = ps.values()
    rng = np.random.default_rng(seed)
    loss0 = evaluate()[0]
    resolution = float(np.spacing(np.float32(abs(loss0)))) if loss0 else float(np.finfo(np.float32).tiny)
    try:
        for _ in range(4):
            ps.reset({k: v + 1e-12 * np.maximum(np.abs(v), 1.0) * rng.choice([-1.0, 1.0], v.shape)
                      for k, v in base.items()})
            change = abs(evaluate()[0] - loss0)
            if 0 < change < resolution / 4:
                return FLOAT64
    finally:
        ps.reset(base)
    return FLOAT32


def pick(size: int, limit: int | None, rng: np.random.Generator) -> np.ndarray:
    """Flat indices to check: all of them, or a seeded sorted subset of ``limit``."""
    if limit is None or size <= limit:
        return np.arange(size)
    return np.sort(rng.choice(size, size=limit, replace=False))


@dataclass
class Sweep:
    """Central differences of the loss (and of the scores) for the picked elements of one parameter."""

    numerical: np.ndarray        # (P,) dL/dtheta
    atol: np.ndarray             # (P,) the rounding allowance of each value
    jac: np.ndarray | None       # (P, N, K) d scores / d theta, when scores are watched


def sweep(ps: ParamSet, name: str, picks: np.ndarray, evaluate: Callable[[], Evaluation],
          prec: Precision, loss0: float, shrink: float = 1.0) -> Sweep:
    """Perturb each picked element by +-h (divided by ``shrink``), evaluate, and put it back
    (also on error)."""
    num, atol, jac = np.empty(len(picks)), np.empty(len(picks)), []
    for j, i in enumerate(picks):
        old = ps.get_flat(name, int(i))
        h = prec.eps * max(1.0, abs(old)) / shrink
        try:
            ps.set_flat(name, int(i), old + h)
            plus, zp = evaluate()
            ps.set_flat(name, int(i), old - h)
            minus, zm = evaluate()
        finally:
            ps.set_flat(name, int(i), old)
        num[j] = (plus - minus) / (2 * h)
        atol[j] = 16 * prec.unit * max(abs(loss0), 1e-300) / h
        if zp is not None and zm is not None:
            jac.append((zp - zm) / (2 * h))
    return Sweep(num, atol, np.stack(jac) if jac else None)
