"""The one container every dataset loader returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPLITS = ("train", "test")


@dataclass(eq=False)  # eq=False: comparing ndarray fields with == is ambiguous
class Dataset:
    """Images and integer labels of one split.

    Shape: X is (N, C, H, W) float32 in [0, 1] with ink = 1 on background = 0;
    y is (N,) int64 in [0, len(classes)); ``classes[k]`` names label k.
    """

    X: np.ndarray
    y: np.ndarray
    classes: list[str]
    name: str

    def __post_init__(self) -> None:
        # Check at the door, so a broken loader fails here and not deep inside training.
        if not isinstance(self.X, np.ndarray) or self.X.ndim != 4 or self.X.dtype != np.float32:
            raise ValueError(f"Dataset {self.name!r}: X must be a float32 array (N, C, H, W), "
                             f"received {getattr(self.X, 'dtype', type(self.X))} {getattr(self.X, 'shape', '')}")
        if not isinstance(self.y, np.ndarray) or self.y.shape != (self.X.shape[0],) or self.y.dtype != np.int64:
            raise ValueError(f"Dataset {self.name!r}: y must be an int64 array ({self.X.shape[0]},), "
                             f"received {getattr(self.y, 'dtype', type(self.y))} {getattr(self.y, 'shape', '')}")
        if len(self.y) and (self.y.min() < 0 or self.y.max() >= len(self.classes)):
            raise ValueError(f"Dataset {self.name!r}: labels must lie in [0, {len(self.classes)}), "
                             f"received range [{self.y.min()}, {self.y.max()}]")

    def __len__(self) -> int:
        return int(self.X.shape[0])

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of one sample, what the model's first layer receives."""
        return tuple(int(d) for d in self.X.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.classes)


def check_split(split: str) -> str:
    """Return ``split`` if it names a split, else raise ValueError listing the choices."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of: {', '.join(SPLITS)}")
    return split


def seeded_order(n: int, seed: int) -> np.ndarray:
    """A permutation of range(n) fixed by ``seed``: the order in which fixed datasets list samples."""
    return np.random.default_rng(seed).permutation(n)
