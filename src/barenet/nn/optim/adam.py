"""Adam and AdamW: the per-parameter rule, and a step that runs it on all parameters at once."""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from .base import Optimizer
from .flat import FlatMoments


class Adam(Optimizer):
    """Adam (Kingma & Ba), or AdamW when ``decoupled=True`` (Loshchilov & Hutter).

    For each parameter p with gradient g, at step t = 1, 2, ...::

        g <- g + wd p                 (Adam's L2 weight decay)   or   p <- p (1 - lr wd)   (AdamW)
        m <- b1 m + (1 - b1) g        first moment
        v <- b2 v + (1 - b2) g^2      second moment
        p <- p - lr m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - b1^t),  v_hat = v / (1 - b2^t)

    ``update`` is that rule, for one parameter, in PyTorch's order of operations. ``step``
    gives the same numbers, bit for bit, for all parameters at once on flat moment buffers
    (``flat.py``); tests/nn/test_optim_adam.py proves the two equal.
    """

    SLOTS = {"step": "count", "m": "array", "v": "array"}

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled: bool = False, schedule: Any = None) -> None:
        super().__init__(lr, schedule)
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1) or eps < 0 or weight_decay < 0:
            raise ValueError(f"Adam: need 0 <= betas < 1 and eps, weight_decay >= 0, received "
                             f"betas={betas!r}, eps={eps!r}, weight_decay={weight_decay!r}")
        self.betas, self.eps = (float(b1), float(b2)), float(eps)
        self.weight_decay, self.decoupled = float(weight_decay), bool(decoupled)
        self.flat = FlatMoments()

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "betas": list(self.betas), "eps": self.eps,
                "weight_decay": self.weight_decay, "decoupled": self.decoupled}

    def update(self, state: dict[str, Any], p: np.ndarray, g: np.ndarray) -> None:
        """The rule above for one parameter: p, m and v change in place."""
        if not state:
            state.update(step=0, m=np.zeros_like(p), v=np.zeros_like(p))
        state["step"] += 1
        t, (b1, b2) = state["step"], self.betas
        if self.weight_decay and self.decoupled:
            p *= 1 - self.lr * self.weight_decay
        elif self.weight_decay:
            g = g + self.weight_decay * p
        m, v = state["m"], state["v"]
        m[...] = b1 * m + (1 - b1) * g
        v[...] = b2 * v + (1 - b2) * (g * g)
        denom = np.sqrt(v) / math.sqrt(1 - b2**t) + self.eps  # sqrt(v_hat) + eps
        p -= (self.lr / (1 - b1**t)) * (m / denom)  # lr m_hat / (sqrt(v_hat) + eps)

    def step(self, layers: Iterable[Any]) -> None:
        """``update`` for every parameter, done at once on flat buffers when the parameters allow it.

        Parameters of mixed dtypes, or with unequal step counts (a state put together by
        hand), go one at a time through ``update``.
        """
        pairs = self.pairs(layers)
        if not self.flat.step(self, pairs):
            for key, p, g in pairs:
                self.update(self.state.setdefault(key, {}), p, g)
