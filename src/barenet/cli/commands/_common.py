"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import math
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


# -- argparse types: every numeric flag is checked when the command line is read --------
def _number(text: str, kind: type, what: str) -> Any:
    try:
        value = kind(text)
    except (TypeError, ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"expected {what}, received {text!r}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {what}, received {text!r} (not finite)")
    return value


def positive_int(text: str) -> int:
    """A whole number >= 1 (epochs, batch sizes)."""
    value = _number(text, int, "a whole number >= 1")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, received {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """A whole number >= 0 (seeds, step counts where 0 means "none")."""
    value = _number(text, int, "a whole number >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, received {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (learning rates)."""
    value = _number(text, float, "a finite number > 0")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, received {text!r}")
    return value


def port(text: str) -> int:
    """A TCP port, 0 to 65535 (0 lets the system pick a free one)."""
    value = _number(text, int, "a port number from 0 to 65535")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, received {text!r}")
    return value


def nonempty_path(text: str) -> str:
    """A file or folder path; an empty one (an unset shell variable) is refused, not read as the default."""
    if text == "":
        raise argparse.ArgumentTypeError("expected a path, received '' (an empty string); "
                                         "leave the option out for its default")
    return text


def nonempty_name(text: str) -> str:
    """A name or value that may not be empty (a dataset, an architecture, a letter)."""
    if text == "":
        raise argparse.ArgumentTypeError("expected a name, received '' (an empty string); "
                                         "leave the option out for its default")
    return text


def host(text: str) -> str:
    """An address to listen on; empty is refused, since it would mean every interface."""
    if text.strip() == "":
        raise argparse.ArgumentTypeError(f"expected an address such as 127.0.0.1, received {text!r}; "
                                         "an empty host would listen on every interface (say 0.0.0.0 if you mean it)")
    return text


def positive_ints(text: str) -> tuple[int, ...]:
    """Comma-separated whole numbers >= 1, such as 1,28,28 (a sample's shape)."""
    try:
        return tuple(positive_int(part) for part in text.split(","))
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers >= 1 such as 1,28,28, "
                                         f"received {text!r}") from None
