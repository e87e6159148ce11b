"""``doctor_forward``: a plain ``forward(X) -> outputs`` checked for the usual modelling mistakes.

The learner's forward pass is a black box here: only its outputs on X (and on probe inputs,
X scaled by -100 ... 100 and random noise) are seen. It looks for

- ``softmax-on-sigmoid``: a softmax over values confined to (0, 1), as sigmoid outputs are,
  can never give an output above e / (e + K - 1) (0.731 for K = 2), so targets of 0 and 1
  stay out of reach. With ``scores=`` (X -> the values that enter the softmax) it is an
  error when those values stay within [0, 1] on X and on every probe. Without them only the
  outputs are seen: outputs that sum to 1 but never pass the ceiling are a warning, since
  a softmax over small logits (weights near zero) looks the same;
- ``targets-not-one-hot``: targets of shape (N, 1) for K >= 2 outputs, which NumPy
  broadcasts to every output (each sample then asks for [0, 0] or [1, 1]); rows of (N, K)
  targets that are not one-hot are a warning;
- ``probabilities-as-logits``: outputs that are probabilities while the loss (``loss=``)
  equals a softmax cross-entropy (or sigmoid binary cross-entropy) applied to them again;
- ``loss-not-falling``: with ``step=`` (one training step) and ``params=`` (restored after),
  the loss after ``steps`` steps is not 1% below where it started.

The probes push a network's values far apart, so that a softmax over logits shows outputs
above the ceiling where a softmax over sigmoid outputs cannot.
"""

from __future__ import annotations

import contextlib
import io
import math
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .errors import CheckError
from .heads import sigmoid, softmax
from .params import ParamSet, call
from .report import WIDTH, Finding

PROBE_SCALES = (1.0, 10.0, -10.0, 100.0, -100.0)


