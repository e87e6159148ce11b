"""scikit-learn's bundled handwritten digits (the UCI 8x8 optical-recognition set).

1797 images of 8x8 pixels with values 0..16, scaled here to [0, 1]. The train/test split
is a FIXED stratified 75/25 split made with ``SPLIT_SEED`` (each class contributes a
quarter of its samples, rounded, to test), so it never depends on the caller's seed;
``seed`` only sets the order in which samples are listed.
"""

from __future__ import annotations

import numpy as np

from .._optional import require
from .base import Dataset, check_split, seeded_order

CLASSES = [str(d) for d in range(10)]
SPLIT_SEED = 1797
TEST_FRACTION = 0.25


def stratified_test_mask(y: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """True for the samples that go to test: round(fraction * n_k) random ones of each class k.

    Shape: (N,) int -> (N,) bool.
    """
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(y), bool)
    for k in np.unique(y):
        idx = np.flatnonzero(y == k)
        mask[rng.choice(idx, size=int(round(fraction * len(idx))), replace=False)] = True
    return mask


def load(split: str = "train", *, seed: int = 0) -> Dataset:
    """The digits dataset: 1347 train or 450 test samples.

    Shape: X (N, 1, 8, 8) float32 in [0, 1], y (N,) int64 in 0..9.
    """
    check_split(split)
    datasets = require("sklearn.datasets", "digits")
    bunch = datasets.load_digits()
    X = (bunch.images / 16.0).astype(np.float32)  # (1797, 8, 8), pixel counts 0..16 -> [0, 1]
    y = bunch.target.astype(np.int64)
    test = stratified_test_mask(y, TEST_FRACTION, SPLIT_SEED)
    keep = np.flatnonzero(test if split == "test" else ~test)
    keep = keep[seeded_order(len(keep), seed)]
    return Dataset(X[keep, None], y[keep], list(CLASSES), "digits")
