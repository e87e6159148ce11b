"""The dataset registry, ``load``'s argument checks, the Dataset container and lazy imports."""

import subprocess
import sys

import numpy as np
import pytest

import barenet.data as data
from barenet._optional import require
from barenet.data import DATASETS, Dataset, load


def test_registry_names():
    assert set(DATASETS) == {"ox", "letters", "digits", "emnist-letters"}
    assert all(callable(f) for f in DATASETS.values())


def test_unknown_name_lists_choices():
    with pytest.raises(ValueError) as e:
        load("mnist")
    for name in DATASETS:
        assert name in str(e.value)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_bad_split_is_refused_for_every_dataset(name):
    with pytest.raises(ValueError, match="train, test"):
        load(name, "validation")


def test_unknown_option_is_refused_not_swallowed():
    with pytest.raises(ValueError, match="'sizes'.*size, per_font, noise"):
        load("letters", sizes=16)
    with pytest.raises(ValueError, match="its options: none"):
        load("ox", size=6)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        load("ox", seed=seed)


def test_dataset_options():
    assert data.dataset_options("letters") == ["size", "per_font", "noise", "drawn"]
    assert data.dataset_options("emnist-letters") == ["path"]
    assert data.dataset_options("ox") == []


def test_dataset_container():
    X, y = np.zeros((5, 1, 4, 3), np.float32), np.array([0, 1, 2, 1, 0], np.int64)
    ds = Dataset(X, y, ["a", "b", "c"], "toy")
    assert len(ds) == 5 and ds.input_shape == (1, 4, 3) and ds.num_classes == 3


@pytest.mark.parametrize("X, y, match", [
    (np.zeros((2, 1, 4, 4)), np.zeros(2, np.int64), "float32"),  # float64 X
    (np.zeros((2, 4, 4), np.float32), np.zeros(2, np.int64), "float32"),  # no channel axis
    (np.zeros((2, 1, 4, 4), np.float32), np.zeros(3, np.int64), "int64"),  # length mismatch
    (np.zeros((2, 1, 4, 4), np.float32), np.zeros(2, np.int32), "int64"),  # wrong label dtype
    (np.zeros((2, 1, 4, 4), np.float32), np.array([0, 2], np.int64), r"\[0, 2\)"),  # label out of range
])
def test_dataset_checks_at_the_door(X, y, match):
    with pytest.raises(ValueError, match=match):
        Dataset(X, y, ["a", "b"], "bad")


def test_require_imports_or_explains():
    assert require("json", "images").dumps([1]) == "[1]"
    with pytest.raises(ImportError, match=r"install it with: pip install 'barenet\[letters\]'"):
        require("barenet_no_such_module_xyz", "letters")


def test_optional_packages_are_imported_lazily():
    # A fresh interpreter: importing the data package must not pull in Pillow, matplotlib
    # or scikit-learn, and importing the engine must not pull in the data package.
    code = ("import sys, barenet; assert 'barenet.data' not in sys.modules, 'engine imported data'; "
            "import barenet.data; "
            "bad = [m for m in ('PIL', 'matplotlib', 'sklearn') if m in sys.modules]; "
            "assert not bad, bad; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
