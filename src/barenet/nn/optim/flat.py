"""Adam's fast path: every parameter's moments in one flat buffer, updated by a dozen NumPy calls.

The rule is ``Adam.update`` (read that first); this file only changes where the numbers
live. Per-parameter calls cost a dozen small NumPy operations each, which dominates a
small network's step; here m and v of all parameters are two flat arrays, each
``optimizer.state[key]["m"]`` is a view into them, and the arithmetic is the same, in the
same order, so the results equal ``update``'s bit for bit (tests/nn/test_optim_adam.py).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class FlatMoments:
    """The flat (m, v) buffers of one Adam optimizer, rebuilt whenever its state no longer uses them."""

    def __init__(self) -> None:
        self.keys: list[tuple[int, str]] = []
        self.m = self.v = np.empty(0)

    def step(self, opt: Any, pairs: list[tuple[tuple[int, str], np.ndarray, np.ndarray]]) -> bool:
        """One Adam step of ``opt`` for all ``pairs``; False (and nothing done) when it does not apply."""
        keys = [k for k, _, _ in pairs]
        steps = {opt.state[k]["step"] for k in keys if opt.state.get(k)}
        if not pairs or len({p.dtype for _, p, _ in pairs}) > 1 or len(steps) > 1:
            return False
        self._attach(opt.state, pairs)
        g = np.concatenate([g.ravel() for _, _, g in pairs])  # (P,): every gradient, back to back
        params = [p for _, p, _ in pairs]
        if opt.weight_decay and opt.decoupled:
            for p in params:
                p *= 1 - opt.lr * opt.weight_decay
        elif opt.weight_decay:
            g += opt.weight_decay * np.concatenate([p.ravel() for p in params])
        t = (steps.pop() if steps else 0) + 1
        for k in keys:
            opt.state[k]["step"] = t
        update = self._moments_step(opt, g, t)
        start = 0
        for p in params:
            p -= update[start : start + p.size].reshape(p.shape)
            start += p.size
        return True

    def _attach(self, state: dict, pairs: list) -> None:
        """Make every state entry a view of the flat buffers (building them if the state changed)."""
        keys = [k for k, _, _ in pairs]
        if keys == self.keys and all(state.get(k) and state[k].get("m") is not None
                                     and np.shares_memory(state[k]["m"], self.m) for k in keys):
            return
        self.m = np.concatenate([state[k]["m"].ravel() if state.get(k) else np.zeros(p.size, p.dtype)
                                 for k, p, _ in pairs])
        self.v = np.concatenate([state[k]["v"].ravel() if state.get(k) else np.zeros(p.size, p.dtype)
                                 for k, p, _ in pairs])
        start = 0
        for k, p, _ in pairs:
            step = state[k]["step"] if state.get(k) else 0
            view = slice(start, start + p.size)
            state[k] = {"step": step, "m": self.m[view].reshape(p.shape), "v": self.v[view].reshape(p.shape)}
            start += p.size
        self.keys = keys

    def _moments_step(self, opt: Any, g: np.ndarray, t: int) -> np.ndarray:
        """m and v updated in place from g; returns (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).

        ``Adam.update``'s arithmetic, written in place through one scratch array.
        """
        b1, b2 = opt.betas
        m, v = self.m, self.v
        buf = np.multiply(g, 1 - b1)
        m *= b1
        m += buf  # b1 m + (1 - b1) g
        np.multiply(g, g, out=buf)
        buf *= 1 - b2
        v *= b2
        v += buf  # b2 v + (1 - b2) g^2
        np.sqrt(v, out=buf)
        buf /= math.sqrt(1 - b2**t)
        buf += opt.eps  # denominator: sqrt(v) / sqrt(1 - b2^t) + eps
        np.divide(m, buf, out=buf)
        buf *= opt.lr / (1 - b1**t)
        return buf
