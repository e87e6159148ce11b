"""Stochastic gradient descent with momentum, Nesterov momentum and weight decay (torch.optim.SGD)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Optimizer


class SGD(Optimizer):
    """g <- g + wd p; buf <- g (first step) or mu buf + g; g <- g + mu buf (Nesterov) or buf; p <- p - lr g."""

    SLOTS = {"momentum": "array"}

    def __init__(self, lr: float, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0, schedule: Any = None) -> None:
        super().__init__(lr, schedule)
        if momentum < 0 or weight_decay < 0:
            raise ValueError("SGD: momentum and weight_decay must be >= 0")
        if nesterov and momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")
        self.momentum, self.nesterov, self.weight_decay = float(momentum), bool(nesterov), float(weight_decay)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov,
                "weight_decay": self.weight_decay}

    def update(self, state: dict[str, Any], p: np.ndarray, g: np.ndarray) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            buf = state.get("momentum")
            if buf is None:
                buf = state["momentum"] = g.copy()
            else:
                buf *= self.momentum
                buf += g
            g = g + self.momentum * buf if self.nesterov else buf
        p -= self.lr * g
