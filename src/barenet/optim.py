"""Optimizers and learning-rate schedules.

Each optimizer follows PyTorch's update rule for the same arguments (torch.optim.SGD,
Adam, AdamW, RMSprop), so both can be stepped side by side and compared. ``step(layers)``
updates every ``layer.params`` array in place from ``layer.grads``; per-parameter state
(momentum buffers, moments) is keyed by (layer index, parameter name).

Schedules are pure functions of the epoch, ``schedule(epoch, base_lr) -> lr``, so a
resumed run needs nothing but the epoch number to get the same rate.
"""

from __future__ import annotations

import numbers
import math
from typing import Any, Iterable

import numpy as np

from .errors import NotReadyError, ShapeError


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


class Optimizer:
    """Base class: walks the layers, checks gradients, and calls ``_update`` per parameter.

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
        for key, p, g in self._pairs(layers):
            self._update(self.state.setdefault(key, {}), p, g)

    def _pairs(self, layers: Iterable[Any]) -> list[tuple[tuple[int, str], np.ndarray, np.ndarray]]:
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

    def _update(self, state: dict[str, Any], p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        cfg = {"lr": self.base_lr}
        if self.schedule is not None:
            cfg["schedule"] = {"type": type(self.schedule).__name__, "config": self.schedule.get_config()}
        return cfg

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


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

    def _update(self, state: dict[str, Any], p: np.ndarray, g: np.ndarray) -> None:
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


class Adam(Optimizer):
    """Adam (Kingma & Ba), or AdamW when ``decoupled=True`` (Loshchilov & Hutter).

    t <- t + 1; Adam adds wd p to g, AdamW instead scales p by (1 - lr wd);
    m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2;
    p <- p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
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

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "betas": list(self.betas), "eps": self.eps,
                "weight_decay": self.weight_decay, "decoupled": self.decoupled}

    def step(self, layers: Iterable[Any]) -> None:
        """One Adam step for all parameters at once, on flat moment buffers.

        The moments of every parameter live in one flat array (the per-parameter ``state``
        entries are views into it), so the update is a dozen NumPy calls in all rather than
        a dozen per parameter. Parameters of mixed dtypes or unequal step counts (a state
        put together by hand) take the per-parameter path.
        """
        pairs = self._pairs(layers)
        keys = [k for k, _, _ in pairs]
        dtypes = {p.dtype for _, p, _ in pairs}
        steps = {self.state[k]["step"] for k in keys if self.state.get(k)}
        if not pairs or len(dtypes) > 1 or len(steps) > 1:
            for key, p, g in pairs:
                self._update(self.state.setdefault(key, {}), p, g)
            return
        m, v = self._flat_moments(pairs)
        g = np.concatenate([g.ravel() for _, _, g in pairs])
        params = [p for _, p, _ in pairs]
        if self.weight_decay and self.decoupled:
            for p in params:
                p *= 1 - self.lr * self.weight_decay
        elif self.weight_decay:
            g += self.weight_decay * np.concatenate([p.ravel() for p in params])
        t = (steps.pop() if steps else 0) + 1
        for k in keys:
            self.state[k]["step"] = t
        update = self._moments_step(m, v, g, t)
        start = 0
        for p in params:
            p -= update[start : start + p.size].reshape(p.shape)
            start += p.size

    def _flat_moments(self, pairs: list) -> tuple[np.ndarray, np.ndarray]:
        """The flat (m, v) for these parameters, built once and kept while the keys stay the same."""
        keys = [k for k, _, _ in pairs]
        flat = getattr(self, "_flat", None)
        if flat is not None and flat[0] == keys and all(
                k in self.state and self.state[k].get("m") is not None and self.state[k]["m"].base is flat[1]
                for k in keys):
            return flat[1], flat[2]
        m = np.concatenate([self.state[k]["m"].ravel() if self.state.get(k) else np.zeros(p.size, p.dtype)
                            for k, p, _ in pairs])
        v = np.concatenate([self.state[k]["v"].ravel() if self.state.get(k) else np.zeros(p.size, p.dtype)
                            for k, p, _ in pairs])
        start = 0
        for k, p, _ in pairs:
            step = self.state[k]["step"] if self.state.get(k) else 0
            view = slice(start, start + p.size)
            self.state[k] = {"step": step, "m": m[view].reshape(p.shape), "v": v[view].reshape(p.shape)}
            start += p.size
        self._flat = (keys, m, v)
        return m, v

    def _moments_step(self, m: np.ndarray, v: np.ndarray, g: np.ndarray, t: int) -> np.ndarray:
        """Update m and v in place from g and return the step (lr / (1 - b1^t)) m / denominator.

        In place, through one scratch array: the arithmetic is PyTorch's, in its order.
        """
        b1, b2 = self.betas
        buf = np.multiply(g, 1 - b1)
        m *= b1
        m += buf
        np.multiply(g, g, out=buf)
        buf *= 1 - b2
        v *= b2
        v += buf
        np.sqrt(v, out=buf)
        buf /= math.sqrt(1 - b2**t)
        buf += self.eps  # denominator: sqrt(v) / sqrt(1 - b2^t) + eps
        np.divide(m, buf, out=buf)
        buf *= self.lr / (1 - b1**t)
        return buf

    def _update(self, state: dict[str, Any], p: np.ndarray, g: np.ndarray) -> None:
        if not state:
            state.update(step=0, m=np.zeros_like(p), v=np.zeros_like(p))
        state["step"] += 1
        if self.weight_decay and self.decoupled:
            p *= 1 - self.lr * self.weight_decay
        elif self.weight_decay:
            g = g + self.weight_decay * p
        p -= self._moments_step(state["m"], state["v"], g, state["step"])


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

    def _update(self, state: dict[str, Any], p: np.ndarray, g: np.ndarray) -> None:
        if not state:
            state["square_avg"] = np.zeros_like(p)
        v = state["square_avg"]
        v *= self.alpha
        v += (1 - self.alpha) * (g * g)
        p -= self.lr * (g / (np.sqrt(v) + self.eps))


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
