"""``check_step``: check the gradient hidden in a learner's in-place training step.

Code like the question's ``train`` never returns a gradient: it updates its weights,
``self.w1 -= learn_rate * ...``. One plain SGD step from theta to theta' implies

    g = (theta - theta') / lr,

which is checked like any analytic gradient. The learner's code is not changed: the
parameters are snapshot (as float64), the step runs once, g is read, and every parameter
goes back to its value before the step. Only the first step of plain SGD (momentum
starts at zero, so its first step counts) gives the gradient this way; Adam does not.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any, Callable, Iterable

import numpy as np

from .errors import CheckError
from .gradients import batch_of, run_check, with_repeat
from .params import ParamSet, call
from .report import GradientReport
from .state import repeat_finding


def check_step(step_fn: Callable, params: Any, loss_fn: Callable, lr: float, *,
               names: Iterable[str] | None = None, scores: Callable | None = None, y: Any = None,
               X: Any = None, batch_size: int | None = None, max_elements: int | None = 100,
               precision: str = "auto", seed: int = 0, quiet: bool = True, tap: Any = None) -> GradientReport:
    """Run ``step_fn`` once (it takes nothing, or the params) and check the gradient it applied.

    ``lr`` is the learning rate the step uses. ``quiet`` hides what the step prints.
    The other arguments are those of :func:`check_gradients`.
    """
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        raise CheckError(f"lr must be the step's learning rate, a number > 0, received {lr!r}")
    ps = ParamSet(params, names, data=(X, y))
    ps.install()
    try:
        before = ps.values()
        with contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext():
            call(step_fn, params)
        implied = {n: _implied(n, before[n], ps.current(n), lr) for n in ps.names}
        if not any(np.any(g != 0) for g in implied.values()):
            raise CheckError("the step changed none of the parameters: it must update them where params "
                             "holds them (self.w1 -= ..., W -= ... in place), and run one step")
        ps.reset(before)
        with contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext():
            call(step_fn, params)
        again = {n: _implied(n, before[n], ps.current(n), lr) for n in ps.names}
        ps.reset(before)
        report = run_check(ps, loss_fn, implied, mode="step", lr=float(lr), scores=scores, y=y,
                         batch_size=batch_size or batch_of(X), max_elements=max_elements, precision=precision,
                         seed=seed, auto=names is None, tap=tap)
        return with_repeat(report, repeat_finding(implied, again, "step"))
    finally:
        ps.restore()


def _implied(name: str, before: np.ndarray, after: Any, lr: float) -> np.ndarray:
    try:
        now = np.array(after, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckError(f"after the step, {name} is {type(after).__name__}, not a number or an array") from None
    try:
        return (before - now) / lr
    except ValueError:  # shapes that do not broadcast: keep the new shape, values unreadable
        return np.full(now.shape, np.nan)
