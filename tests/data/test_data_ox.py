"""The 6x6 O/X dataset from the question that started the project."""

import numpy as np
import pytest

from barenet.data import load, ox


@pytest.fixture(scope="module")
def splits():
    return load("ox", "train"), load("ox", "test")


def test_contract(splits):
    for ds, n in zip(splits, (300, 100)):
        assert len(ds) == n and ds.X.shape == (n, 1, 6, 6) and ds.input_shape == (1, 6, 6)
        assert ds.X.dtype == np.float32 and ds.y.dtype == np.int64
        assert ds.X.min() >= 0 and ds.X.max() <= 1
        assert ds.classes == ["O", "X"] and ds.name == "ox"
        assert np.bincount(ds.y).tolist() == [n // 2, n // 2]  # balanced


def test_canonical_o_is_a_ring():
    O = ox.canonical()[0]
    assert (O[2:4, 2:4] == 0).all()  # hollow centre
    ring = np.zeros((6, 6), bool)
    ring[[0, 5], 1:5] = ring[1:5, [0, 5]] = True  # the four sides without the corners
    assert (O[ring] == 1).all() and (O[~ring] == 0).all()


def test_canonical_x_is_two_diagonals():
    X = ox.canonical()[1]
    i = np.arange(6)
    assert (X[i, i] == 1).all() and (X[i, 5 - i] == 1).all()
    assert X.sum() == 12  # nothing but the two diagonals
    assert X[0, 2:4].sum() == 0 and X[2:4, 0].sum() == 0  # the middle of each side is blank


def test_test_split_holds_the_clean_canonical_glyphs(splits):
    _, test = splits
    for label, glyph in enumerate(ox.canonical()):
        hits = np.flatnonzero((test.X[:, 0] == glyph).all(axis=(1, 2)))
        assert len(hits) == 1 and test.y[hits[0]] == label


def test_train_and_test_are_disjoint(splits):
    train, test = splits
    train_rows = {x.tobytes() for x in train.X}
    assert not any(x.tobytes() in train_rows for x in test.X)


def test_split_is_fixed_and_seed_only_orders(splits):
    train = splits[0]
    again, other = load("ox", "train"), load("ox", "train", seed=3)
    assert np.array_equal(train.X, again.X) and np.array_equal(train.y, again.y)
    assert not np.array_equal(train.y, other.y)  # a different order...
    key = lambda ds: sorted(x.tobytes() + bytes([int(c)]) for x, c in zip(ds.X, ds.y))
    assert key(train) == key(other)  # ...of exactly the same labelled samples


def test_variants_are_shifted_thickened_and_noisy():
    shapes, labels = ox.base_shapes()
    assert len(np.unique(shapes.reshape(len(shapes), -1), axis=0)) == len(shapes)  # no duplicate shapes
    assert {0, 1} == set(labels.tolist())
    assert any(s[:, 0].sum() == 0 for s in shapes)  # some are shifted right by a pixel
    assert shapes[labels == 0].sum(axis=(1, 2)).max() > 20  # a 2-pixel-thick O exists
    train = load("ox", "train")
    fractional = (train.X > 0) & (train.X < 1)
    assert fractional.mean() > 0.3  # Gaussian pixel noise, not just clean 0/1 pixels


def test_linearly_separable(splits):
    # Clearly separable: even a linear model reaches 100% on the test split.
    from sklearn.linear_model import LogisticRegression

    train, test = splits
    clf = LogisticRegression(max_iter=2000).fit(train.X.reshape(len(train), -1), train.y)
    assert clf.score(test.X.reshape(len(test), -1), test.y) == 1.0
