"""JSON helpers: ``plain(value)``, a JSON-ready copy of report data shared by the learning tools'
reports, and ``bounded_int``, which model files and the web API parse whole numbers with."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

MAX_INT_DIGITS = 4300  # Python's own str -> int limit; past it json.loads fails with Python's words


def bounded_int(text: str, fail: Callable[[int], Exception]) -> int:
    """``json.loads``'s ``parse_int``: ``int(text)``, or ``fail(digits)`` raised past MAX_INT_DIGITS digits."""
    digits = len(text) - text.startswith("-")
    if digits > MAX_INT_DIGITS:
        raise fail(digits)
    return int(text)


def plain(value: Any) -> Any:
    """A JSON-friendly copy: NumPy scalars and arrays become Python values, tuples lists, keys strings."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
