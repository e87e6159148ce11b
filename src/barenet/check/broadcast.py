"""The ``targets-broadcast`` diagnosis: labels y (N,) against outputs (N, 1).

NumPy broadcasts ``p - y`` with p (N, 1) and y (N,) to an (N, N) table, every output
against every label, so the loss the learner evaluates is

    L = scale * sum over n, m of loss(z_n, y_m),

while the backward pass, written for y as a column, gives c * sum_n dloss(z_n, y_n)/dz_n
dz_n/dtheta. The bug is named only when both hold: the loss's value and numerical gradient
are the broadcast form (a head of heads.py over the (N, N) table, y with at least two
different values, so that it is not the right loss times N), and every analytic value of
the learner is the column form's gradient with one factor c, c = scale (a sum) or N scale
(the mean over the N values the learner meant).
"""

from __future__ import annotations

import numpy as np

from .diagnose import Context, Evidence, explains
from .heads import HEADS, Identified
from .numeric import fits
from .report import Finding

LABEL = "broadcast"


def identify_broadcast(z: np.ndarray, y: object, loss: float, numerical: np.ndarray, jac: np.ndarray,
                       rtol: float, atol: np.ndarray) -> Identified | None:
    """The sigmoid or score head whose (N, N) broadcast value equals ``loss`` and whose
    gradient through ``jac`` (P, N, 1) equals ``numerical`` (P,); Identified.Y is y as a column."""
    y = np.asarray(y, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != 1 or y.ndim != 1 or y.size != z.shape[0] or y.size < 2 or np.ptp(y) == 0:
        return None
    N = y.size
    zb, Yb = np.repeat(z, N, axis=1), np.broadcast_to(y[None, :], (N, N))   # zb[n, m] = z_n, Yb[n, m] = y_m
    for head in HEADS:
        if head.name.startswith("softmax"):
            continue                        # a softmax over one column is constant
        with np.errstate(all="ignore"):
            value = head.value(zb, Yb)
            if not np.isfinite(value) or value == 0:
                continue
            scale = loss / value
            g = head.grad(zb, Yb).sum(axis=1, keepdims=True)
            predicted = np.einsum("pnk,nk->p", jac, scale * g)
        if scale > 0 and np.all(fits(predicted, numerical, rtol, atol)):
            return Identified(head, y[:, None], LABEL, scale)
    return None


def broadcast_finding(evs: list[Evidence], ident: Identified, z: np.ndarray, ctx: Context) -> Finding | None:
    """targets-broadcast when every value of evs is the column form's gradient times scale or N scale."""
    g = ident.head.grad(z, ident.Y)
    N = len(z)
    for c in (N * ident.scale, ident.scale):
        if all(explains(e, np.einsum("pnk,nk->p", e.jac, c * g), ctx) for e in evs):
            names = tuple(e.name for e in evs)
            return Finding("targets-broadcast", names,
                           f"The loss subtracts targets y of shape ({N},) from outputs of shape ({N}, 1): NumPy "
                           f"broadcasts them to a ({N}, {N}) table of every output against every target, so the "
                           f"loss is not the one your gradients of {', '.join(names)} are for (they are right for "
                           "y as a column).",
                           f"Reshape the targets to a column before the loss: y = y.reshape(-1, 1), shape ({N}, 1).",
                           data={"head": ident.head.name, "batch": N})
    return None
