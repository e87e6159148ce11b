"""Learning-rate schedules: pure functions of the epoch, ``schedule(epoch, base_lr) -> lr``.

A resumed run needs nothing but the epoch number to get the same rate.
"""

from __future__ import annotations

import math
from typing import Any


class StepLR:
    """lr = base_lr * gamma ** floor(epoch / step_size)."""

    def __init__(self, step_size: int, gamma: float = 0.1) -> None:
        if int(step_size) < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, received {step_size!r}")
        self.step_size, self.gamma = int(step_size), float(gamma)

    def __call__(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)

    def get_config(self) -> dict[str, Any]:
        return {"step_size": self.step_size, "gamma": self.gamma}


class ExponentialLR:
    """lr = base_lr * gamma ** epoch."""

    def __init__(self, gamma: float) -> None:
        self.gamma = float(gamma)

    def __call__(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma**epoch

    def get_config(self) -> dict[str, Any]:
        return {"gamma": self.gamma}


class CosineLR:
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * min(epoch, T_max) / T_max)) / 2."""

    def __init__(self, T_max: int, eta_min: float = 0.0) -> None:
        if int(T_max) < 1:
            raise ValueError(f"CosineLR: T_max must be >= 1, received {T_max!r}")
        self.T_max, self.eta_min = int(T_max), float(eta_min)

    def __call__(self, epoch: int, base_lr: float) -> float:
        e = min(epoch, self.T_max)
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * e / self.T_max)) / 2

    def get_config(self) -> dict[str, Any]:
        return {"T_max": self.T_max, "eta_min": self.eta_min}


SCHEDULES = {cls.__name__: cls for cls in (StepLR, ExponentialLR, CosineLR)}
