"""The mini-batch training loop behind ``Sequential.fit``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

from .callbacks import Callback, History, NonFiniteGuard
from .losses import Loss
from .checks import check_Xy, labels_of

if TYPE_CHECKING:  # for annotations only: the model calls this loop, the loop never imports the model
    from .model import Sequential


def _check_args(epochs: int, batch_size: int, validation_split: float, loss: Any, optimizer: Any) -> None:
    for what, v, low in (("epochs", epochs, 0), ("batch_size", batch_size, 1)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < low:
            raise ValueError(f"Sequential.fit: {what} must be an int >= {low}, received {v!r}")
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"Sequential.fit: validation_split must be in [0, 1), received {validation_split!r}")
    if not isinstance(loss, Loss):
        raise TypeError(f"Sequential.fit: loss must be a barenet loss such as SoftmaxCrossEntropy(), "
                        f"received {type(loss).__name__}")
    if not hasattr(optimizer, "step"):
        raise TypeError(f"Sequential.fit: optimizer must be a barenet optimizer such as Adam(), "
                        f"received {type(optimizer).__name__}")


def validation_size(n: int, validation_split: float) -> int:
    """How many of ``n`` samples ``fit`` holds out for ``validation_split``: round(n * split), at least 1.

    The training job asks this to size its progress bar, so the two never disagree.
    """
    return max(1, int(round(n * validation_split))) if validation_split else 0


def _split(X: np.ndarray, y: np.ndarray, validation_data: Any, validation_split: float) -> tuple:
    """Training and validation arrays. A split takes the last samples, before any shuffling."""
    if validation_data is not None and validation_split:
        raise ValueError("Sequential.fit: pass validation_data or validation_split, not both")
    if validation_data is not None:
        Xv, yv = check_Xy(*validation_data, "Sequential.fit (validation_data)")
        return X, y, Xv, yv
    if not validation_split:
        return X, y, None, None
    n_val = validation_size(len(X), validation_split)
    if n_val >= len(X):
        raise ValueError(f"Sequential.fit: validation_split={validation_split} leaves no training samples "
                         f"out of {len(X)}")
    return X[:-n_val], y[:-n_val], X[-n_val:], y[-n_val:]


def _prepare_targets(model: Sequential, X: np.ndarray, y: np.ndarray, loss: Loss) -> np.ndarray:
    """Let the loss check and convert every target once, before any step.

    Checked batch by batch instead, a bad label would surface after some steps had changed the
    weights, and its index would count within a shuffled batch; and each batch would pay for
    the checks again. The loss sees one sample's output (its shape and dtype are all it
    needs) repeated N times, a view with no copy.
    """
    out = model.forward(X[:1])  # (1, ...): the output shape the loss will see
    return loss.prepare(np.broadcast_to(out, (len(X),) + out.shape[1:]), y)


def _run_epoch(model: Sequential, X: np.ndarray, labels: np.ndarray, T: np.ndarray, loss: Loss, optimizer: Any,
               batch_size: int, shuffle: bool, callbacks: list[Callback]) -> dict[str, float]:
    """One pass over the data (class labels, and targets as the loss prepared them in T).

    Returns the sample-weighted mean loss and the accuracy of the predictions made in training.
    """
    if shuffle:
        order = model.rng.permutation(len(X))
        X, labels, T = X[order], labels[order], T[order]
    total_loss = 0.0
    predicted = np.empty(len(X), dtype=np.int64)  # compared with the labels once, after the epoch
    for batch, start in enumerate(range(0, len(X), batch_size)):
        xb = X[start : start + batch_size]
        out = model.forward(xb, training=True)
        value = loss.forward_prepared(out, T[start : start + batch_size])
        model.backward(loss.backward(), need_input_grad=False)
        for cb in callbacks:
            cb.on_backward(model, model.epoch, batch, {"loss": value})
        optimizer.step(model.layers)
        total_loss += value * len(xb)
        predicted[start : start + batch_size] = model.labels_from_output(out)
    return {"loss": total_loss / len(X), "accuracy": np.count_nonzero(predicted == labels) / len(X)}


def fit(model: Sequential, X: Any, y: Any, *, loss: Loss, optimizer: Any, epochs: int = 1,
        batch_size: int = 32, validation_data: tuple[Any, Any] | None = None, validation_split: float = 0.0,
        shuffle: bool = True, seed: int | None = None, callbacks: Iterable[Callback] = ()) -> History:
    """Train ``model`` on (X, y) for ``epochs`` more epochs and return the History.

    X is (N, ...) and y holds integer labels (N,), one-hot rows (N, K) or regression
    targets shaped like the output. Each epoch shuffles with ``model.rng`` (reset from
    ``seed`` when one is given), runs forward, loss, backward, the callbacks'
    ``on_backward`` and the optimizer step per batch, then evaluates the validation data.
    A NonFiniteGuard is always active, so NaN or inf stops training with an error.
    The learning rate comes from the optimizer's schedule at ``model.epoch``, which
    counts epochs across calls, so fitting 2 + 2 epochs equals fitting 4.
    """
    X, y = check_Xy(X, y, "Sequential.fit")
    _check_args(epochs, batch_size, validation_split, loss, optimizer)
    T = _prepare_targets(model, X, y, loss)
    X, y, Xv, yv = _split(X, y, validation_data, validation_split)
    T = T[: len(X)]  # a validation split takes the tail; its targets are checked here too
    labels = labels_of(y)
    if validation_data is not None:
        _prepare_targets(model, Xv, yv, loss)
    if seed is not None:
        model.reseed(seed)
    callbacks = list(callbacks)
    if not any(isinstance(cb, NonFiniteGuard) for cb in callbacks):
        callbacks.insert(0, NonFiniteGuard())
    model.loss, model.optimizer, model.stop_training = loss, optimizer, False
    history = History()
    for cb in callbacks:
        cb.on_train_begin(model)
    # The guard turns overflow into one clear NonFiniteError; NumPy's own warnings about it would
    # only repeat that on stderr, so they are off inside the loop.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        _train(model, X, labels, T, Xv, yv, loss, optimizer, epochs, batch_size, shuffle, callbacks, history)
    for cb in callbacks:
        cb.on_train_end(model)
    return history


def _train(model: Sequential, X: np.ndarray, labels: np.ndarray, T: np.ndarray, Xv: Any, yv: Any, loss: Loss,
           optimizer: Any, epochs: int, batch_size: int, shuffle: bool, callbacks: list[Callback],
           history: History) -> None:
    """The epochs of ``fit``: train, evaluate the validation data, let the callbacks see the logs."""
    for _ in range(epochs):
        epoch = model.epoch
        optimizer.set_epoch(epoch)
        logs = _run_epoch(model, X, labels, T, loss, optimizer, batch_size, shuffle, callbacks)
        model.epoch += 1
        if Xv is not None:
            val = model.evaluate(Xv, yv, loss)
            logs.update(val_loss=val["loss"], val_accuracy=val["accuracy"])
        history.append(logs)
        for cb in callbacks:
            cb.on_epoch_end(model, epoch, logs)
        if model.stop_training:
            break
