"""Pen-drawn letters (strokes.py), their path templates (stroke_paths.py) and the rasterizer."""

import numpy as np
import pytest

from barenet.data import pen, strokes
from barenet.data.stroke_paths import CASUAL, PATHS, parse


def test_every_letter_has_templates_of_both_kinds():
    table = strokes.templates()
    own = np.bincount([k for k, mine, _ in table if mine], minlength=26)
    hershey = np.bincount([k for k, mine, _ in table if not mine], minlength=26)
    assert (own == [len(PATHS[ch]) + len(CASUAL.get(ch, ())) for ch in strokes.CLASSES]).all()
    assert (hershey == len(strokes.HERSHEY_FONTS)).all()  # one per Hershey font
    assert set(CASUAL) == set(PATHS)  # every letter has casual hand forms too


def test_half_the_samples_come_from_own_paths():
    picks = strokes._pick(np.repeat(np.arange(26), 200), np.random.default_rng(0))
    own = np.array([strokes.templates()[t][1] for t in picks])
    labels = np.array([strokes.templates()[t][0] for t in picks])
    assert np.array_equal(labels, np.repeat(np.arange(26), 200))  # a template of the asked letter
    assert abs(own.mean() - strokes.OWN_SHARE) < 0.03


def test_parse_lines_and_arcs():
    (stroke,) = parse("0,0 1,0 a:1,0.5,0.5,0.5,-90,90")
    assert np.allclose(stroke[:2], [[0, 0], [1, 0]])
    assert np.allclose(stroke[2], [1, 0]) and np.allclose(stroke[-1], [1, 1])  # arc from top to bottom
    assert np.isclose(stroke[:, 0].max(), 1.5)  # through the rightmost point cx + rx
    assert len(parse("0,0 1,1; 2,2 3,3")) == 2


def test_rasterize_one_segment_by_hand():
    # A horizontal segment from (2, 3) to (6, 3) with radius 1; coverage = clip(r + 1/2 - d, 0, 1).
    img = pen.rasterize(np.array([[2.0, 3, 6, 3]]), np.array([0]), np.array([1.0]), 1, 10)[0]
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


def test_pen_styles_change_the_ink():
    # The same letters in each style: a brush and a nib lay less ink than a round pen of the
    # same width, a hollow letter has its fat stroke's middle empty, a sketch doubles lines.
    labels = np.repeat(np.arange(26), 4)
    n, size = len(labels), 28
    pts, sample, stroke, arc, length, _ = strokes._gather(strokes._pick(labels, np.random.default_rng(0)),
                                                       np.ones(n, np.int64), np.zeros(n, bool), None)
    pts = strokes._fit(pts, sample, n, size, np.full(n, 4.0), np.random.default_rng(0))
    ink = {}
    for name, style in (("round", pen.ROUND), ("brush", pen.BRUSH), ("nib", pen.NIB), ("hollow", pen.HOLLOW)):
        styles = np.full(n, style)
        r = pen.point_radius(styles, np.full(n, 4.0), sample, arc, length, np.random.default_rng(1))
        segs, seg_sample, seg_r = strokes._segments(pts, sample, stroke, r)
        seg_r = pen.nib_radius(segs, seg_sample, seg_r, styles, np.random.default_rng(2))
        X = pen.draw(segs, seg_sample, seg_r, styles, size, np.random.default_rng(3))
        assert X.shape == (n, size, size) and 0 <= X.min() and X.max() <= 1
        ink[name] = X.sum(axis=(1, 2))
    assert (ink["brush"] < ink["round"]).mean() > 0.95 and (ink["nib"] < ink["round"]).mean() > 0.95
    assert (ink["hollow"] < ink["round"]).mean() > 0.95  # the fat pen's outline, not its body


def test_hollow_outline_by_hand():
    # One horizontal segment, radius 3 and line width 1: the outline is clip(cover(3) - cover(2)).
    segs = np.array([[5.0, 10, 15, 10]])
    out = pen.draw(segs, np.array([0]), np.array([3.0]), np.array([pen.HOLLOW]), 20, np.random.default_rng(0))[0]
    # The line width w is drawn from OUTLINE_PX = (0.7, 1.2), so cover(3 - w) is 0 at d >= 3.
    assert out[10, 10] == 0.0  # d = 0: inside both covers, the middle of the stroke is empty
    assert out[7, 10] == 0.5 and out[13, 10] == 0.5  # d = 3: 3.5 - 3 = 0.5 of the outer, none of the inner
    assert out[4, 10] == 0.0 and out[10, 0] == 0.0  # d = 6 and 5 past the end: outside


def test_sketch_draws_strokes_twice():
    picks = np.array([0, 0])
    one = strokes._gather(picks, np.array([1, 2]), np.zeros(2, bool), None)
    sample, stroke = one[1], one[2]
    assert len(np.unique(stroke[sample == 1])) == 2 * len(np.unique(stroke[sample == 0]))


def test_stubs_lengthen_the_first_and_last_strokes():
    table = strokes.templates()
    plain = strokes._gather(np.array([0]), np.ones(1, np.int64), np.zeros(1, bool), None)
    stub = strokes._gather(np.array([0]), np.ones(1, np.int64), np.ones(1, bool), np.random.default_rng(0))
    assert len(np.unique(stub[2])) == len(table[0][2])  # the same strokes, longer
    assert stub[4].max() > plain[4].max()


def test_a_sketchy_hollow_letter_shows_two_outlines():
    # The same bar drawn twice, 3 px apart, radius 4 and line width w <= 1.2 (OUTLINE_PX).
    # Outlined together, the ring runs around both; outlined one copy at a time, the lower
    # copy's ring (3 px from its axis) crosses the upper copy's body.
    segs = np.array([[5.0, 10, 25, 10], [5.0, 13, 25, 13]])
    style = np.array([pen.HOLLOW])
    one = pen.draw(segs, np.zeros(2, np.int64), np.full(2, 4.0), style, 30, np.random.default_rng(0))[0]
    two = pen.draw(segs, np.zeros(2, np.int64), np.full(2, 4.0), style, 30, np.random.default_rng(0),
                   seg_copy=np.array([0, 1]))[0]
    assert one[10, 15] == 0.0  # on the upper axis: inside the union's inner cover
    assert two[10, 15] > 0.1  # d = 3 from the lower axis: on its ring, 1 - clip(4 - w + 0.5 - 3) >= 0.2
    assert one[6, 15] == two[6, 15] == 0.5  # d = 4 above the upper axis: the outer contour, 4.5 - 4
