"""RMSProp (torch.optim.RMSprop with its defaults: no momentum, not centered)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Optimizer


class RMSProp(Optimizer):
    """v <- alpha v + (1 - alpha) g^2; p <- p - lr g / (sqrt(v) + eps)."""

    SLOTS = {"square_avg": "array"}

    def __init__(self, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, schedule: Any = None) -> None:
        super().__init__(lr, schedule)
        if not 0 <= alpha < 1 or eps < 0:
            raise ValueError(f"RMSProp: need 0 <= alpha < 1 and eps >= 0, received alpha={alpha!r}, eps={eps!r}")
        self.alpha, self.eps = float(alpha), float(eps)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha": self.alpha, "eps": self.eps}

    def update(self, state: dict[str, Any], p: np.ndarray, g: np.ndarray) -> None:
        if not state:
            state["square_avg"] = np.zeros_like(p)
        v = state["square_avg"]
        v *= self.alpha
        v += (1 - self.alpha) * (g * g)
        p -= self.lr * (g / (np.sqrt(v) + self.eps))
