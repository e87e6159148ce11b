"""The training job behind ``barenet train``: data, model, fit, report, save, resume.

A run is described by a TrainConfig; everything needed to resume it exactly is written
into the model file's training record, so ``--resume`` needs only the file.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from .. import data as datasets
from ..modelfile import load, save
from ..modelfile.atomic import check_target
from ..nn.callbacks import History
from ..nn.fit import validation_size
from ..nn.model import Sequential
from ..nn.optim import Optimizer
from ..zoo import get_arch, make_optimizer
from .progress import EpochPrinter, ProgressBar, confusion_matrix, format_confusion

DEFAULT_ARCH = {"ox": "seed-softmax", "letters": "lenet", "digits": "mlp", "emnist-letters": "lenet"}
VALIDATION_SPLIT = 0.1


@dataclass
class TrainConfig:
    """What ``barenet train`` was asked to do; None means "the default" (the architecture's, for
    epochs, batch size and learning rate; ox, adam and 0 for the data set, optimizer and seed)."""

    dataset: str | None = None
    arch: str | None = None
    epochs: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    optimizer: str | None = None
    seed: int | None = None
    data_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Check every number as given: None means the default, 0 is a value (and refused here)."""
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"TrainConfig.{name} must be a whole number >= 1 or None, received {value!r}")
        lr = self.lr
        if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < math.inf):
            raise ValueError(f"TrainConfig.lr must be a finite number > 0 or None, received {lr!r}")
        seed = self.seed
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise ValueError(f"TrainConfig.seed must be a whole number >= 0 or None, received {seed!r}")


# On --resume, these settings can change for the epochs still to run; the others define the run
# (its data order, its weights and the optimizer's state) and must match the file, or be left out.
RESUME_CAN_CHANGE = ("epochs", "batch_size", "lr")


@dataclass
class TrainResult:
    model: Sequential
    history: History
    test_accuracy: float
    confusion: np.ndarray
    classes: list[str]
    test_set: Any
    predictions: np.ndarray


def _shuffled_train(cfg: TrainConfig) -> Any:
    """The training split in a seeded order, so the validation tail holds every class."""
    train = datasets.load(cfg.dataset, "train", seed=cfg.seed, **cfg.data_options)
    order = np.random.default_rng(cfg.seed).permutation(len(train))
    return dataclasses.replace(train, X=train.X[order], y=train.y[order])


def _new_model(cfg: TrainConfig, train: Any) -> tuple[Sequential, Any, Optimizer, TrainConfig]:
    arch = get_arch(cfg.arch if cfg.arch is not None else DEFAULT_ARCH.get(cfg.dataset, "mlp"))
    model = arch.build(train.input_shape, len(train.classes), seed=cfg.seed)
    cfg = dataclasses.replace(cfg, arch=arch.name, epochs=_given(cfg.epochs, arch.epochs),
                              batch_size=_given(cfg.batch_size, arch.batch_size), lr=_given(cfg.lr, arch.lr))
    model.record = {"config": dataclasses.asdict(cfg), "classes": list(train.classes),
                    "input_shape": list(train.input_shape), "history": {}}
    return model, arch.make_loss(), make_optimizer(cfg.optimizer, cfg.lr, arch.decay), cfg


def _given(value: Any, default: Any) -> Any:
    """``value`` unless it was not given (None); 0 is a value, never "the default"."""
    return default if value is None else value


def _with_defaults(cfg: TrainConfig) -> TrainConfig:
    return dataclasses.replace(cfg, dataset=_given(cfg.dataset, "ox"), optimizer=_given(cfg.optimizer, "adam"),
                               seed=_given(cfg.seed, 0))


def resume_config(model: Sequential, asked: TrainConfig) -> TrainConfig:
    """The TrainConfig a model file was trained with, updated by what ``asked`` may change.

    ``asked.epochs`` more epochs run (the saved count when not given); ``batch_size`` and
    ``lr`` apply from the next epoch on. A different data set, architecture, optimizer, seed
    or data option is refused with a ValueError that says why: none can change mid-run.
    """
    saved = dict(model.record.get("config") or {})
    if not saved or model.optimizer is None or model.loss is None:
        raise ValueError("this model file has no training state to resume from; train a new model instead")
    unknown = sorted(set(saved) - {f.name for f in dataclasses.fields(TrainConfig)})
    if unknown:
        raise ValueError(f"this model file's training config has fields this barenet does not know: {unknown}")
    cfg = TrainConfig(**saved)
    for name in ("dataset", "arch", "optimizer", "seed", "data_options"):
        value = getattr(asked, name)
        if value not in (None, {}) and value != getattr(cfg, name):
            flag = "--" + name.replace("_", "-")
            raise ValueError(f"--resume continues the saved run, which used {name} {getattr(cfg, name)!r}; "
                             f"{flag} {value!r} would start a different run: train a new model instead")
    changes = {name: getattr(asked, name) for name in RESUME_CAN_CHANGE if getattr(asked, name) is not None}
    return dataclasses.replace(cfg, **changes)


