"""scikit-learn's 8x8 digits with a fixed stratified split."""

import numpy as np
import pytest

from barenet.data import digits, load


@pytest.fixture(scope="module")
def splits():
    return load("digits", "train"), load("digits", "test")


def test_contract(splits):
    for ds, n in zip(splits, (1347, 450)):
        assert ds.X.shape == (n, 1, 8, 8) and ds.input_shape == (1, 8, 8)
        assert ds.X.dtype == np.float32 and ds.y.dtype == np.int64
        assert ds.X.min() == 0.0 and ds.X.max() == 1.0  # 0..16 scaled, both ends occur
        assert set(ds.y.tolist()) == set(range(10))
        assert ds.classes == [str(d) for d in range(10)] and ds.name == "digits"


def test_split_is_stratified_and_complete(splits):
    from sklearn.datasets import load_digits

    full = load_digits()
    counts = np.bincount(full.target)
    train, test = splits
    assert np.array_equal(np.bincount(test.y), np.round(counts * 0.25).astype(int))
    assert np.array_equal(np.bincount(train.y) + np.bincount(test.y), counts)
    # The two splits together are exactly the original images, each used once.
    ours = np.concatenate([train.X, test.X]).reshape(-1, 64)
    theirs = (full.images / 16.0).astype(np.float32).reshape(-1, 64)
    assert sorted(r.tobytes() for r in ours) == sorted(r.tobytes() for r in theirs)


def test_split_is_fixed_and_seed_only_orders(splits):
    test = splits[1]
    again, other = load("digits", "test"), load("digits", "test", seed=9)
    assert np.array_equal(test.X, again.X) and np.array_equal(test.y, again.y)
    assert not np.array_equal(test.y, other.y)
    assert sorted(x.tobytes() for x in test.X) == sorted(x.tobytes() for x in other.X)


def test_stratified_mask():
    y = np.array([0] * 8 + [1] * 4)
    mask = digits.stratified_test_mask(y, 0.25, seed=0)
    assert mask[y == 0].sum() == 2 and mask[y == 1].sum() == 1
    assert np.array_equal(mask, digits.stratified_test_mask(y, 0.25, seed=0))
