"""Pen-drawn letters (strokes.py), their path templates (stroke_paths.py) and the rasterizer."""

import numpy as np
import pytest

from barenet.data import strokes
from barenet.data.stroke_paths import PATHS, parse


def test_every_letter_has_templates_of_both_kinds():
    labels = [k for k, _ in strokes.templates()]
    counts = np.bincount(labels, minlength=26)
    own = np.array([len(PATHS[ch]) for ch in strokes.CLASSES])
    assert (counts == own + len(strokes.HERSHEY_FONTS)).all()  # own paths plus one per Hershey font


def test_parse_lines_and_arcs():
    (stroke,) = parse("0,0 1,0 a:1,0.5,0.5,0.5,-90,90")
    assert np.allclose(stroke[:2], [[0, 0], [1, 0]])
    assert np.allclose(stroke[2], [1, 0]) and np.allclose(stroke[-1], [1, 1])  # arc from top to bottom
    assert np.isclose(stroke[:, 0].max(), 1.5)  # through the rightmost point cx + rx
    assert len(parse("0,0 1,1; 2,2 3,3")) == 2


def test_rasterize_one_segment_by_hand():
    # A horizontal segment from (2, 3) to (6, 3) with radius 1; coverage = clip(r + 1/2 - d, 0, 1).
    img = strokes.rasterize(np.array([[2.0, 3, 6, 3]]), np.array([0]), np.array([1.0]), 1, 10)[0]
    assert img[3, 2:7].tolist() == [1.0] * 5  # d = 0 on the segment: 1.5 -> 1
    assert img[2, 4] == 0.5 and img[4, 4] == 0.5  # d = 1 beside it: 1 + 0.5 - 1 = 0.5
    assert img[1, 4] == 0.0  # d = 2: 1.5 - 2 < 0
    assert img[3, 1] == 0.5 and img[3, 0] == 0.0  # round cap: d = 1 past the end gives 0.5, d = 2 nothing
    assert img.sum() == img[2:5].sum()  # nothing outside rows 2-4


def test_draw_contract_and_seeding():
    labels = np.arange(52) % 26
    a = strokes.draw(labels, 28, np.random.default_rng(0))
    b = strokes.draw(labels, 28, np.random.default_rng(0))
    c = strokes.draw(labels, 28, np.random.default_rng(1))
    assert a.shape == (52, 28, 28) and a.dtype == np.float32
    assert a.min() >= 0 and a.max() == 1.0
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert (a.reshape(52, -1).max(axis=1) > 0.9).all()  # no empty picture


def test_drawn_letters_are_fitted_like_user_pictures():
    X = strokes.draw(np.arange(260) % 26, 28, np.random.default_rng(3), elastic=0.0)
    rows = X.max(axis=2) > 0.3
    cols = X.max(axis=1) > 0.3
    extent = np.maximum(rows.sum(1), cols.sum(1))  # the longer side of the ink, in pixels
    assert 15 <= np.median(extent) <= 22  # about 20 of 28, as fit_to_frame makes it
    mass = X.sum(axis=(1, 2))
    cy = (X.sum(axis=2) @ np.arange(28)) / mass
    assert np.abs(cy - 13.5).max() < 3


def test_letters_differ_and_pens_vary():
    X = strokes.draw(np.repeat(np.arange(26), 20), 28, np.random.default_rng(0))
    means = X.reshape(26, 20, -1).mean(axis=1)
    dist = np.abs(means[:, None] - means[None]).sum(-1) + np.eye(26) * 1e9
    assert dist.min() > 5  # every letter's average picture differs from every other
    ink = X.reshape(len(X), -1).sum(axis=1)
    assert ink.max() > 2.5 * ink.min()  # fine pens and markers both appear


@pytest.mark.parametrize("elastic", [0.0, 1.0])
def test_elastic_option(elastic):
    X = strokes.draw(np.zeros(4, np.int64), 28, np.random.default_rng(0), elastic=elastic)
    assert X.shape == (4, 28, 28)
