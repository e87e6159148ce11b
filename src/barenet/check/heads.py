"""The network's last step, written as math: scores z -> outputs p -> loss.

Most learners' networks end the same way: scores z (N, K) go through a softmax, a sigmoid
or nothing, and the outputs p meet the targets y in a squared error or a cross-entropy.
When the check can watch z (``scores=``), it finds which of these ends the learner's
loss is, by value and by gradient (:func:`identify`). Knowing dL/dz, it can then test
what a buggy backward pass would have used in its place (the Variants): the softmax
Jacobian's diagonal alone, no softmax derivative at all, another loss's derivative.

Every formula is for the sum over all N*K elements; the learner's own reduction (a mean
over the batch, over the outputs) is the constant ``scale`` that :func:`identify` measures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .numeric import fits

Grad = Callable[[np.ndarray, np.ndarray], np.ndarray]   # (z, Y) -> (N, K)


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax with the row max subtracted first. Shape (N, K) -> (N, K)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softmax_vjp(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """dL/dz from dL/dp through the full softmax Jacobian: p_j (d_j - sum_k p_k d_k)."""
    return p * (d - np.sum(p * d, axis=1, keepdims=True))


def _log(p: np.ndarray) -> np.ndarray:
    return np.log(np.clip(p, 1e-300, None))


@dataclass
class Variant:
    """What a buggy backward pass used for dL/dz, and the finding that names it.

    ``grad`` is at the scale of the learner's loss (multiplied by Identified.scale), except
    when ``own_scale``: then it is another loss's derivative at that loss's usual scale, a
    mean over the batch (``(p - y) / N``), and is used as it is.
    """

    code: str
    grad: Grad
    cause: str
    fix: str
    own_scale: bool = False


@dataclass
class Head:
    """An output function with a loss: value(z, Y) summed over all elements, and dL/dz."""

    name: str
    value: Callable[[np.ndarray, np.ndarray], float]
    grad: Grad
    variants: list[Variant] = field(default_factory=list)


SOFTMAX_FIX = ("Use the whole softmax Jacobian: dL/dz_j = sum over k of dL/dp_k * p_k (delta_kj - p_j), that is "
               "p_j (dL/dp_j - sum_k p_k dL/dp_k); with cross-entropy on the softmax it is simply p - y.")


def _se_p(z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """dL/dp of the squared error of softmax outputs."""
    return 2 * (softmax(z) - Y)


def _ce_p(z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """dL/dp of the cross-entropy of softmax outputs."""
    return -Y / np.clip(softmax(z), 1e-300, None)


def _diag(d: Grad) -> Grad:
    """dL/dz through the softmax Jacobian's diagonal p (1 - p) alone."""
    return lambda z, Y: d(z, Y) * softmax(z) * (1 - softmax(z))


def _softmax_heads() -> list[Head]:
    se_p, ce_p, diag = _se_p, _ce_p, _diag
    return [
        Head("softmax, then squared error", lambda z, Y: float(np.sum((softmax(z) - Y) ** 2)),
             lambda z, Y: softmax_vjp(softmax(z), se_p(z, Y)), [
                 Variant("wrong-loss-derivative", lambda z, Y: (softmax(z) - Y) / len(z),
                         "the gradients are right for cross-entropy (dL/dz = p - y), but the loss that is "
                         "evaluated is the squared error of the softmax output",
                         "Make the loss and its derivative agree: evaluate the cross-entropy -sum y log p "
                         "(and keep p - y), or derive the squared error through the softmax Jacobian.",
                         own_scale=True),
                 Variant("softmax-diagonal", diag(se_p),
                         "the gradients match the softmax derivative's diagonal p_k (1 - p_k) alone; the "
                         "off-diagonal terms -p_k p_j are missing, yet each output of a softmax depends on "
                         "every score", SOFTMAX_FIX),
                 Variant("softmax-skipped", se_p,
                         "the gradients pass dL/dp straight to the softmax's inputs, as if the softmax had "
                         "derivative 1", SOFTMAX_FIX)]),
        Head("softmax, then cross-entropy", lambda z, Y: float(-np.sum(Y * _log(softmax(z)))),
             lambda z, Y: softmax(z) * Y.sum(axis=1, keepdims=True) - Y, [
                 Variant("softmax-diagonal", diag(ce_p),
                         "the gradients match the softmax derivative's diagonal p_k (1 - p_k) alone; the "
                         "off-diagonal terms -p_k p_j are missing, yet each output of a softmax depends on "
                         "every score", SOFTMAX_FIX),
                 Variant("softmax-skipped", ce_p,
                         "the gradients pass dL/dp = -y/p straight to the softmax's inputs, as if the softmax "
                         "had derivative 1", SOFTMAX_FIX),
                 Variant("wrong-loss-derivative", lambda z, Y: softmax_vjp(softmax(z), se_p(z, Y)) / z.size,
                         "the gradients are right for the squared error (derivative -2 (y - p)), but the loss "
                         "that is evaluated is cross-entropy",
                         "For a softmax with cross-entropy, dL/dz = p - y (divided by N for a mean over the "
                         "batch); -2 (y - p) belongs to the squared error.", own_scale=True)]),
    ]


