"""Optimizers and learning-rate schedules.

Each optimizer follows PyTorch's update rule for the same arguments (torch.optim.SGD,
Adam, AdamW, RMSprop), so both can be stepped side by side and compared. ``step(layers)``
updates every ``layer.params`` array in place from ``layer.grads``; per-parameter state
(momentum buffers, moments) is keyed by (layer index, parameter name).

Each optimizer's ``update(state, p, g)`` is its rule for one parameter, written as the
formula in its docstring; ``step`` applies it to every parameter (Adam does so on flat
buffers, ``flat.py``, with the same numbers). Schedules (``schedules.py``) are pure
functions of the epoch, so a resumed run needs nothing but the epoch number.
"""

from __future__ import annotations

from typing import Any

from .adam import Adam
from .base import Optimizer
from .rmsprop import RMSProp
from .schedules import SCHEDULES, CosineLR, ExponentialLR, StepLR
from .sgd import SGD

OPTIMIZERS: dict[str, type[Optimizer]] = {cls.__name__: cls for cls in (SGD, Adam, RMSProp)}


def optimizer_from_config(name: str, config: dict[str, Any]) -> Optimizer:
    """Rebuild an optimizer (and its schedule) from registry names and plain data."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}")
    config = dict(config)
    sched = config.pop("schedule", None)
    if sched is not None:
        if sched.get("type") not in SCHEDULES:
            raise ValueError(f"unknown schedule {sched.get('type')!r}; choose one of {sorted(SCHEDULES)}")
        config["schedule"] = SCHEDULES[sched["type"]](**sched.get("config", {}))
    if "betas" in config:
        config["betas"] = tuple(config["betas"])
    return OPTIMIZERS[name](**config)


__all__ = ["Optimizer", "SGD", "Adam", "RMSProp", "OPTIMIZERS", "SCHEDULES", "StepLR", "ExponentialLR", "CosineLR",
           "optimizer_from_config"]
