"""``doctor(model, X, y, loss)``: run every check on copies of the caller's objects."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..nn.errors import InputError
from ..nn.losses import Loss
from ..nn.model import Sequential
from ..nn.optim import Adam, Optimizer
from .probe import run_probe
from .report import Report
from .static import check_data, check_structure, check_targets, forward_sample


def doctor(model: Sequential, X: Any, y: Any, loss: Loss, *, optimizer: Optimizer | None = None,
           probe_steps: int = 50, batch_size: int = 32, lr_test: bool = True, seed: int = 0) -> Report:
    """Examine a model, its data and its loss; return a Report of findings with fixes.

    Shape: X (N, ...) as the model's first layer takes it; y integer labels (N,), one-hot
    rows (N, K) or targets shaped like the output. ``optimizer`` is the one you train
    with (default: the model's own, else Adam(lr=1e-3)); the probe trains copies of the
    model with it for ``probe_steps`` mini-batches of ``batch_size``, then runs a
    learning-rate range test (``lr_test=False`` skips it: it trains 8 more copies for
    10 steps each). ``probe_steps=0`` runs only the data and static checks. ``seed`` fixes
    the probe's samples and batches, so the same call gives the same report.
    """
    _check_args(model, loss, probe_steps, batch_size)
    X, y = _as_arrays(X, y)
    optimizer, assumed = _pick_optimizer(model, optimizer)
    work, loss = copy.deepcopy(model), copy.deepcopy(loss)  # every pass runs on copies
    report = Report(context=_context(work, X, y, loss, optimizer, assumed))
    targets, blockers = _static_checks(report, work, X, y, loss)
    if probe_steps == 0:
        report.context["probe"] = "off (probe_steps=0): static checks only"
    elif blockers:
        report.context["probe"] = "skipped"
        report.add("info", "probe-skipped", "Dynamic checks skipped",
                   "The probe run (gradients, saturation, dead units, loss curve, learning-rate test) "
                   f"could not run: {'; '.join(blockers)}.",
                   "Fix the errors above and run the doctor again to get the dynamic checks.", reasons=blockers)
    else:
        run_probe(report, work, X, targets, loss, copy.deepcopy(optimizer), steps=probe_steps,
                  batch_size=batch_size, seed=seed, lr_test=lr_test)
    return report


def _static_checks(report: Report, model: Sequential, X: np.ndarray, y: np.ndarray,
                   loss: Loss) -> tuple[np.ndarray | None, list[str]]:
    """Data, structure and target checks. Returns (targets for the probe, reasons it cannot run)."""
    blockers = check_data(report, X, y)
    check_structure(report, model, loss)
    out, why = forward_sample(report, model, X)
    targets = None
    if out is not None:
        targets, why = check_targets(report, model, out, y, loss)
    return targets, blockers + ([why] if why else [])


def _check_args(model: Any, loss: Any, probe_steps: Any, batch_size: Any) -> None:
    if not isinstance(model, Sequential):
        raise TypeError(f"doctor: model must be a barenet Sequential, received {type(model).__name__}")
    if not isinstance(loss, Loss):
        raise TypeError(f"doctor: loss must be a barenet loss such as SoftmaxCrossEntropy(), "
                        f"received {type(loss).__name__}")
    if not isinstance(probe_steps, int) or probe_steps < 0 or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"doctor: need probe_steps >= 0 and batch_size >= 1, "
                         f"received {probe_steps!r} and {batch_size!r}")


def _as_arrays(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """X and y as arrays; a usage error (not numeric, no batch axis) raises InputError."""
    X, y = np.asarray(X), np.asarray(y)
    for name, a in (("X", X), ("y", y)):
        if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
            raise InputError(f"doctor: {name} must be numeric, received dtype {a.dtype}")
        if a.ndim < 1 or a.shape[0] == 0:
            raise InputError(f"doctor: {name} must have a non-empty batch axis (N, ...), received {a.shape}")
    if X.ndim < 2:
        raise InputError(f"doctor: X must have a batch axis, shape (N, ...), received {X.shape}")
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float32)
    return X, y


def _pick_optimizer(model: Sequential, optimizer: Any) -> tuple[Any, bool]:
    if optimizer is not None:
        if not hasattr(optimizer, "step"):
            raise TypeError(f"doctor: optimizer must be a barenet optimizer such as Adam(), "
                            f"received {type(optimizer).__name__}")
        return optimizer, False
    if getattr(model, "optimizer", None) is not None:
        return model.optimizer, False
    return Adam(lr=1e-3), True


def _context(model: Sequential, X: np.ndarray, y: np.ndarray, loss: Loss, optimizer: Any,
             assumed: bool) -> dict[str, str]:
    names = [layer.label.removesuffix(f" at {layer.where}") for layer in model.layers]
    return {"model": f"{' > '.join(names)} ({model.n_params} parameters)",
            "loss": repr(loss),
            "optimizer": repr(optimizer) + (" (assumed: none given and the model has none)" if assumed else ""),
            "data": f"X {X.shape} {X.dtype}, y {y.shape} {y.dtype}"}
