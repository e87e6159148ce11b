"""Checks at the door for data given to a model: X and y as arrays, and labels from targets."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InputError, ShapeError


def _as_array(value: Any, name: str, owner: str) -> np.ndarray:
    """``np.asarray(value)``; nested lists of unequal lengths are an InputError, not NumPy's own message."""
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{owner}: {name} must be a rectangular array (nested lists of equal lengths), "
                         f"received {type(value).__name__} that NumPy cannot make one of ({exc})") from None


def check_X(X: Any, owner: str) -> np.ndarray:
    """X as a float array with a batch axis, non-empty and finite, else a ValueError."""
    X = _as_array(X, "X", owner)
    if X.dtype == object or not np.issubdtype(X.dtype, np.number):
        raise InputError(f"{owner}: X must be numeric, received dtype {X.dtype}")
    if np.issubdtype(X.dtype, np.complexfloating):  # a cast would silently drop the imaginary part
        raise InputError(f"{owner}: X must be real numbers, received complex dtype {X.dtype}")
    if X.ndim < 2:
        raise ShapeError(f"{owner}: X must have a batch axis, shape (N, ...), received {X.shape}")
    if X.shape[0] == 0:
        raise ShapeError(f"{owner}: X is empty {X.shape}; need at least one sample")
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float32)
    finite = np.isfinite(X)
    if not finite.all():
        first = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise InputError(f"{owner}: X contains NaN or inf (first at index {first})")
    return X


def check_Xy(X: Any, y: Any, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """Check X as ``check_X`` does and that y has one entry per sample."""
    X, y = check_X(X, owner), _as_array(y, "y", owner)
    if y.ndim == 0 or len(y) != len(X):
        raise ShapeError(f"{owner}: X has {len(X)} samples but y has shape {y.shape}; they must match")
    return X, y


def labels_of(y: np.ndarray) -> np.ndarray:
    """Class labels from targets: labels as is, one-hot or probability rows by argmax, (N, 1) by 0.5."""
    if y.ndim == 1:
        return y
    if y.ndim == 2 and y.shape[1] == 1:
        return (y[:, 0] >= 0.5).astype(np.int64)
    return y.reshape(len(y), -1).argmax(axis=1)