def _other_heads() -> list[Head]:
    return [
        Head("sigmoid, then squared error", lambda z, Y: float(np.sum((sigmoid(z) - Y) ** 2)),
             lambda z, Y: 2 * (sigmoid(z) - Y) * sigmoid(z) * (1 - sigmoid(z)), [
                 Variant("wrong-loss-derivative", lambda z, Y: (sigmoid(z) - Y) / len(z),
                         "the gradients are right for binary cross-entropy (dL/dz = p - y), but the loss that "
                         "is evaluated is the squared error of the sigmoid output",
                         "Evaluate binary cross-entropy (and keep p - y), or derive the squared error: "
                         "2 (p - y) * p (1 - p).", own_scale=True)]),
        Head("sigmoid, then binary cross-entropy",
             lambda z, Y: float(-np.sum(Y * _log(sigmoid(z)) + (1 - Y) * _log(1 - sigmoid(z)))),
             lambda z, Y: sigmoid(z) - Y, [
                 Variant("wrong-loss-derivative",
                         lambda z, Y: 2 * (sigmoid(z) - Y) * sigmoid(z) * (1 - sigmoid(z)) / z.size,
                         "the gradients are right for the squared error, but the loss that is evaluated is "
                         "binary cross-entropy",
                         "For a sigmoid with binary cross-entropy, dL/dz = p - y (divided by N for a mean).",
                         own_scale=True)]),
        Head("squared error of the scores", lambda z, Y: float(np.sum((z - Y) ** 2)),
             lambda z, Y: 2 * (z - Y)),
    ]


HEADS = _softmax_heads() + _other_heads()


def target_forms(y: np.ndarray, shape: tuple) -> list[tuple[str, np.ndarray]]:
    """The ways the learner's targets may meet scores of ``shape`` (N, K): as NumPy
    broadcasts them, and as one-hot rows when they are class labels."""
    y = np.asarray(y, dtype=np.float64)
    forms = []
    for cand in (y, y[:, None] if y.ndim == 1 else None):
        if cand is None:
            continue
        try:
            forms.append(("as given", np.broadcast_to(cand, shape).astype(np.float64)))
            break
        except ValueError:
            continue
    N, K = shape
    flat = y.reshape(-1)
    if K > 1 and flat.size == N and np.all(flat == np.round(flat)) and flat.min() >= 0 and flat.max() < K:
        forms.append(("one-hot", np.eye(K)[flat.astype(int)]))
    return forms


@dataclass
class Identified:
    """The learner's loss as math: L = scale * head.value(z, Y)."""

    head: Head
    Y: np.ndarray
    targets: str
    scale: float


def identify(z: np.ndarray, y: np.ndarray, loss: float, numerical: np.ndarray, jac: np.ndarray,
             rtol: float, atol: np.ndarray) -> Identified | None:
    """The head whose scaled value equals ``loss`` and whose gradient, chained through the
    scores' Jacobian ``jac`` (P, N, K), equals the numerical gradient (P,) element by element."""
    for head in HEADS:
        for label, Y in target_forms(y, z.shape):
            with np.errstate(all="ignore"):
                value = head.value(z, Y)
                if not np.isfinite(value) or value == 0:
                    continue
                scale = loss / value
                predicted = np.einsum("pnk,nk->p", jac, scale * head.grad(z, Y))
            if scale > 0 and np.all(fits(predicted, numerical, rtol, atol)):
                return Identified(head, Y, label, scale)
    return None