def _resumed(path: str, asked: TrainConfig) -> tuple[Sequential, Any, Optimizer, TrainConfig]:
    model = load(path)
    cfg = resume_config(model, asked)
    if asked.lr is not None:  # the schedule continues from the new base rate
        model.optimizer.base_lr = float(asked.lr)
    model.record["config"] = {**dataclasses.asdict(cfg), "epochs": model.record["config"]["epochs"]}
    return model, model.loss, model.optimizer, cfg


def _prepare_out(out: str) -> None:
    """Make the model file's folder if needed and check that ``out`` can be written as a file.

    A file is created in the folder and removed again: only trying tells whether a folder
    takes new files (permissions, a read-only or pseudo file system such as /proc).
    """
    folder = os.path.dirname(out) or "."
    try:
        os.makedirs(folder, exist_ok=True)
    except FileExistsError:
        raise NotADirectoryError(f"cannot write {out!r}: {folder!r} is a file, not a folder") from None
    except OSError as exc:
        raise type(exc)(f"cannot write {out!r}: cannot make the folder {folder!r} ({exc.strerror or exc})") from None
    check_target(out)
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".barenet-probe.", suffix=".tmp")
    except OSError as exc:
        raise type(exc)(f"cannot write {out!r}: its folder does not take new files ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(probe)


def train(cfg: TrainConfig, *, resume: str | None = None, out: str | None = None, quiet: bool = False,
          stream: TextIO | None = None, weights_only: bool = False) -> TrainResult:
    """Train (or resume), print the report, save the model to ``out``; return the results.

    ``weights_only`` saves without the optimizer state (see ``modelfile.writer.save``).
    """
    stream = stream or sys.stdout
    if resume:
        model, loss, optimizer, cfg = _resumed(resume, cfg)
        train_set = _shuffled_train(cfg)
        seed = None  # continue the saved random streams, so 2 + 2 epochs equal 4
    else:
        cfg = _with_defaults(cfg)
        train_set = _shuffled_train(cfg)
        model, loss, optimizer, cfg = _new_model(cfg, train_set)
        seed = cfg.seed
    out = out or resume or os.path.join("runs", f"{cfg.dataset}-{cfg.arch}.barenet")
    _prepare_out(out)  # a path that cannot be written fails now, before the training it would waste
    record = model.record
    test_set = datasets.load(cfg.dataset, "test", seed=cfg.seed, **cfg.data_options)
    n_train = len(train_set) - validation_size(len(train_set), VALIDATION_SPLIT)
    batches = cfg.epochs * -(-n_train // cfg.batch_size)
    callbacks = [ProgressBar(batches)]
    if not quiet:
        callbacks.append(EpochPrinter(cfg.epochs, first_epoch=model.epoch, stream=stream))
    history = model.fit(train_set.X, train_set.y, loss=loss, optimizer=optimizer, epochs=cfg.epochs,
                        batch_size=cfg.batch_size, validation_split=VALIDATION_SPLIT, seed=seed,
                        callbacks=callbacks)
    pred = model.predict(test_set.X)
    acc = float(np.mean(pred == test_set.y))
    cm = confusion_matrix(test_set.y, pred, len(test_set.classes))
    for key, values in history.history.items():
        record["history"].setdefault(key, []).extend(values)
    record["test_accuracy"] = acc
    save(model, out, weights_only=weights_only)
    print(f"Test accuracy: {acc:.4f} ({int(np.sum(pred == test_set.y))}/{len(test_set)}) "
          f"after {model.epoch} epochs", file=stream)
    print("Confusion matrix (rows: true class, columns: predicted):", file=stream)
    print(format_confusion(cm, test_set.classes), file=stream)
    print(f"Saved model to {out}", file=stream)
    return TrainResult(model, history, acc, cm, list(test_set.classes), test_set, pred)
