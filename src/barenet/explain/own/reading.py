"""The learner's own numbers for ``barenet explain``: an input and the weights, read and checked.

An input is either the question's four pooled values x1 ... x4, or a 6x6 letter (36 values)
that the fixed convolution front turns into those four values. It comes as

- a string of comma-separated numbers: 4 (x1, x2, x3, x4) or 36 (the letter, row by row);
- a text file holding 4 or 36 numbers, separated by commas, spaces or new lines;
- a picture file (.png, .jpg, .jpeg, .bmp, .gif), read as a 6x6 letter like ``barenet predict``
  reads one (grey levels, ink = 1, the glyph fitted to the frame).

The weights are a JSON object with the question's names and one number each:
``w1`` ... ``w12``, ``b1``, ``b2``, and, for a 6x6 letter only, optionally ``K`` (the 3x3
kernel of the convolution front, a list of 3 rows) and ``bK`` (its bias). The question's
object gives this file with ``json.dump(vars(network), open("weights.json", "w"))``.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
from typing import Any

import numpy as np

DENSE_NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2", "w9", "w10", "w11", "w12")
FRONT_NAMES = ("K", "bK")
PICTURES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
MAX_FILE_BYTES = 1 << 20  # a weights or input file larger than this is not a file of 14 or 36 numbers


def _finite(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, received {value!r}")
    return float(value)


def _read_text(path: str, what: str) -> str:
    if not os.path.exists(path):
        raise FileNotFoundError(f"{what} file {path!r} does not exist")
    if not os.path.isfile(path):
        raise ValueError(f"{what} {path!r} is not a regular file")
    if os.path.getsize(path) > MAX_FILE_BYTES:
        raise ValueError(f"{what} file {path!r} is larger than {MAX_FILE_BYTES} bytes")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError as e:
        raise ValueError(f"{what} file {path!r} is not UTF-8 text ({e.reason} at byte {e.start})") from None


def _kernel(value: Any) -> np.ndarray:
    rows = value if isinstance(value, list) and len(value) == 3 else None
    if rows is None or not all(isinstance(r, list) and len(r) == 3 for r in rows):
        raise ValueError(f"weights: K must be a 3x3 list of lists of numbers, received {value!r}")
    return np.array([[_finite(v, f"weights: K[{i}][{j}]") for j, v in enumerate(r)] for i, r in enumerate(rows)])


def check_weights(data: Any, source: str = "weights") -> dict[str, Any]:
    """The 14 named numbers (and an optional front ``K``, ``bK``) from a dict, checked.

    Every name of ``DENSE_NAMES`` is required; other names than those and ``K``, ``bK`` are
    refused (a typo such as ``W1`` would otherwise be ignored in silence).
    """
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected a JSON object of names and numbers, received {type(data).__name__}")
    unknown = [k for k in data if k not in DENSE_NAMES + FRONT_NAMES]
    missing = [k for k in DENSE_NAMES if k not in data]
    if unknown or missing:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unknown {', '.join(map(str, unknown))}"] if unknown else [])
        raise ValueError(f"{source}: {'; '.join(parts)} (expected {', '.join(DENSE_NAMES)}, optionally K and bK)")
    out: dict[str, Any] = {k: _finite(data[k], f"{source}: {k}") for k in DENSE_NAMES}
    if "K" in data:
        out["K"] = _kernel(data["K"])
    if "bK" in data:
        out["bK"] = _finite(data["bK"], f"{source}: bK")
    return out


class _TooManyDigits(ValueError):
    """A whole number past Python's 4,300-digit limit for str -> int; args[0] is its digit count."""


def _json_int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if digits > 4300:
        raise _TooManyDigits(digits)
    return int(text)


def read_weights(path: str) -> dict[str, Any]:
    """``check_weights`` of a JSON file."""
    text = _read_text(path, "weights")
    try:
        data = json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as e:
        raise ValueError(f"weights file {path!r} is not JSON: {e.msg} at line {e.lineno}") from None
    except RecursionError:
        raise ValueError(f"weights file {path!r} is nested too deeply; expected one JSON object of numbers") from None
    except _TooManyDigits as e:  # Python's own words ("use sys.set_int_max_str_digits()") name no file
        raise ValueError(f"weights file {path!r} holds a whole number with {e.args[0]} digits; "
                         "weights are numbers such as 0.5") from None
    return check_weights(data, f"weights file {path!r}")


def _numbers(text: str, source: str) -> np.ndarray:
    tokens = [t for t in re.split(r"[\s,]+", text.strip()) if t]
    values = []
    for t in tokens:
        try:
            values.append(_finite(float(t), f"{source}: {t!r}"))
        except ValueError:
            raise ValueError(f"{source}: {t!r} is not a finite number") from None
    if len(values) not in (4, 36):
        raise ValueError(f"{source}: expected 4 numbers (the pooled x1, x2, x3, x4) or 36 (a 6x6 letter), "
                         f"received {len(values)}")
    return np.array(values).reshape((4,) if len(values) == 4 else (6, 6))


def read_input(spec: str) -> np.ndarray:
    """The input as (4,) pooled values or a (6, 6) letter, float64, from numbers or a file."""
    spec = str(spec)
    if not os.path.exists(spec) and ("," in spec or re.fullmatch(r"[\s0-9eE.+-]+", spec)):
        return _numbers(spec, "input")  # numbers, unless a file has that name
    if spec.lower().endswith(PICTURES):
        from ...data.images import load_image

        if not os.path.exists(spec):
            raise FileNotFoundError(f"input file {spec!r} does not exist")
        return load_image(spec, 6).astype(np.float64).reshape(6, 6)
    return _numbers(_read_text(spec, "input"), f"input file {spec!r}")


def as_input(value: Any) -> np.ndarray:
    """An input given from Python: a string (see ``read_input``) or 4 or 36 numbers."""
    if isinstance(value, (str, os.PathLike)):
        return read_input(os.fspath(value))
    arr = np.asarray(value, dtype=np.float64)
    if arr.size not in (4, 36) or not np.all(np.isfinite(arr)):
        raise ValueError(f"input: expected 4 finite numbers (x1 ... x4) or 36 (a 6x6 letter), "
                         f"received shape {arr.shape}")
    return arr.reshape((4,) if arr.size == 4 else (6, 6))
