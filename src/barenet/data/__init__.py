"""Datasets for the examples, the CLI and the tests: a registry and one ``load`` function.

Every loader returns a ``Dataset`` (X (N, C, H, W) float32 in [0, 1], ink = 1 on
background = 0; y (N,) int64). ``load(name, split, seed=..., **options)`` is the one way
in; ``DATASETS`` maps each name to its loader, so the CLI lists choices from it.

    ox              6x6 O vs X, the question that started the project (no extra needed)
    letters         A-Z rendered from matplotlib's fonts, 28x28     (extra: letters)
    digits          scikit-learn's 8x8 handwritten digits            (extra: digits)
    emnist-letters  EMNIST letters from local IDX files, 28x28       (option path=)

This package is application code: the engine never imports it, and it imports Pillow,
matplotlib and scikit-learn only inside the functions that need them.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from . import digits, emnist, fonts, ox
from .base import SPLITS, Dataset, check_split
from .images import load_image

DATASETS: dict[str, Callable[..., Dataset]] = {
    "ox": ox.load,
    "letters": fonts.load,
    "digits": digits.load,
    "emnist-letters": emnist.load,
}


def dataset_options(name: str) -> list[str]:
    """The keyword options the named dataset accepts besides ``seed``."""
    params = inspect.signature(_loader(name)).parameters.values()
    return [p.name for p in params if p.kind is p.KEYWORD_ONLY and p.name != "seed"]


def _loader(name: str) -> Callable[..., Dataset]:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    return DATASETS[name]


def load(name: str, split: str = "train", *, seed: int = 0, **options: Any) -> Dataset:
    """Load one split of a registered dataset.

    Shape: -> Dataset with X (N, C, H, W) float32 in [0, 1] and y (N,) int64.
    The same (name, split, seed, options) always gives identical arrays. Raises ValueError
    for an unknown name, split or option, naming the choices.
    """
    loader = _loader(name)
    check_split(split)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, received {seed!r}")
    unknown = sorted(set(options) - set(dataset_options(name)))
    if unknown:  # refuse typos instead of swallowing them
        allowed = ", ".join(dataset_options(name)) or "none"
        raise ValueError(f"dataset {name!r} has no option {', '.join(map(repr, unknown))}; its options: {allowed}")
    return loader(split, seed=seed, **options)


__all__ = ["Dataset", "DATASETS", "SPLITS", "load", "load_image", "dataset_options"]
