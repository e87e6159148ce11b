"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
from typing import Any


def data_options(args: argparse.Namespace) -> dict[str, Any]:
    """Dataset options from the command line (only EMNIST takes one: its folder)."""
    return {"path": args.data_dir} if getattr(args, "data_dir", None) else {}


def model_meta(model: Any, path: str) -> tuple[list[str], tuple]:
    """Class names and per-sample input shape that the model file recorded."""
    record = getattr(model, "record", {}) or {}
    if "classes" not in record or "input_shape" not in record:
        raise ValueError(f"{path}: the model file does not record its classes and input shape; "
                         "save it with barenet train")
    return list(record["classes"]), tuple(record["input_shape"])
