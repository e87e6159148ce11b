"""Training history and callbacks.

``Sequential.fit`` calls each callback's hooks in this order:
``on_train_begin(model)``; per batch ``on_backward(model, epoch, batch, logs)`` after the
gradients are computed and before the optimizer step; per epoch
``on_epoch_end(model, epoch, logs)``; then ``on_train_end(model)``. Epochs and batches are
0-based; messages meant for people count from 1. A callback stops training by setting
``model.stop_training = True``.
"""

from __future__ import annotations

import math
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
    """Stop with NonFiniteError as soon as training produces NaN or inf.

    Every batch checks the loss, a single number, before the optimizer step; a
    non-finite gradient poisons the weights and so the next batch's loss, which is then
    caught. At the end of training all weights are checked, which covers the last batch. The message
    names the epoch, the batch and the first layer whose output (in forward order),
    gradient (in backward order) or weights went non-finite.
    """

    def on_backward(self, model: Any, epoch: int, batch: int, logs: dict[str, float]) -> None:
        if not math.isfinite(logs["loss"]):
            self._fail(f"epoch {epoch + 1}, batch {batch + 1}", self._culprit(model, logs["loss"]))

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> None:
        self._last_epoch = epoch

    def on_train_end(self, model: Any) -> None:
        # Within the run, the next batch's loss catches weights that an update made non-finite;
        # after the last batch there is no next batch, so the weights are checked once here.
        for layer in model.layers:
            bad = [k for k, p in layer.params.items() if not np.isfinite(p).all()]
            if bad:
                epoch = getattr(self, "_last_epoch", model.epoch - 1)
                self._fail(f"epoch {epoch + 1}, last batch", f"{layer.label} has non-finite weights {bad[0]!r} "
                           "after the update (its gradient overflowed)")

    @staticmethod
    def _fail(where: str, what: str) -> None:
        raise NonFiniteError(f"training went non-finite at {where}: {what}; "
                             "try a lower learning rate, or check the inputs for huge values")

    @staticmethod
    def _culprit(model: Any, loss: float) -> str:
        for layer, out in zip(model.layers, model.outputs):
            if not np.isfinite(out).all():
                bad = [k for k, p in layer.params.items() if not np.isfinite(p).all()]
                why = f" because its weights {bad[0]!r} are non-finite after the last update" if bad else ""
                return f"{layer.label} produced a non-finite output{why}"
        return f"the loss is {loss} although every layer output is finite"
