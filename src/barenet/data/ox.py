"""The 6x6 "O" versus "X" letters from the question this project started from.

The question classifies 6x6-pixel O and X letters with two output nodes. This module
draws those letters (ink = 1 on background = 0) and their variants:

* shapes: the canonical 6x6 glyphs, 5x5 / 6x5 / 5x6 versions at every 1-pixel shift
  that fits the 6x6 frame, round or square corners for O, 1- or 2-pixel strokes;
* corruptions: up to 2 missing ink pixels, up to 1 stray ink pixel, Gaussian pixel
  noise (sigma 0.1), clipped to [0, 1].

The split is FIXED, whatever ``seed`` says: train holds 300 corrupted variants drawn
from ``TRAIN_SEED``; test holds the two clean canonical glyphs plus 98 corrupted
variants drawn from ``TEST_SEED``. Every train sample carries continuous noise, so no
train image equals a test image. ``seed`` only sets the order samples are listed in.
"""

from __future__ import annotations

import numpy as np

from .base import Dataset, check_split, seeded_order

CLASSES = ["O", "X"]
SIZE = 6
TRAIN_SEED, TEST_SEED = 20220529, 6  # fixed: the split never depends on the caller's seed
N_TRAIN_PER_CLASS, N_TEST_VARIANTS_PER_CLASS = 150, 49
NOISE_SIGMA = 0.1

# (height, width, top, left) of each glyph's bounding box inside the 6x6 frame.
_BOXES = [(6, 6, 0, 0)] + [(5, 5, t, l) for t in (0, 1) for l in (0, 1)] + \
         [(6, 5, 0, 0), (6, 5, 0, 1), (5, 6, 0, 0), (5, 6, 1, 0)]


def draw_o(h: int, w: int, top: int = 0, left: int = 0, *, thick: int = 1, rounded: bool = True) -> np.ndarray:
    """A rectangular ring of stroke ``thick`` in an h x w box at (top, left).

    Shape: -> (6, 6) float32. ``rounded`` leaves the four outer corners blank.
    """
    img = np.zeros((SIZE, SIZE), np.float32)
    box = np.ones((h, w), np.float32)
    box[thick:h - thick, thick:w - thick] = 0  # hollow out the inside
    if rounded:
        box[[0, 0, -1, -1], [0, -1, 0, -1]] = 0
    img[top:top + h, left:left + w] = box
    return img


def draw_x(h: int, w: int, top: int = 0, left: int = 0, *, thick: int = 1) -> np.ndarray:
    """Two crossing diagonals of an h x w box at (top, left); ``thick=2`` adds a pixel beside each.

    Shape: -> (6, 6) float32.
    """
    box = np.zeros((h, w), np.float32)
    rows = np.arange(h)
    cols = np.rint(rows * (w - 1) / (h - 1)).astype(int)  # one pixel per row along the diagonal
    for extra in range(thick):
        box[rows, np.clip(cols + extra, 0, w - 1)] = 1  # "\" diagonal, thickened to the right
        box[rows, np.clip(w - 1 - cols - extra, 0, w - 1)] = 1  # "/" diagonal, thickened to the left
    img = np.zeros((SIZE, SIZE), np.float32)
    img[top:top + h, left:left + w] = box
    return img


def canonical() -> np.ndarray:
    """The two canonical glyphs: a 6x6 ring O (round corners) and a 6x6 diagonal cross X.

    Shape: -> (2, 6, 6) float32; index 0 is O, index 1 is X (their labels).
    """
    return np.stack([draw_o(6, 6), draw_x(6, 6)])


def base_shapes() -> tuple[np.ndarray, np.ndarray]:
    """Every clean shape variant. Shape: -> X (S, 6, 6) float32, y (S,) int64."""
    o = [draw_o(*b, rounded=r) for b in _BOXES for r in (True, False)]
    o += [draw_o(6, 6, thick=2, rounded=r) for r in (True, False)]  # a 2-pixel ring fits only in 6x6
    x = [draw_x(*b) for b in _BOXES] + [draw_x(6, 6, thick=2)]
    return np.stack(o + x), np.array([0] * len(o) + [1] * len(x), np.int64)


def _corrupt(glyphs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Drop up to 2 ink pixels, add up to 1 stray pixel, add Gaussian noise. Shape: (N, 6, 6) -> same."""
    out = glyphs.copy()
    for img in out:  # N is a few hundred 6x6 images: a loop is clearer than index tricks here
        ink, blank = np.flatnonzero(img), np.flatnonzero(img == 0)
        img.flat[rng.choice(ink, size=rng.integers(0, 3), replace=False)] = 0
        img.flat[rng.choice(blank, size=rng.integers(0, 2), replace=False)] = 1
    out += rng.normal(0.0, NOISE_SIGMA, size=out.shape).astype(np.float32)
    return np.clip(out, 0.0, 1.0)


def _variants(n_per_class: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n_per_class corrupted samples per class, each from a uniformly chosen base shape of that class."""
    shapes, labels = base_shapes()
    picks = np.concatenate([rng.choice(np.flatnonzero(labels == k), size=n_per_class) for k in (0, 1)])
    return _corrupt(shapes[picks], rng), labels[picks]


def load(split: str = "train", *, seed: int = 0) -> Dataset:
    """The O/X dataset: 300 train or 100 test samples.

    Shape: X (N, 1, 6, 6) float32 in [0, 1], y (N,) int64 with O = 0, X = 1.
    """
    check_split(split)
    if split == "train":
        X, y = _variants(N_TRAIN_PER_CLASS, np.random.default_rng(TRAIN_SEED))
    else:
        Xv, yv = _variants(N_TEST_VARIANTS_PER_CLASS, np.random.default_rng(TEST_SEED))
        X, y = np.concatenate([canonical(), Xv]), np.concatenate([np.array([0, 1], np.int64), yv])
    order = seeded_order(len(y), seed)
    return Dataset(X[order, None].astype(np.float32), y[order], list(CLASSES), "ox")
