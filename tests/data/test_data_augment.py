"""Elastic distortion, squeezes, outlines and stroke-width change (augment.py)."""

import numpy as np
import pytest

from barenet.data import augment


def bar():
    X = np.zeros((1, 12, 12), np.float32)
    X[0, 2:10, 5:7] = 1.0  # a vertical bar, 2 px wide
    return X


def test_zero_field_is_the_identity():
    X = bar()
    assert np.array_equal(augment.warp_images(X, np.zeros((1, 2, 12, 12), np.float32)), X)
    fields = augment.elastic_fields(1, (12, 12), np.random.default_rng(0), alpha=0.0)
    assert np.array_equal(augment.warp_images(X, fields), X)


def test_constant_field_shifts_by_whole_pixels():
    field = np.zeros((1, 2, 12, 12), np.float32)
    field[0, 1] = 2.0  # each pixel reads from 2 px to its right: the ink moves 2 px left
    out = augment.warp_images(bar(), field)
    assert np.array_equal(out[0, :, 3:5], bar()[0, :, 5:7]) and out[0, :, 5:].sum() == 0


def test_elastic_fields_are_smooth_and_scaled():
    rng = np.random.default_rng(0)
    f = augment.elastic_fields(64, (28, 28), rng)
    assert f.shape == (64, 2, 28, 28) and f.dtype == np.float32
    step = np.abs(np.diff(f, axis=3)).mean()
    assert step < 0.2 * np.abs(f).mean()  # neighbours move together: smooth, not noise
    assert 0.5 < np.abs(f).mean() < 3  # Simard's alpha 34, sigma 4: about a pixel or two
    assert np.abs(augment.elastic_fields(4, (28, 28), rng, alpha=68).mean()) >= 0  # alpha scales it
    with pytest.raises(ValueError, match="sigma"):
        augment.elastic_fields(1, (8, 8), rng, sigma=0)


def test_warp_points_follows_the_ink():
    field = np.zeros((2, 12, 12), np.float32)
    field[1] = 2.0
    moved = augment.warp_points(np.array([[6.0, 5.0]]), field)
    assert np.allclose(moved, [[4.0, 5.0]])  # as warp_images moves ink: 2 px left


def test_squeeze_narrows_letters():
    X = np.zeros((1, 28, 28), np.float32)
    X[0, 4:24, 4:24] = 1.0
    f = augment.affine_fields(1, (28, 28), np.random.default_rng(0), squeeze=(0.5, 0.5), shear=0.0)
    out = augment.warp_images(X, f)
    width = (out[0, 14] > 0.5).sum()
    assert 9 <= width <= 11 and (out[0, :, 14] > 0.5).sum() == 20  # half as wide, as tall


def test_change_width_and_outline():
    X = bar()
    thick = augment.change_width(X, np.array([1.0]))
    thin = augment.change_width(X, np.array([-1.0]))
    assert thick.sum() > X.sum() > thin.sum()
    assert np.array_equal(augment.change_width(X, np.array([0.0])), X)
    ring = augment.outline(X)
    assert ring[0, 5, 5] == 0 and ring[0, 5, 4] == 1 and ring[0, 5, 3] == 1  # hollow inside, 2 px ring outside
    with pytest.raises(ValueError, match="amount"):
        augment.change_width(X, np.array([2.0]))


def test_low_resolution_softens_but_keeps_the_fit():
    from barenet.data.images import fit_to_frame

    X = np.zeros((1, 40, 40), np.float32)
    X[0, 5:35, 10:14] = X[0, 5:9, 10:30] = 1.0  # a sharp, 4 px wide Gamma
    X = fit_to_frame(X[0], (28, 28))[None]
    for f in (0.5, 0.7):
        out = augment.low_resolution(X, np.array([f]))
        assert out.shape == X.shape and out.dtype == np.float32 and out.max() <= 1.0
        rows = np.flatnonzero(out[0].max(axis=1) > 0.3)
        assert 18 <= len(rows) <= 22  # still fitted to about 20 of 28 rows
        grey = ((out > 0.1) & (out < 0.9)).sum()
        assert grey > ((X > 0.1) & (X < 0.9)).sum()  # more soft edge pixels than the sharp letter
        assert np.corrcoef(out.ravel(), X.ravel())[0, 1] > 0.7  # the same letter
    assert np.abs(augment.low_resolution(X, np.array([1.0])) - X).max() < 0.2  # factor 1: nearly the same
    with pytest.raises(ValueError, match="factors"):
        augment.low_resolution(X, np.array([1.5]))
