"""Handlers of the ``barenet`` subcommands train, predict, evaluate and show."""

from __future__ import annotations

import argparse
import os

import numpy as np

from .cli import command
from .io import load
from .model import Sequential


def _data_options(args: argparse.Namespace) -> dict:
    return {"path": args.data_dir} if getattr(args, "data_dir", None) else {}


def _meta(model: Sequential, path: str) -> tuple[list[str], tuple]:
    """Class names and per-sample input shape that the model file recorded."""
    record = getattr(model, "record", {}) or {}
    if "classes" not in record or "input_shape" not in record:
        raise ValueError(f"{path}: the model file does not record its classes and input shape; "
                         "save it with barenet train")
    return list(record["classes"]), tuple(record["input_shape"])


@command("train")
def train_cmd(args: argparse.Namespace) -> int:
    from .trainer import TrainConfig, train

    if args.resume and not os.path.exists(args.resume):
        raise FileNotFoundError(f"no such model file: {args.resume}")
    cfg = TrainConfig(dataset=args.dataset or "ox", arch=args.arch, epochs=args.epochs,
                      batch_size=args.batch_size, lr=args.lr, optimizer=args.optimizer, seed=args.seed,
                      data_options=_data_options(args))
    result = train(cfg, resume=args.resume, out=args.out, quiet=args.quiet)
    if args.plot:
        from .plot import plot_run

        for path in plot_run(result, args.plot):
            print(f"Wrote {path}")
    return 0


@command("predict")
def predict_cmd(args: argparse.Namespace) -> int:
    from .data.images import load_image

    model = load(args.model)
    classes, (C, H, W) = _meta(model, args.model)
    images = [load_image(path, size=(H, W)) for path in args.images]  # read all before printing any
    for path, x in zip(args.images, images):
        proba = model.predict_proba(x)[0]
        if len(args.images) > 1:
            print(f"# {path}")
        print(classes[int(np.argmax(proba))])
        for name, p in zip(classes, proba):
            print(f"{name}: {p:.4f}")
    return 0


@command("evaluate")
def evaluate_cmd(args: argparse.Namespace) -> int:
    from . import data as datasets
    from .report import confusion_matrix, format_confusion

    model = load(args.model)
    classes, shape = _meta(model, args.model)
    config = model.record.get("config", {})
    name = args.dataset or config.get("dataset")
    if not name:
        raise ValueError("name the dataset with --dataset")
    options = _data_options(args) or (config.get("data_options", {}) if name == config.get("dataset") else {})
    ds = datasets.load(name, args.split, seed=config.get("seed", 0), **options)
    if tuple(ds.input_shape) != shape or list(ds.classes) != classes:
        raise ValueError(f"dataset {name!r} has input {tuple(ds.input_shape)} and {len(ds.classes)} classes, "
                         f"but the model expects {shape} and {len(classes)} classes")
    pred = model.predict(ds.X)
    acc = float(np.mean(pred == ds.y))
    print(f"{name} {args.split}: accuracy {acc:.4f} ({int(np.sum(pred == ds.y))}/{len(ds)})")
    print(format_confusion(confusion_matrix(ds.y, pred, len(classes)), classes))
    return 0


@command("show")
def show_cmd(args: argparse.Namespace) -> int:
    model = load(args.model)
    record = getattr(model, "record", {}) or {}
    shape = tuple(record.get("input_shape") or ())
    print(f"Model file: {args.model}")
    if shape:
        print(f"Input: {shape}")
        rows = model.summary(shape)
    else:
        rows = [(layer.label, None, layer.n_params) for layer in model.layers]
    print(f"{'layer':<40}{'output shape':<20}{'params':>10}")
    for label, out, n in rows:
        print(f"{label:<40}{'' if out is None else str(out):<20}{n:>10}")
    print(f"Total parameters: {model.n_params}")
    print(f"Loss: {model.loss!r}   Optimizer: {model.optimizer!r}   Epochs trained: {model.epoch}")
    for key in ("classes", "test_accuracy", "config", "versions", "saved_at"):
        if key in record:
            print(f"{key}: {record[key]}")
    return 0
