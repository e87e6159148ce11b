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
    """Stop with NonFiniteError when training produces NaN or inf, or when its loss explodes.

    After every batch's backward pass, before the optimizer step, it checks that

    - the loss is finite and at most ``max_loss_growth`` * max(first batch's loss, 1): a loss
      that grows 100-fold has diverged even while every number is still finite;
    - the output of every layer with weights (Dense, Conv2D) is finite, the last layer's excepted
      when it is the model's output (the loss is computed from it). One dot product per array
      does it: any inf or NaN makes v . v inf or NaN, and only then is the array scanned element
      by element (v . v can overflow while every element is finite).

    Those outputs are where an inf or NaN first appears in the forward pass: activations and
    pooling cannot overflow on their own, but a matrix product can, and a Sigmoid or Tanh after
    it would squash an inf back to 1.0, so checking the loss alone is not enough. A gradient
    that overflows in the backward pass makes the weights it updates non-finite, and their
    layer's output then fails the check in the next batch, which names that layer. The weights
    are checked once more at the end of training, which covers the last batch. The message
    names the epoch, the batch and the layer. ``max_loss_growth=None`` turns the growth check off.
    """

    def __init__(self, max_loss_growth: float | None = 100.0) -> None:
        if max_loss_growth is not None and not max_loss_growth > 1:
            raise ValueError(f"NonFiniteGuard: max_loss_growth must be > 1 or None, received {max_loss_growth!r}")
        self.max_loss_growth = max_loss_growth
        self.first_loss: float | None = None
        self.limit = math.inf  # max_loss_growth * max(first loss, 1), once the first loss is known
        self.watched: list[int] = []  # indices of the outputs checked per batch

    def on_train_begin(self, model: Any) -> None:
        self.first_loss, self.limit = None, math.inf
        last = len(model.layers) - 1
        self.watched = [i for i, layer in enumerate(model.layers) if layer.params and i != last]

    def on_backward(self, model: Any, epoch: int, batch: int, logs: dict[str, float]) -> None:
        loss = logs["loss"]
        if self.first_loss is None and math.isfinite(loss):
            self.first_loss = loss
            self.limit = self.max_loss_growth * max(loss, 1.0) if self.max_loss_growth else math.inf
        outputs = model.outputs
        for i in self.watched:  # one dot product per watched output: the whole cost of the guard
            v = outputs[i].ravel(order="K")  # a view in memory order, no copy
            # v . v is one BLAS call, about 3x cheaper than v.sum(); any inf or NaN makes it
            # non-finite. It can also overflow for huge finite values, so then look closer.
            if not math.isfinite(np.dot(v, v)) and not np.isfinite(v).all():
                loss = math.nan
        if loss <= self.limit:  # False for NaN as well
            return
        where = f"epoch {epoch + 1}, batch {batch + 1}"
        if not math.isfinite(loss):
            self._fail(where, self._culprit(model, logs["loss"]))
        raise NonFiniteError(f"training diverged at {where}: the loss {loss:.3g} is over {self.max_loss_growth:g} "
                             f"times its first value {self.first_loss:.3g}; {_largest_outputs(model)}; "
                             "try a lower learning rate")

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> None:
        self._last_epoch = epoch

    def on_train_end(self, model: Any) -> None:
        # Within the run, the next batch's outputs catch weights that an update made non-finite;
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
        """The first layer whose output holds inf or NaN (an element-wise scan: this runs only on alarm)."""
        for layer, out in zip(model.layers, model.outputs):
            if not np.isfinite(out).all():
                bad = [k for k, p in layer.params.items() if not np.isfinite(p).all()]
                why = f" because its weights {bad[0]!r} are non-finite after the last update" if bad else ""
                return f"{layer.label} produced a non-finite output{why}"
        return f"the loss is {loss} although every layer output is finite"


def _largest_outputs(model: Any) -> str:
    """Where the outputs are largest: the layer a diverging run usually blows up first."""
    sizes = [float(np.max(np.abs(out))) if out.size else 0.0 for out in model.outputs]
    if not sizes:
        return "no layer output is available"
    i = int(np.argmax(sizes))
    return f"the largest outputs are those of {model.layers[i].label}, up to {sizes[i]:.3g} in size"
