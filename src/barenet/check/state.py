"""The ``accumulated-gradient`` diagnosis: gradients that depend on earlier calls.

A gradient is a function of the weights alone, so asking for it twice at the same weights
must give the same numbers. Code that adds into buffers (``self.dW += ...``) and never sets
them back to zero passes the first check, since the buffers start at zero, and then
gives 2 g, 3 g, ... on the following steps. So the gradients (or the step) are taken a
second time from the same point, and compared with the first:

- ``grads``: any difference is a finding (the second value is usually 2 g);
- a step: only a second gradient of exactly 2 g is, since momentum legitimately gives
  (1 + mu) g on its second step.
"""

from __future__ import annotations

import numpy as np

from .report import Finding

SAME = 1e-9   # relative difference between two calls that is still the same number


def repeat_finding(first: dict[str, np.ndarray], second: dict[str, np.ndarray], mode: str) -> Finding | None:
    """A Finding when the second call's gradients differ from the first's (see the module docstring)."""
    changed, doubled = [], []
    for name, a in first.items():
        b = second.get(name)
        if b is None or b.shape != a.shape:
            continue
        scale = max(float(np.max(np.abs(a), initial=0.0)), 1e-300)
        if np.max(np.abs(b - a), initial=0.0) > SAME * scale:
            changed.append(name)
            if np.max(np.abs(b - 2 * a), initial=0.0) <= SAME * scale:
                doubled.append(name)
    if not changed or (mode == "step" and doubled != changed):
        return None
    who = ", ".join(changed)
    if mode == "step":
        cause = (f"A second step from the same weights applied twice the gradient of the first to {who}: the "
                 "gradients are added (+=) into buffers that are never set back to zero, so every step adds "
                 "the earlier steps' gradients.")
    elif doubled == changed:
        cause = (f"Called twice at the same weights, grads returned twice the first values for {who}: the gradients "
                 "are added (+=) into buffers that are never set back to zero, so every call adds to what the "
                 "earlier calls left there.")
    else:
        cause = (f"Called twice at the same weights, grads returned different values for {who}: it keeps state "
                 "between calls, such as buffers added to (+=) and never set back to zero.")
    return Finding("accumulated-gradient", tuple(changed), cause,
                   "Set each gradient buffer to zero at the start of every backward pass (self.dW[:] = 0), or "
                   "assign it (self.dW = x.T @ dz) rather than adding to it.",
                   data={"doubled": doubled})
