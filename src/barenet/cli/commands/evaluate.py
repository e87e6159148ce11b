"""``barenet evaluate MODEL``: accuracy and confusion matrix on a dataset split."""

from __future__ import annotations

import argparse

import numpy as np

from ._common import data_options, model_meta, nonempty_name, nonempty_path

ORDER = 30
HELP = "accuracy and confusion matrix of a saved model on a dataset"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=nonempty_path, help="a model file written by barenet train")
    p.add_argument("--dataset", type=nonempty_name, default=None,
                   help="dataset name (default: the one it was trained on)")
    p.add_argument("--data-dir", type=nonempty_path, default=None,
                   help="folder with the EMNIST IDX files (emnist-letters only)")
    p.add_argument("--split", default="test", choices=["train", "test"])


def run(args: argparse.Namespace) -> int:
    from ... import data as datasets
    from ...job.progress import confusion_matrix, format_confusion
    from ...modelfile import load

    model = load(args.model)
    classes, shape = model_meta(model, args.model)
    config = model.record.get("config", {})
    name = args.dataset or config.get("dataset")
    if not name:
        raise ValueError("name the dataset with --dataset")
    options = data_options(args) or (config.get("data_options", {}) if name == config.get("dataset") else {})
    ds = datasets.load(name, args.split, seed=config.get("seed", 0), **options)
    if tuple(ds.input_shape) != shape or list(ds.classes) != classes:
        raise ValueError(f"dataset {name!r} has input {tuple(ds.input_shape)} and {len(ds.classes)} classes, "
                         f"but the model expects {shape} and {len(classes)} classes")
    pred = model.predict(ds.X)
    acc = float(np.mean(pred == ds.y))
    print(f"{name} {args.split}: accuracy {acc:.4f} ({int(np.sum(pred == ds.y))}/{len(ds)})")
    print(format_confusion(confusion_matrix(ds.y, pred, len(classes)), classes))
    return 0
