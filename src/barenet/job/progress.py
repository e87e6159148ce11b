"""Training reports for people: epoch lines, a progress bar, a confusion matrix."""

from __future__ import annotations

import sys
from typing import Any, TextIO

import numpy as np

from ..nn.callbacks import Callback


OVERFIT_RATIO = 2.0   # val_loss this many times its best ...
OVERFIT_GAP = 0.005   # ... and this much above it (so noise around a tiny loss is not overfitting)


class EpochPrinter(Callback):
    """Prints "Epoch N loss: X" lines, in the question's style, plus accuracy.

    With many epochs it prints about ``lines`` evenly spaced epochs and always the last.
    Once the validation loss has risen to OVERFIT_RATIO times its best (and by OVERFIT_GAP),
    it prints one warning line that the model is overfitting, naming the best epoch.
    """

    def __init__(self, total_epochs: int, first_epoch: int = 0, lines: int = 20, stream: TextIO | None = None):
        self.every = max(1, total_epochs // lines)
        self.last = first_epoch + total_epochs - 1
        self.stream = stream or sys.stdout
        self.best: tuple[float, int] | None = None  # (lowest val_loss, its epoch)
        self.warned = False

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> None:
        if not (epoch + 1) % self.every or epoch == self.last:
            text = f"Epoch {epoch + 1} loss: {logs['loss']:.3f} accuracy: {logs['accuracy']:.3f}"
            if "val_loss" in logs:
                text += f" val_loss: {logs['val_loss']:.3f} val_accuracy: {logs['val_accuracy']:.3f}"
            print(text, file=self.stream, flush=True)
        self._watch(epoch, logs.get("val_loss"))

    def _watch(self, epoch: int, val_loss: float | None) -> None:
        """Remember the best validation loss; warn once when it has risen well above it."""
        if val_loss is None:
            return
        if self.best is None or val_loss < self.best[0]:
            self.best = (val_loss, epoch)
            return
        best, at = self.best
        if not self.warned and val_loss >= OVERFIT_RATIO * best and val_loss - best >= OVERFIT_GAP:
            self.warned = True
            print(f"Warning: overfitting: val_loss {val_loss:.3f} at epoch {epoch + 1} is {val_loss / best:.1f}x "
                  f"its best, {best:.3f} at epoch {at + 1}; train fewer epochs (--epochs {at + 1})",
                  file=self.stream, flush=True)


class ProgressBar(Callback):
    """A progress bar over all batches of the run: a widget in a notebook, tqdm's text bar elsewhere.

    ``tqdm.auto`` chooses: inside Jupyter the notebook bar (it needs ipywidgets, in the
    ``notebook`` extra), which always shows and stays when done; on a terminal a text bar on
    stderr that appears only on long runs (after ``delay`` seconds) and only when stderr is a
    terminal, so logs and pipes get the epoch lines alone. ``total_batches`` is epochs times
    batches per epoch; None counts batches without a total (callbacks are not told the data size).
    """

    def __init__(self, total_batches: int | None = None, delay: float = 2.0) -> None:
        self.total, self.delay, self.bar = total_batches, delay, None

    def on_train_begin(self, model: Any) -> None:
        from tqdm.auto import tqdm

        if in_notebook(tqdm):
            self.bar = tqdm(total=self.total, unit="batch", leave=True)
        else:
            self.bar = tqdm(total=self.total, unit="batch", file=sys.stderr, leave=False, delay=self.delay,
                            disable=None)  # None: off when stderr is not a terminal

    def on_backward(self, model: Any, epoch: int, batch: int, logs: dict[str, float]) -> None:
        if self.bar is not None:
            self.bar.update(1)
            if batch % 20 == 0:  # the bar redraws at most every 0.1 s; the postfix waits for that
                self.bar.set_postfix(epoch=epoch + 1, loss=f"{logs['loss']:.3f}", refresh=False)

    def on_train_end(self, model: Any) -> None:
        if self.bar is not None:
            self.bar.close()


def in_notebook(bar_class: type) -> bool:
    """Whether tqdm.auto picked its notebook bar, i.e. this runs in a Jupyter kernel with ipywidgets."""
    return any(c.__module__ == "tqdm.notebook" for c in bar_class.__mro__)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """C[i, j] = number of samples of true class i predicted as class j. Shape (K, K)."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    return cm


def format_confusion(cm: np.ndarray, classes: list[str]) -> str:
    """A text table with true classes as rows and predictions as columns."""
    width = max(4, max(len(c) for c in classes) + 1, len(str(cm.max())) + 1)
    head = "true\\pred".ljust(10) + "".join(c.rjust(width) for c in classes)
    rows = [cls.ljust(10) + "".join(str(v).rjust(width) for v in row) for cls, row in zip(classes, cm)]
    return "\n".join([head, *rows])
