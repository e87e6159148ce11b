"""Training curves that redraw themselves after every epoch, in place, in a notebook.

    history = model.fit(X, y, ..., callbacks=[LivePlot()])

The engine knows nothing of this: ``LivePlot`` is an ordinary callback. Its picture is a
small object with ``_repr_png_`` (and a one-line text ``repr``), shown through one IPython
display handle that each epoch updates, so the cell holds one figure that grows instead of
one figure per epoch. Needs IPython and matplotlib (the ``notebook`` extra).
"""

from __future__ import annotations

import io
from typing import Any, Callable

from .._optional import require
from ..nn.callbacks import Callback
from .plots import draw_curves


class Curves:
    """The curves so far: a PNG for notebooks (``_repr_png_``), a line of text for terminals (``repr``)."""

    def __init__(self, history: dict[str, list[float]], epochs: list[int], metrics: tuple[str, ...],
                 title: str = "") -> None:
        # A snapshot: the picture shown for epoch 3 stays the picture of epoch 3.
        self.history = {k: list(v) for k, v in history.items()}
        self.epochs, self.metrics, self.title = list(epochs), metrics, title

    def figure(self) -> Any:
        fig = draw_curves(self.history, self.metrics, self.epochs, figsize=(4.2 * len(self.metrics), 3.2))
        if self.title:
            fig.suptitle(self.title, fontsize=10)
            fig.tight_layout()
        return fig

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.figure().savefig(buf, format="png", dpi=80)
        return buf.getvalue()

    def __repr__(self) -> str:
        if not self.epochs:
            return "LivePlot: no epoch yet"
        last = ", ".join(f"{k} {v[-1]:.4f}" for k, v in self.history.items() if v)
        return f"LivePlot: epoch {self.epochs[-1]}: {last}"


class LivePlot(Callback):
    """Redraw loss and accuracy (and their ``val_`` twins, when fit validates) every ``every`` epochs.

    The curves keep growing across several ``fit`` calls with the same LivePlot; x is the
    model's epoch count (from 1), so a resumed model continues where it stopped. ``display``
    is IPython's ``display`` unless given (tests and other front ends may pass their own,
    with the same ``display(obj, display_id=True) -> handle`` and ``handle.update(obj)``).
    """

    def __init__(self, metrics: tuple[str, ...] = ("loss", "accuracy"), every: int = 1, title: str = "",
                 display: Callable[..., Any] | None = None) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"LivePlot: every must be an int >= 1, received {every!r}")
        if not metrics or not all(isinstance(m, str) for m in metrics):
            raise ValueError(f"LivePlot: metrics must be names such as ('loss', 'accuracy'), received {metrics!r}")
        self.metrics, self.every, self.title = tuple(metrics), every, title
        self.history: dict[str, list[float]] = {}
        self.epochs: list[int] = []
        self.handle: Any = None
        self._display = display
        self._drawn = 0  # epochs shown in the picture so far

    def curves(self) -> Curves:
        return Curves(self.history, self.epochs, self.metrics, self.title)

    def on_train_begin(self, model: Any) -> None:
        if self._display is None:
            self._display = require("IPython.display", "notebook").display
        require("matplotlib", "notebook")  # fail at the start, not after the first epoch

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> None:
        for key, value in logs.items():
            if any(key in (m, f"val_{m}") for m in self.metrics):
                self.history.setdefault(key, []).append(float(value))
        self.epochs.append(epoch + 1)
        if len(self.epochs) % self.every == 0:
            self._show()

    def on_train_end(self, model: Any) -> None:
        if self._drawn != len(self.epochs):  # the last epochs when they did not fill an `every`
            self._show()

    def _show(self) -> None:
        if self.handle is None:
            self.handle = self._display(self.curves(), display_id=True)
        else:
            self.handle.update(self.curves())
        self._drawn = len(self.epochs)
