"""The training job behind ``barenet train``: data, model, fit, report, save, resume.

A run is described by a TrainConfig; everything needed to resume it exactly is written
into the model file's training record, so ``--resume`` needs only the file.
"""

from __future__ import annotations

import dataclasses
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
    cfg = dataclasses.replace(cfg, arch=arch.name, epochs=cfg.epochs or arch.epochs,
                              batch_size=cfg.batch_size or arch.batch_size, lr=cfg.lr or arch.lr)
    record = {"config": dataclasses.asdict(cfg), "classes": list(train.classes),
              "input_shape": list(train.input_shape), "history": {}}
    return model, arch.make_loss(), make_optimizer(cfg.optimizer, cfg.lr, arch.decay), record


def resume_config(model: Sequential, epochs: int | None) -> TrainConfig:
    """The TrainConfig a model file was trained with, for ``epochs`` more epochs."""
    saved = dict(getattr(model, "record", {}).get("config") or {})
    if not saved or model.optimizer is None or model.loss is None:
        raise ValueError("this model file has no training state to resume from; train a new model instead")
    cfg = TrainConfig(**saved)
    return dataclasses.replace(cfg, epochs=epochs or cfg.epochs)


def train(cfg: TrainConfig, *, resume: str | None = None, out: str | None = None, quiet: bool = False,
          stream: TextIO | None = None, weights_only: bool = False) -> TrainResult:
    """Train (or resume), print the report, save the model to ``out``; return the results.

    ``weights_only`` saves without the optimizer state (see ``io.save``).
    """
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
    model.save(out, record=record, weights_only=weights_only)
    print(f"Test accuracy: {acc:.4f} ({int(np.sum(pred == test_set.y))}/{len(test_set)}) "
          f"after {model.epoch} epochs", file=stream)
    print("Confusion matrix (rows: true class, columns: predicted):", file=stream)
    print(format_confusion(cm, test_set.classes), file=stream)
    print(f"Saved model to {out}", file=stream)
    return TrainResult(model, history, acc, cm, list(test_set.classes), test_set, pred)
