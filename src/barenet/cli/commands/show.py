"""``barenet show MODEL``: layers, output shapes, parameter count and the training record."""

from __future__ import annotations

import argparse

from ._common import nonempty_path

ORDER = 40
HELP = "layers, shapes, parameter count and training record of a model file"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=nonempty_path, help="a model file")


def run(args: argparse.Namespace) -> int:
    from ...modelfile import load

    model = load(args.model)
    record = getattr(model, "record", {}) or {}
    print(f"Model file: {args.model}")
    model.summary()  # output shapes follow the record's input shape
    for key in ("classes", "test_accuracy", "config", "versions", "saved_at"):
        if key in record:
            print(f"{key}: {record[key]}")
    return 0
