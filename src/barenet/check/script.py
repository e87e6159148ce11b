"""``barenet check FILE.py``: run a learner's script and check what it defines.

The convention, the smallest we could make it (docs/check.md). The script runs with
``__name__ == "__barenet_check__"``, so training under ``if __name__ == "__main__":`` does
not run, and with ``sys.argv = [FILE.py, *args]``. Then these module-level names are read:

    params    required  a dict name -> float/array, or the object whose float and array
                        attributes are the weights (``network`` with w1 ... w12)
    loss_fn   required  the loss on one batch, a number; takes nothing or params
    grads     one of    the analytic gradients: a dict, or a function returning one
    step, lr  these     one in-place training step on that batch, and its learning rate
    y         optional  the batch's targets (output hypotheses, forward checks)
    X         optional  the batch's inputs; len(X) is the batch size
    forward   optional  forward(X) -> outputs, for the forward checks (doctor_forward)
    scores    optional  the (N, K) values that enter the output softmax or sigmoid

Without ``scores``, a module-level function named ``softmax`` is watched while loss_fn
runs: what the code passes to it is the scores. Without a softmax, a function named
``sigmoid`` is watched, and what its last call gets is the scores when it has y's shape
((N, 1) for labels y of shape (N,)).
"""

from __future__ import annotations

import os
import sys
import traceback
import types
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .activations import Tap
from .errors import CheckError
from .forward import ForwardReport, doctor_forward
from .gradients import check_gradients
from .params import call
from .report import GradientReport
from .step import check_step

RUN_NAME = "__barenet_check__"


def load(path: str, argv: list[str] | None = None) -> dict[str, Any]:
    """Run the script as a module named ``__barenet_check__``; return its namespace."""
    if not os.path.isfile(path):
        raise CheckError(f"{path}: " + ("not a regular file; give your network's .py file" if os.path.exists(path)
                                        else "no such file"))
    with open(path, encoding="utf-8") as f:
        source = f.read()
    module = types.ModuleType(RUN_NAME)
    module.__file__ = os.path.abspath(path)
    saved = sys.argv, list(sys.path), sys.modules.get(RUN_NAME)
    sys.argv = [path, *(argv or [])]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    sys.modules[RUN_NAME] = module
    try:
        exec(compile(source, path, "exec"), module.__dict__)  # noqa: S102 - the learner's own code, as `python FILE` would
    except SyntaxError as exc:
        raise CheckError(f"{path}, line {exc.lineno}: {exc.msg}") from None
    except SystemExit as exc:
        raise CheckError(f"{path} called sys.exit({exc.code!r}) while loading; put what should not run "
                         "during the check under `if __name__ == \"__main__\":`") from None
    except Exception as exc:  # noqa: BLE001 - the learner's code: say where it failed, in one line
        raise learner_error(exc, path, "while running the script") from None
    finally:
        sys.argv, sys.path[:] = saved[0], saved[1]
        if saved[2] is None:
            sys.modules.pop(RUN_NAME, None)
        else:
            sys.modules[RUN_NAME] = saved[2]
    return module.__dict__


@dataclass
class ScriptCheck:
    """What ``barenet check`` found in a script."""

    path: str
    gradients: GradientReport
    forward: ForwardReport | None
    described: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.gradients.ok and (self.forward is None or self.forward.ok)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "script": self.path, "checked": self.described,
                "gradients": self.gradients.to_dict(),
                "forward": None if self.forward is None else self.forward.to_dict()}

    def __str__(self) -> str:
        parts = [f"Checking {self.path}:\n" + "\n".join(f"  {d}" for d in self.described), str(self.gradients)]
        if self.forward is not None:
            parts.append(str(self.forward))
        n = sum(f.severity == "error" for f in self.findings) or len(self.gradients.bad())
        verdict = "everything agrees" if self.ok else f"{n} problem{'s' if n != 1 else ''} to fix, named above"
        return "\n\n".join(parts + [f"barenet check: {verdict}"])

    @property
    def findings(self) -> list:
        return self.gradients.findings + ([] if self.forward is None else self.forward.findings)


def _need(ns: dict[str, Any], name: str, what: str) -> Any:
    if name not in ns:
        raise CheckError(f"the script defines no `{name}` ({what}); see docs/check.md for the names "
                         "barenet check reads")
    return ns[name]


def _calls(ns: dict[str, Any], name: str, fn: Callable, *args: Any) -> list[np.ndarray]:
    """Run fn(*args) with the script's function ``name`` watched; what each call was given."""
    original = ns.get(name)
    if not callable(original):
        raise CheckError(f"the script has no {name} function to watch")
    seen: list[np.ndarray] = []

    def recorder(x: Any, *a: Any, **kw: Any) -> Any:
        seen.append(np.array(x, dtype=np.float64))
        return original(x, *a, **kw)

    ns[name] = recorder
    try:
        fn(*args)
    finally:
        ns[name] = original
    return seen


def softmax_inputs(ns: dict[str, Any], fn: Callable, *args: Any) -> np.ndarray:
    """Run fn(*args) with the script's ``softmax`` watched; what it was given, as (N, K)."""
    rows = [r[None, :] if r.ndim == 1 else r for r in _calls(ns, "softmax", fn, *args)]
    if not rows or any(r.ndim != 2 or r.shape[1] != rows[0].shape[1] for r in rows):
        raise CheckError("softmax was not called with (K,) or (N, K) scores")
    return np.concatenate(rows)


