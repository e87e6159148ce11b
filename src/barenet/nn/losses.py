"""Loss functions: ``forward(pred, target) -> float`` and ``backward() -> dpred``.

Every loss averages the way PyTorch's default ``reduction="mean"`` does, so values and
gradients can be compared one to one. Targets are checked at the door: a shape that
would broadcast silently, a label that is not an integer or is out of range, NaN or inf,
or an empty batch each raise a ValueError that names the loss.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .errors import InputError, NotReadyError, ShapeError
from .layers.activations import log_softmax, sigmoid


def as_labels(y: Any, n_classes: int, owner: str) -> np.ndarray:
    """Validate integer class labels in [0, n_classes) and return them as integers, shape (N,)."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ShapeError(f"{owner}: expected labels of shape (N,), received {y.shape}")
    if y.dtype.kind in "iu" and len(y) and 0 <= y.min() and y.max() < n_classes:
        return y  # the common case, checked with two reductions
    if y.dtype == bool or not np.issubdtype(y.dtype, np.number):
        raise InputError(f"{owner}: labels must be integers, received dtype {y.dtype}")
    if not np.issubdtype(y.dtype, np.integer):
        bad = ~np.isfinite(y) | (y != np.round(y))
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(f"{owner}: labels must be integers, received {y[i].item()!r} at index {i}")
    out_of_range = (y < 0) | (y >= n_classes)
    if out_of_range.any():
        i = int(np.argmax(out_of_range))
        raise InputError(f"{owner}: labels must be in [0, {n_classes}) for {n_classes} outputs, "
                         f"received {y[i].item()!r} at index {i}")
    return y.astype(np.int64)


def _check_pair(pred: Any, target: Any, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """Common checks: float predictions, a non-empty batch, finite targets."""
    pred, target = np.asarray(pred), np.asarray(target)
    if pred.ndim < 1 or pred.shape[0] == 0:
        raise ShapeError(f"{owner}: received an empty batch {pred.shape}; need at least one sample")
    if not np.issubdtype(pred.dtype, np.floating):
        pred = pred.astype(np.float32)
    if target.dtype.kind in "fc" and not np.isfinite(target).all():
        raise InputError(f"{owner}: targets contain NaN or inf")
    if target.ndim < 1 or target.shape[0] != pred.shape[0]:
        raise ShapeError(f"{owner}: predictions have {pred.shape[0]} samples {pred.shape} "
                         f"but targets have shape {target.shape}")
    return pred, target


def _match_shape(pred: np.ndarray, target: np.ndarray, owner: str) -> np.ndarray:
    """Return ``target`` with exactly ``pred``'s shape, or raise; never broadcast silently.

    The one reshape allowed is labels (N,) against a single output (N, 1).
    """
    if target.shape == pred.shape:
        return target.astype(pred.dtype, copy=False)
    if pred.ndim == 2 and pred.shape[1] == 1 and target.shape == pred.shape[:1]:
        return target.reshape(-1, 1).astype(pred.dtype, copy=False)
    hint = ""
    if target.ndim == 1 and pred.ndim == 2:
        hint = (f"; for {pred.shape[1]} outputs use one-hot target rows of width {pred.shape[1]}, "
                "or SoftmaxCrossEntropy with integer labels")
    raise ShapeError(f"{owner}: expected targets of shape {pred.shape} to match the predictions, "
                     f"received {target.shape}{hint}")


class Loss:
    """Base class: subclasses implement ``forward`` and ``backward``."""

    def __call__(self, pred: Any, target: Any) -> float:
        return self.forward(pred, target)

    def forward(self, pred: Any, target: Any) -> float:
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        raise NotImplementedError

    def prepare(self, pred: np.ndarray, target: Any) -> np.ndarray:
        """Check every target once and return them in the form ``forward_prepared`` takes.

        ``pred`` only needs the predictions' shape and dtype (a broadcast view will do).
        Training calls this once per ``fit``, then ``forward_prepared`` per batch, so the
        per-batch path skips checks that were already made.
        """
        self.forward(pred, target)
        return np.asarray(target)

    def forward_prepared(self, pred: np.ndarray, target: np.ndarray) -> float:
        """``forward`` on targets that ``prepare`` returned; by default the same as forward."""
        return self.forward(pred, target)

    def get_config(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def _cached(self) -> Any:
        cache = getattr(self, "_cache", None)
        if cache is None:
            raise NotReadyError(f"{type(self).__name__}: backward() called before forward()")
        return cache


class MSE(Loss):
    """L = mean((pred - target)^2) over all elements; dL/dpred = 2 (pred - target) / size.

    Shape: pred and target (N, ...) of the same shape; labels (N,) are accepted only for
    a single output (N, 1).
    """

    def forward(self, pred: Any, target: Any) -> float:
        pred, target = _check_pair(pred, target, "MSE")
        return self.forward_prepared(pred, _match_shape(pred, target, "MSE"))

    def prepare(self, pred: np.ndarray, target: Any) -> np.ndarray:
        pred, target = _check_pair(pred, target, "MSE")
        return _match_shape(pred, target, "MSE")

    def forward_prepared(self, pred: np.ndarray, target: np.ndarray) -> float:
        diff = pred - target
        self._cache = diff
        return float(np.mean(diff * diff))

    def backward(self) -> np.ndarray:
        diff = self._cached()
        return diff * np.asarray(2.0 / diff.size, dtype=diff.dtype)


class BinaryCrossEntropy(Loss):
    """L = -mean(t log p + (1 - t) log(1 - p)) over all elements, t in [0, 1].

    With ``from_logits=False`` the predictions are probabilities p; each log is clamped
    at -100 and the gradient (p - t) / max(p (1 - p), 1e-12) / size, as in PyTorch, so
    p of exactly 0 or 1 still gives finite numbers. With ``from_logits=True`` the
    predictions are logits z, p = sigmoid(z), L = mean(max(z, 0) - z t + log(1 + e^-|z|))
    and dL/dz = (sigmoid(z) - t) / size, which is stable for any z.
    Shape: pred and target (N, ...) alike, or labels (N,) for one output (N, 1).
    """

    def __init__(self, from_logits: bool = False) -> None:
        self.from_logits = bool(from_logits)

    def get_config(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits}

    def forward(self, pred: Any, target: Any) -> float:
        name = "BinaryCrossEntropy"
        pred, target = _check_pair(pred, target, name)
        t = _match_shape(pred, target, name)
        if ((t < 0) | (t > 1)).any():
            raise InputError(f"{name}: targets must lie in [0, 1]")
        self._cache = (pred, t)
        if self.from_logits:
            z = pred
            return float(np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))))
        if not np.isfinite(pred).all() or ((pred < 0) | (pred > 1)).any():
            raise InputError(f"{name}: predictions must be probabilities in [0, 1]; "
                             "for raw scores use BinaryCrossEntropy(from_logits=True)")
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(pred), -100)
            log_q = np.maximum(np.log1p(-pred), -100)
        return float(-np.mean(t * log_p + (1 - t) * log_q))

    def backward(self) -> np.ndarray:
        pred, t = self._cached()
        scale = np.asarray(1.0 / pred.size, dtype=pred.dtype)
        if self.from_logits:
            return (sigmoid(pred) - t) * scale
        # PyTorch stores this EPSILON as a C float, so its float64 clamp is float32(1e-12).
        denom = np.maximum(pred * (1 - pred), np.asarray(np.float32(1e-12), dtype=pred.dtype))
        return (pred - t) / denom * scale


