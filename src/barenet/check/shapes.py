"""The ``shape`` diagnosis: a gradient whose shape is not its parameter's.

:func:`align` brings a gradient to its parameter's shape when the mistake has one clear
reading (transposed, one row per sample, the same values in another shape), so its values
can still be checked; otherwise the values are not read at all. :func:`shape_findings`
words the findings, one per kind of mistake.
"""

from __future__ import annotations

import numpy as np

from .report import Finding

KINDS = ("transposed", "per-sample", "reshaped", "wrong")


def align(grad: np.ndarray, shape: tuple, batch: int | None) -> tuple[np.ndarray | None, str | None]:
    """(the gradient in the parameter's shape or None, the kind of shape mistake or None).
    A per-sample gradient (N, *shape) is summed over N, as the batch shares the parameter;
    for a scalar parameter that reading needs the batch size N to be known."""
    if grad.shape == shape:
        return grad, None
    if grad.ndim == 2 and grad.T.shape == shape:
        return grad.T, "transposed"
    if grad.ndim == len(shape) + 1 and grad.shape[1:] == shape and (
            grad.shape[0] == batch or (shape and batch is None)):
        return grad.sum(axis=0), "per-sample"
    if grad.size == int(np.prod(shape)) and grad.size > 1:
        return grad.reshape(shape), "reshaped"
    return None, "wrong"


def _names(names: list[str]) -> str:
    return ", ".join(names)


def shape_findings(kinds: dict[str, tuple[str, tuple, tuple]], mode: str) -> list[Finding]:
    """kinds: name -> (kind, gradient shape, parameter shape). One finding per (kind, shapes)."""
    groups: dict[tuple, list[str]] = {}
    for name, key in kinds.items():
        groups.setdefault(key, []).append(name)
    return [_finding(kind, given, shape, names, mode) for (kind, given, shape), names in groups.items()]


def _finding(kind: str, given: tuple, shape: tuple, names: list[str], mode: str) -> Finding:
    many = len(names) > 1
    its = "their gradients have" if many else "its gradient has"
    who = _names(names)
    data = {"kind": kind, "gradient_shape": list(given), "param_shape": list(shape)}
    if kind == "transposed":
        return Finding("shape", tuple(names),
                       f"The gradient of {who} has shape {given}, the transpose of the parameter's {shape}: the "
                       "factors of a product are swapped (dz.T @ x where x.T @ dz belongs).",
                       "Give each gradient its parameter's shape: for y = x @ W with W of shape (in, out), "
                       "dW = x.T @ dy has shape (in, out).", data=data)
    if kind == "per-sample":
        return Finding("shape", tuple(names),
                       f"The gradient of {who} has shape {given}: one {shape} per sample. A parameter is shared "
                       "by every sample of the batch, so its gradient is their sum.",
                       "Sum over the batch axis, e.g. db = dz.sum(axis=0).", data=data)
    if kind == "reshaped":
        return Finding("shape", tuple(names),
                       f"The gradient of {who} has shape {given} but the parameter has shape {shape}: w -= lr * dw "
                       "then changes the parameter's shape, or fails.",
                       "Reduce or reshape to the parameter's shape, e.g. db = dz.sum(axis=0) without keepdims.",
                       data=data)
    if shape == () and len(given) == 1:
        if mode == "step":
            what = (f"one step turned these {len(names)} numbers" if many else f"one step turned {who}, a number,")
            what += f" into {'arrays' if many else 'an array'} of shape {given}"
        else:
            what = f"{'these are numbers' if many else who + ' is a number'}, but {its} shape {given}"
        return Finding("shape", tuple(names),
                       f"{what[0].upper() + what[1:]}: a vector, such as d_L_d_ypred with one value per output, "
                       "was multiplied into the update where the chain rule sums over the outputs.",
                       "Make each partial derivative one number: dL/dw = sum over outputs k of dL/dy_k * dy_k/dw; "
                       "through a softmax, first dL/do_j = sum over k of dL/dp_k * p_k (delta_kj - p_j).",
                       data=data)
    return Finding("shape", tuple(names),
                   f"The gradient of {who} has shape {given} but the parameter has shape {shape}.",
                   "Give each gradient the shape of its parameter.", data=data)