def sigmoid_inputs(ns: dict[str, Any], shape: tuple, fn: Callable, *args: Any) -> np.ndarray:
    """What the last call of the script's ``sigmoid`` was given while fn(*args) ran, when it has
    the targets' ``shape`` (N, K): the output unit's scores (earlier calls are hidden layers)."""
    seen = _calls(ns, "sigmoid", fn, *args)
    if not seen or seen[-1].shape != shape:
        raise CheckError(f"the last call of sigmoid did not get (N, K) = {shape} scores")
    return seen[-1]


def _watch(inputs: Callable, ns: dict[str, Any], *args: Any) -> bool:
    """Whether ``inputs(ns, *args)`` (softmax_inputs, sigmoid_inputs) gives scores."""
    try:
        inputs(ns, *args)
    except (CheckError, TypeError, ValueError):
        return False
    return True


def watch_softmax(ns: dict[str, Any], fn: Callable, *args: Any) -> bool:
    """Whether watching the script's softmax while fn(*args) runs gives (N, K) scores."""
    return _watch(softmax_inputs, ns, fn, *args)


def _column(y: Any) -> tuple:
    """The shape of one sigmoid output per target: y's own, or (N, 1) for labels y (N,)."""
    return np.shape(y) if np.ndim(y) == 2 else (len(y), 1)


def learner_error(exc: BaseException, path: str, when: str) -> CheckError:
    """A CheckError naming the exception and the script's line where it happened."""
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if os.path.abspath(frame.f_code.co_filename) == os.path.abspath(path):
            line = lineno
    where = f"{path}, line {line}" if line else path
    return CheckError(f"{where}: {type(exc).__name__}: {exc} ({when})")


def check_script(path: str, argv: list[str] | None = None, *, steps: int = 100) -> ScriptCheck:
    """Load the script and run check_gradients or check_step, then doctor_forward.
    An exception in the learner's code becomes a CheckError that names its line."""
    ns = load(path, argv)
    try:
        return _check(ns, path, steps)
    except CheckError:
        raise
    except Exception as exc:  # noqa: BLE001 - raised by the learner's loss_fn, grads, step or forward
        raise learner_error(exc, path, "while checking") from None


def _check(ns: dict[str, Any], path: str, steps: int) -> ScriptCheck:
    params = _need(ns, "params", "the weights: a dict, or the network object")
    loss_fn = _need(ns, "loss_fn", "a function returning the loss of one batch")
    if not callable(loss_fn):
        raise CheckError("`loss_fn` must be a function returning the loss")
    y, X = ns.get("y"), ns.get("X")
    batch = ns.get("batch_size") or (len(X) if X is not None and hasattr(X, "__len__") else None)
    scores, watched = ns.get("scores"), False
    if scores is None and watch_softmax(ns, call, loss_fn, params):
        scores, watched = (lambda: softmax_inputs(ns, call, loss_fn, params)), "softmax"
    elif scores is None and np.ndim(y) in (1, 2) and _watch(sigmoid_inputs, ns, _column(y), call, loss_fn, params):
        scores, watched = (lambda: sigmoid_inputs(ns, _column(y), call, loss_fn, params)), "sigmoid"
    kwargs = {"scores": scores, "y": y, "X": X, "batch_size": batch, "tap": Tap(ns)}
    described = [f"params: {_describe(params, (X, y))}"]
    if "grads" in ns and "step" in ns:
        raise CheckError("the script defines both `grads` and `step`; keep the one to check")
    if "grads" in ns:
        report = check_gradients(loss_fn, params, ns["grads"], **kwargs)
        described.append("gradients: grads, against central differences of loss_fn")
    elif "step" in ns:
        lr = _need(ns, "lr", "the learning rate of step")
        report = check_step(ns["step"], params, loss_fn, lr, **kwargs)
        described.append(f"gradients: one step() with lr={lr:g}, against central differences of loss_fn")
    else:
        raise CheckError("the script defines neither `grads` (the gradients) nor `step` (one training step)")
    if scores is not None:
        described.append("scores: " + (f"what loss_fn passes to {watched}()" if watched else "scores()"))
    forward = None
    if callable(ns.get("forward")) and X is not None and y is not None:
        fall = report.ok and "step" in ns
        fwd = ns["forward"]
        seen = (lambda inp: softmax_inputs(ns, fwd, inp)) if watch_softmax(ns, fwd, X) else None
        forward = doctor_forward(fwd, X, y, loss=lambda out, t: call(loss_fn, params), scores=seen,
                                 step=ns["step"] if fall else None, params=params, steps=steps)
        if not fall:
            forward.context["loss"] = ("not trained: the loss-falls test runs once the gradients agree"
                                       if "step" in ns else "not trained: the script defines no step")
        described.append(f"forward: forward(X), with X {np.shape(X)} and y {np.shape(y)}")
    return ScriptCheck(path, report, forward, described)


def _describe(params: Any, data: tuple) -> str:
    from .params import discover

    names = discover(params, data)
    kind = "dict" if isinstance(params, dict) else type(params).__name__
    shown = ", ".join(names[:14]) + (", ..." if len(names) > 14 else "")
    return f"{kind} with {len(names)} float or array values ({shown})"
