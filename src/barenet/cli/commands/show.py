"""``barenet show MODEL``: layers, output shapes, parameter count and the training record."""

from __future__ import annotations

import argparse

ORDER = 40
HELP = "layers, shapes, parameter count and training record of a model file"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="a model file")


def run(args: argparse.Namespace) -> int:
    from ...modelfile import load

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
