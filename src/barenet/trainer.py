"""The training job behind ``barenet train``: data, model, fit, report, save, resume.

A run is described by a TrainConfig; everything needed to resume it exactly is written
into the model file's training record, so ``--resume`` needs only the file.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from . import data as datasets
from .callbacks import History
from .io import load
from .model import Sequential
from .optim import Optimizer
from .report import EpochPrinter, ProgressBar, confusion_matrix, format_confusion
from .zoo import get_arch, make_optimizer

DEFAULT_ARCH = {"ox": "seed-softmax", "letters": "lenet", "digits": "mlp", "emnist-letters": "lenet"}
VALIDATION_SPLIT = 0.1


@dataclass
class TrainConfig:
    """What ``barenet train`` was asked to do; None means "the architecture's default"."""

    dataset: str = "ox"
    arch: str | None = None
    epochs: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    optimizer: str = "adam"
    seed: int = 0
    data_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"TrainConfig.{name} must be a whole number >= 1 or None, received {value!r}")
        lr = self.lr
        if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < math.inf):
            raise ValueError(f"TrainConfig.lr must be a finite number > 0 or None, received {lr!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ValueError(f"TrainConfig.seed must be a whole number >= 0, received {self.seed!r}")


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


def _new_model(cfg: TrainConfig, train: Any) -> tuple[Sequential, Any, Optimizer, dict]:
    arch = get_arch(cfg.arch or DEFAULT_ARCH.get(cfg.dataset, "mlp"))
    model = arch.build(train.input_shape, len(train.classes), seed=cfg.seed)
    # None means "the architecture's default"; 0 is a value (which fit or the optimizer refuses).
    cfg = dataclasses.replace(cfg, arch=arch.name, epochs=_given(cfg.epochs, arch.epochs),
                              batch_size=_given(cfg.batch_size, arch.batch_size), lr=_given(cfg.lr, arch.lr))
    record = {"config": dataclasses.asdict(cfg), "classes": list(train.classes),
              "input_shape": list(train.input_shape), "history": {}}
    return model, arch.make_loss(), make_optimizer(cfg.optimizer, cfg.lr, arch.decay), record


def resume_config(model: Sequential, epochs: int | None) -> TrainConfig:
    """The TrainConfig a model file was trained with, for ``epochs`` more epochs."""
    saved = dict(getattr(model, "record", {}).get("config") or {})
    if not saved or model.optimizer is None or model.loss is None:
        raise ValueError("this model file has no training state to resume from; train a new model instead")
    unknown = sorted(set(saved) - {f.name for f in dataclasses.fields(TrainConfig)})
    if unknown:
        raise ValueError(f"this model file's training config has fields this barenet does not know: {unknown}")
    cfg = TrainConfig(**saved)
    return dataclasses.replace(cfg, epochs=_given(epochs, cfg.epochs))


def _given(value: Any, default: Any) -> Any:
    """``value`` unless it is None: 0 and other falsy values are values, never "use the default"."""
    return default if value is None else value


def train(cfg: TrainConfig, *, resume: str | None = None, out: str | None = None, quiet: bool = False,
          stream: TextIO | None = None) -> TrainResult:
    """Train (or resume), print the report, save the model to ``out``; return the results."""
    stream = stream or sys.stdout
    if resume:
        model = load(resume)
        cfg = resume_config(model, cfg.epochs)
        record, loss, optimizer = model.record, model.loss, model.optimizer
        train_set = _shuffled_train(cfg)
        seed = None  # continue the saved random streams, so 2 + 2 epochs equal 4
    else:
        train_set = _shuffled_train(cfg)
        model, loss, optimizer, record = _new_model(cfg, train_set)
        cfg = TrainConfig(**record["config"])
        seed = cfg.seed
    test_set = datasets.load(cfg.dataset, "test", seed=cfg.seed, **cfg.data_options)
    n_train = len(train_set) - max(1, int(round(len(train_set) * VALIDATION_SPLIT)))
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
    out = out or resume or os.path.join("runs", f"{cfg.dataset}-{cfg.arch}.barenet")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    model.save(out, record=record)
    print(f"Test accuracy: {acc:.4f} ({int(np.sum(pred == test_set.y))}/{len(test_set)}) "
          f"after {model.epoch} epochs", file=stream)
    print("Confusion matrix (rows: true class, columns: predicted):", file=stream)
    print(format_confusion(cm, test_set.classes), file=stream)
    print(f"Saved model to {out}", file=stream)
    return TrainResult(model, history, acc, cm, list(test_set.classes), test_set, pred)