class SoftmaxCrossEntropy(Loss):
    """Softmax and cross-entropy fused: takes logits z, never probabilities.

    p = softmax(z); q = (1 - eps) * onehot(y) + eps / C (label smoothing eps);
    L = -(1/N) sum_n sum_c q_nc log p_nc, with log p computed by log-sum-exp.
    dL/dz = (p - q) / N: the softmax Jacobian and the log's 1/p cancel, which is why
    the fused form is both simpler and stable.
    Shape: z (N, C) with C >= 2; targets integer labels (N,) or one-hot/probability rows (N, C).
    """

    def __init__(self, label_smoothing: float = 0.0) -> None:
        if not isinstance(label_smoothing, numbers.Real) or not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"SoftmaxCrossEntropy: label_smoothing must be in [0, 1], received {label_smoothing!r}")
        self.label_smoothing = float(label_smoothing)

    def get_config(self) -> dict[str, Any]:
        return {"label_smoothing": self.label_smoothing}

    def targets(self, z: np.ndarray, target: np.ndarray) -> np.ndarray:
        """The smoothed target distribution q, shape (N, C), in z's dtype."""
        name = "SoftmaxCrossEntropy"
        N, C = z.shape
        if target.ndim == 1:
            q = np.zeros((N, C), dtype=z.dtype)
            q[np.arange(N), as_labels(target, C, name)] = 1
        elif target.shape == (N, C):
            q = target.astype(z.dtype)
            if (q < 0).any() or not np.allclose(q.sum(axis=1), 1.0, atol=1e-4):
                raise InputError(f"{name}: target rows must be one-hot (or probabilities) summing to 1")
        else:
            raise ShapeError(f"{name}: expected integer labels (N,) or one-hot rows {z.shape}, "
                             f"received {target.shape}")
        if self.label_smoothing:
            q = q * (1 - self.label_smoothing) + self.label_smoothing / C
        return q

    def forward(self, pred: Any, target: Any) -> float:
        z, q = self._checked(pred, target)
        return self.forward_prepared(z, q)

    def prepare(self, pred: np.ndarray, target: Any) -> np.ndarray:
        """The smoothed one-hot rows q (N, C) of every target, checked once."""
        return self._checked(pred, target)[1]

    def forward_prepared(self, pred: np.ndarray, target: np.ndarray) -> float:
        log_p = log_softmax(pred)
        self._cache = (np.exp(log_p), target)
        return float(-(target * log_p).sum() / pred.shape[0])

    def _checked(self, pred: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
        z, target = _check_pair(pred, target, "SoftmaxCrossEntropy")
        if z.ndim != 2 or z.shape[1] < 2:
            raise ShapeError(f"SoftmaxCrossEntropy: expected logits of shape (N, C) with C >= 2, received "
                             f"{z.shape}; for a single output use Sigmoid with BinaryCrossEntropy")
        return z, self.targets(z, target)

    def backward(self) -> np.ndarray:
        p, q = self._cached()
        return (p - q) * np.asarray(1.0 / p.shape[0], dtype=p.dtype)


LOSSES: dict[str, type[Loss]] = {cls.__name__: cls for cls in (MSE, BinaryCrossEntropy, SoftmaxCrossEntropy)}
