"""Training history and callbacks.

``Sequential.fit`` calls each callback's hooks in this order:
``on_train_begin(model)``; per batch ``on_backward(model, epoch, batch, logs)`` after the
gradients are computed and before the optimizer step; per epoch
``on_epoch_end(model, epoch, logs)``; then ``on_train_end(model)``. Epochs and batches are
0-based; messages meant for people count from 1. A callback stops training by setting
``model.stop_training = True``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import NonFiniteError


@dataclass
class History:
    """Per-epoch metrics: ``history["loss"][e]``, ``history["val_accuracy"][e]``, ..."""

    history: dict[str, list[float]] = field(default_factory=dict)

    def append(self, logs: dict[str, float]) -> None:
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    @property
    def epochs(self) -> int:
        return len(self.history.get("loss", []))


class Callback:
    """Base class with empty hooks; override the ones you need."""

    def on_train_begin(self, model: Any) -> None: ...

    def on_backward(self, model: Any, epoch: int, batch: int, logs: dict[str, float]) -> None: ...

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> None: ...

    def on_train_end(self, model: Any) -> None: ...


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Metrics whose name contains "acc" are maximized, the rest minimized. With
    ``restore_best_weights`` the parameters of the best epoch are put back at the end.
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 restore_best_weights: bool = True) -> None:
        if int(patience) < 0 or min_delta < 0:
            raise ValueError("EarlyStopping: patience and min_delta must be >= 0")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.restore_best_weights = bool(restore_best_weights)
        self.sign = -1.0 if "acc" in monitor else 1.0  # compare sign * value, smaller is better

    def on_train_begin(self, model: Any) -> None:
        self.best, self.best_epoch, self.wait, self.stopped_epoch = np.inf, None, 0, None
        self._best_params: list[dict[str, np.ndarray]] | None = None

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping: monitor {self.monitor!r} is not among the metrics {sorted(logs)}; "
                             "pass validation_data or validation_split, or monitor 'loss'")
        value = self.sign * logs[self.monitor]
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_params = [{k: v.copy() for k, v in layer.params.items()} for layer in model.layers]
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            model.stop_training = True

    def on_train_end(self, model: Any) -> None:
        if self.restore_best_weights and self._best_params is not None:
            for layer, saved in zip(model.layers, self._best_params):
                for k, v in saved.items():
                    layer.params[k][...] = v


class NonFiniteGuard(Callback):
    """Stop with NonFiniteError as soon as the loss, a layer output or a gradient is NaN/inf.

    The check runs before the optimizer step, so the weights are still those that produced
    the first non-finite value. The message names the epoch, the batch and the first layer
    (in forward order for outputs, then backward order for gradients) that went non-finite.
    """

    def on_backward(self, model: Any, epoch: int, batch: int, logs: dict[str, float]) -> None:
        if np.isfinite(logs["loss"]) and all(np.isfinite(g).all() for layer in model.layers
                                             for g in layer.grads.values()):
            return
        where = f"epoch {epoch + 1}, batch {batch + 1}"
        raise NonFiniteError(f"training went non-finite at {where}: {self._culprit(model, logs['loss'])}; "
                             "try a lower learning rate, or check the inputs for huge values")

    @staticmethod
    def _culprit(model: Any, loss: float) -> str:
        for layer, out in zip(model.layers, model.outputs):
            if not np.isfinite(out).all():
                return f"{layer.label} produced a non-finite output"
        if not np.isfinite(loss):
            return f"the loss is {loss} although every layer output is finite"
        for layer, dx in zip(reversed(model.layers), reversed(model.input_grads)):
            bad = [k for k, g in layer.grads.items() if not np.isfinite(g).all()]
            if bad or not np.isfinite(dx).all():
                what = f"gradient of {bad[0]!r}" if bad else "input gradient"
                return f"{layer.label} produced a non-finite {what}"
        return "a non-finite value appeared"  # pragma: no cover - the checks above are exhaustive