@dataclass
class ForwardReport:
    """The findings of :func:`doctor_forward`; ``ok`` when none is an error."""

    findings: list[Finding] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def get(self, code: str) -> Finding | None:
        return next((f for f in self.findings if f.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "context": dict(self.context), "findings": [f.to_dict() for f in self.findings]}

    def __str__(self) -> str:
        errors = sum(f.severity == "error" for f in self.findings)
        head = (f"barenet doctor (forward): {errors} error{'s' if errors != 1 else ''}, "
                f"{len(self.findings) - errors} warning{'s' if len(self.findings) - errors != 1 else ''}")
        lines = [head] + [textwrap.fill(f"{k}: {v}", WIDTH, initial_indent="  ", subsequent_indent="    ")
                          for k, v in self.context.items()]
        return "\n\n".join(["\n".join(lines)] + [str(f) for f in self.findings])


def outputs_of(forward: Callable, X: np.ndarray) -> np.ndarray:
    """forward(X) as a float64 (N, K) array; a vector is one output per sample."""
    try:
        out = np.array(forward(X), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CheckError(f"forward(X) must return an array of numbers: {exc}") from None
    if out.ndim == 1 and len(out) == len(X):
        out = out[:, None]
    if out.ndim != 2 or len(out) != len(X):
        raise CheckError(f"forward(X) must return (N, K) outputs for X of {len(X)} samples, "
                         f"received shape {out.shape}")
    return out


def doctor_forward(forward: Callable, X: Any, y: Any, *, loss: Callable | None = None,
                   scores: Callable | None = None, step: Callable | None = None, params: Any = None,
                   steps: int = 100, seed: int = 0) -> ForwardReport:
    """Examine a plain forward function on (X, y); see the module docstring for the checks.

    Shape: X (N, ...) as ``forward`` takes it; y (N, K) targets, (N, 1) or (N,) labels;
    ``loss(outputs, y) -> float`` is the loss as the learner computes it (a barenet Loss
    works too). ``scores(X) -> (N, K)`` gives the values that enter the output softmax.
    ``step`` takes nothing or ``params``; ``params`` are restored afterwards.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim < 1 or len(X) == 0 or y.ndim < 1 or len(y) != len(X):
        raise CheckError(f"doctor_forward needs X (N, ...) and y with the same N, received {X.shape} and {y.shape}")
    out = outputs_of(forward, X)
    report = ForwardReport(context={"outputs": f"{out.shape} for X {X.shape}, y {y.shape}"})
    _ceiling(report, forward, scores, X, out, seed)
    _targets(report, out, y)
    if loss is not None:
        _double_squash(report, out, y, float(loss(out if out.shape[1] > 1 else out[:, 0], y)))
    if step is not None:
        _falls(report, forward, X, y, loss, step, params, steps)
    else:
        report.context["loss"] = "not trained (give step= and params= to see whether the loss falls)"
    return report


def _probes(fn: Callable, X: np.ndarray, seed: int) -> list[np.ndarray]:
    """fn on X scaled by PROBE_SCALES and on noise; probes that fn rejects are left out."""
    rng = np.random.default_rng(seed)
    found = []
    inputs = [X * s for s in PROBE_SCALES] + [rng.normal(0.0, 10.0, X.shape).astype(X.dtype, copy=False)]
    for inp in inputs:
        try:
            with np.errstate(all="ignore"):
                found.append(np.asarray(fn(inp), dtype=np.float64))
        except Exception:  # noqa: BLE001, S112 - a probe the learner's code does not accept tells nothing
            continue
    return found


def _ceiling(report: ForwardReport, forward: Callable, scores: Callable | None, X: np.ndarray,
             out: np.ndarray, seed: int) -> None:
    K = out.shape[1]
    if K < 2 or not np.allclose(out.sum(axis=1), 1.0, atol=1e-6) or (out <= 0).any():
        return
    outs = [o for o in _probes(lambda inp: outputs_of(forward, inp), X, seed)
            if np.all(o > 0) and np.allclose(o.sum(axis=1), 1.0, atol=1e-6)]
    top, largest = math.e / (math.e + K - 1), max(float(o.max()) for o in outs)
    if scores is not None:
        inside = all(np.all((z >= 0) & (z <= 1)) for z in _probes(scores, X, seed))
        if not inside:
            return
        why = (f"The values that enter the softmax stay within [0, 1] on X and on inputs scaled up to 100 "
               f"times, as sigmoid outputs do, so no output can pass e/(e + {K - 1}) = {top:.3f} "
               f"(largest {largest:.3f}): the targets 0 and 1 are out of reach.")
        severity = "error"
    else:
        spread = max(float(np.max(np.log(o.max(axis=1)) - np.log(o.min(axis=1)))) for o in outs)
        if spread > 1.0 + 1e-9:
            return
        why = (f"The outputs sum to 1, but none passed e/(e + {K - 1}) = {top:.3f}, on X or on inputs scaled up "
               f"to 100 times (largest {largest:.3f}): the ceiling of a softmax over values in (0, 1), such as "
               "sigmoid outputs, out of reach of the targets 0 and 1 (or a softmax over logits kept small).")
        severity = "warning"
    report.findings.append(Finding(
        "softmax-on-sigmoid", (), why,
        "Give the softmax the raw scores z = w . h + b (logits), with no sigmoid before it, and train with "
        "cross-entropy, whose gradient at z is p - y.", severity=severity, data={"largest": largest, "ceiling": top}))


def _targets(report: ForwardReport, out: np.ndarray, y: np.ndarray) -> None:
    N, K = out.shape
    if K < 2:
        return
    if y.ndim == 2 and y.shape[1] == 1:
        first = [[float(v)] * K for v in y[:2, 0]]
        report.findings.append(Finding(
            "targets-not-one-hot", (),
            f"The targets have shape {y.shape}, one number per sample, for {K} outputs: compared with the "
            f"outputs, NumPy broadcasts each to every output, so the first samples ask for "
            f"{', '.join(map(str, first))}.",
            "Give each sample a one-hot row with a 1 in the column of its class, y = np.eye(K)[labels] "
            "(for two classes y = [[1, 0], [0, 1]]).", data={"shape": list(y.shape), "outputs": K}))
    elif y.shape == out.shape and np.allclose(out.sum(axis=1), 1.0, atol=1e-6):
        onehot = np.isin(y, (0, 1)).all(axis=1) & (y.sum(axis=1) == 1)
        if not onehot.all():
            report.findings.append(Finding(
                "targets-not-one-hot", (),
                f"{int((~onehot).sum())} of {N} target rows are not one-hot, though the outputs are "
                "probabilities that sum to 1.",
                "For classes, give each sample a row with a single 1 (np.eye(K)[labels]).", severity="warning"))


def _double_squash(report: ForwardReport, out: np.ndarray, y: np.ndarray, value: float) -> None:
    """Does the loss equal a softmax (or sigmoid) cross-entropy applied to the outputs again?"""
    N, K = out.shape
    probs = (out >= 0).all() and (out <= 1).all() and (K == 1 or np.allclose(out.sum(axis=1), 1.0, atol=1e-6))
    if not probs:
        return
    Y = np.asarray(y, dtype=np.float64)
    if K > 1 and Y.shape != out.shape and Y.size == N:
        Y = np.eye(K)[Y.reshape(-1).astype(int) % K]
    if Y.shape != out.shape:
        Y = np.broadcast_to(Y.reshape(N, -1), out.shape)
    with np.errstate(all="ignore"):
        if K > 1:
            again = -np.sum(Y * np.log(softmax(out))) / N
            plain_ce = -np.sum(Y * np.log(np.clip(out, 1e-300, None))) / N
        else:
            p = sigmoid(out)
            again = -np.mean(Y * np.log(p) + (1 - Y) * np.log(1 - p))
            plain_ce = -np.mean(Y * np.log(np.clip(out, 1e-300, None)) + (1 - Y) * np.log(np.clip(1 - out, 1e-300, None)))
    for total in (again, again * N):
        if math.isclose(value, total, rel_tol=1e-6) and not math.isclose(again, plain_ce, rel_tol=1e-6):
            squash = "softmax" if K > 1 else "sigmoid"
            report.findings.append(Finding(
                "probabilities-as-logits", (),
                f"forward returns probabilities, and the loss ({value:.4f}) is a {squash} cross-entropy "
                f"of them: it applies a {squash} a second time, to values it expects to be logits.",
                f"Give the loss the scores before the {squash} (logits), or use a loss that takes "
                "probabilities, such as -mean(sum(y * log p)).", data={"loss": value}))
            return


def _falls(report: ForwardReport, forward: Callable, X: np.ndarray, y: np.ndarray, loss: Callable | None,
           step: Callable, params: Any, steps: int) -> None:
    if params is None or loss is None:
        raise CheckError("doctor_forward: step= needs params= (restored afterwards) and loss=")
    ps = ParamSet(params)
    ps.install()
    try:
        first = float(loss(outputs_of(forward, X), y))
        with contextlib.redirect_stdout(io.StringIO()):
            for _ in range(steps):
                call(step, params)
        last = float(loss(outputs_of(forward, X), y))
    finally:
        ps.restore()
    report.context["loss"] = f"{first:.4f} -> {last:.4f} in {steps} steps"
    if not last < first * 0.99:
        report.findings.append(Finding(
            "loss-not-falling", (),
            f"The loss went from {first:.4f} to {last:.4f} in {steps} training steps.",
            "With gradients that check out, look at the model: outputs that cannot reach the targets, "
            "saturated sigmoids, or a learning rate too small (or too large).",
            severity="error" if last > first else "warning", data={"first": first, "last": last}))
