"""The ``stale-weights`` diagnosis: a step that updates a weight before the backward pass reads it.

A training step written in the order "update the output layer, then backprop into the
hidden layer" computes the hidden layer's gradient with the output weights already moved:

    dz = p - y                  (the forward pass's, at theta)
    W2 -= lr * h.T @ dz         (W2 is now W2')
    dh = dz @ W2.T              (W2', not W2)

So the hidden parameters get g' = (dz/dtheta_hidden at W2')^T dL/dz, with dL/dz taken at
the forward pass's point. With the scores z watched and the loss identified (heads.py),
both parts are computed from the outside: dL/dz from the identified head at z, and
dz/dtheta by central differences of the scores with every parameter whose gradient agrees
set to its value after the step. When that g' makes every disagreeing value agree, under
the check's own tolerance, the bug is named; otherwise the values stay a ``mismatch``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .diagnose import Context, Evidence, explains
from .heads import Identified
from .numeric import Precision, sweep
from .params import ParamSet
from .report import Finding


def stale_finding(ps: ParamSet, evs: list[Evidence], agree: list[str], after: dict[str, np.ndarray],
                  evaluate: Callable, prec: Precision, loss0: float, ident: Identified | None,
                  z: np.ndarray | None, ctx: Context) -> Finding | None:
    """The finding when the disagreeing ``evs`` are what backprop gives with the ``agree``
    parameters at their values ``after`` the step (see the module docstring), else None."""
    if ctx.mode != "step" or not agree or ident is None or z is None or not evs or any(n not in after for n in agree):
        return None
    G = ident.scale * ident.head.grad(z, ident.Y)                     # dL/dz at the forward pass (N, K)
    before = ps.values()
    moved = {n: (after[n] if n in agree else v) for n, v in before.items()}
    if all(np.array_equal(moved[n], before[n]) for n in agree):
        return None
    try:
        ps.reset(moved)
        for e in evs:
            jac = sweep(ps, e.name, e.picks, evaluate, prec, loss0).jac  # (P, N, K) at the moved weights
            if jac is None or not explains(e, np.einsum("pnk,nk->p", jac, G), ctx):
                return None
    finally:
        ps.reset(before)
    names, early = ", ".join(e.name for e in evs), ", ".join(agree)
    return Finding("stale-weights", tuple(e.name for e in evs),
                   f"The gradients of {names} are exactly what backprop gives with {early} already updated by "
                   f"this step: the step changes {early} before the backward pass reads them for {names}.",
                   "Compute every gradient first, from the weights the forward pass used, and update the weights "
                   "after (or keep a copy of the old weights for the backward pass).",
                   data={"updated_first": list(agree)})
