"""The optimizer base class: checked (parameter, gradient) pairs and per-parameter state."""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterable

import numpy as np

from ..errors import NotReadyError, ShapeError


class Optimizer:
    """Base class: walks the layers, checks gradients, and calls ``update`` once per parameter.

    ``SLOTS`` names the per-parameter state a subclass keeps, each a "count" (an int) or an
    "array" shaped like the parameter; a model file's optimizer state must match it.
    """

    SLOTS: dict[str, str] = {}

    def __init__(self, lr: float, schedule: Any = None) -> None:
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0 or not math.isfinite(lr):
            raise ValueError(f"{type(self).__name__}: lr must be a positive number, received {lr!r}")
        self.base_lr = self.lr = float(lr)
        self.schedule = schedule
        self.state: dict[tuple[int, str], dict[str, Any]] = {}

    def set_epoch(self, epoch: int) -> None:
        """Set ``lr`` from the schedule for this (0-based) epoch."""
        self.lr = self.schedule(epoch, self.base_lr) if self.schedule else self.base_lr

    def step(self, layers: Iterable[Any]) -> None:
        """Update every parameter of ``layers`` in place from its gradient, one parameter at a time."""
        for key, p, g in self.pairs(layers):
            self.update(self.state.setdefault(key, {}), p, g)

    def pairs(self, layers: Iterable[Any]) -> list[tuple[tuple[int, str], np.ndarray, np.ndarray]]:
        """((layer index, name), param, gradient in the param's dtype) for every parameter, checked."""
        pairs = []
        for i, layer in enumerate(layers):
            grads = layer.grads
            for name, p in layer.params.items():
                g = grads.get(name)
                if g is None:
                    raise NotReadyError(f"{type(self).__name__}: {layer.label} has no gradient for {name!r}; "
                                        "call backward() before step()")
                if g.shape != p.shape:
                    raise ShapeError(f"{type(self).__name__}: gradient of {name!r} in {layer.label} has shape "
                                     f"{g.shape}, expected {p.shape}")
                pairs.append(((i, name), p, g if g.dtype == p.dtype else g.astype(p.dtype)))
        return pairs

    def update(self, state: dict[str, Any], p: np.ndarray, g: np.ndarray) -> None:
        """The update rule for one parameter ``p`` (in place), its gradient ``g`` and its ``state``."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        cfg = {"lr": self.base_lr}
        if self.schedule is not None:
            cfg["schedule"] = {"type": type(self.schedule).__name__, "config": self.schedule.get_config()}
        return cfg

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
