"""The scikit-learn adapter: sklearn's own estimator checks, meta-estimators, pickling,
labels, image input, partial_fit, early stopping, accuracy on digits, the missing extra."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.datasets import load_digits, load_iris, make_blobs  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from barenet import Conv2D, MaxPool2D, Sequential  # noqa: E402
from barenet.sklearn import BareNetClassifier  # noqa: E402


def _expected_failed_checks(estimator: BareNetClassifier) -> dict[str, str]:
    """Checks the estimator is known to fail, with the reason: none at present."""
    return {}


@parametrize_with_checks([BareNetClassifier()], expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """Three well separated classes in 4 features, on a scale that needs standardizing."""
    X, y = make_blobs(n_samples=150, centers=3, n_features=4, random_state=0)
    return X * 50.0 + 100.0, y


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


# ------------------------------------------------------------------ meta-estimators
def test_pipeline_with_scaler(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), BareNetClassifier(epochs=20, random_state=0))
    assert pipe.fit(X, y).score(X, y) >= 0.95


def test_grid_search_picks_from_the_grid(blobs):
    X, y = blobs
    grid = {"hidden_layer_sizes": [(8,), (16, 8)], "learning_rate": [1e-3, 1e-2]}
    search = GridSearchCV(BareNetClassifier(epochs=10, random_state=0), grid, cv=3)
    search.fit(StandardScaler().fit_transform(X), y)
    assert search.best_params_["hidden_layer_sizes"] in grid["hidden_layer_sizes"]
    assert search.best_score_ >= 0.9
    assert search.cv_results_["mean_test_score"].shape == (4,)


def test_cross_val_score_on_iris():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), BareNetClassifier(learning_rate=1e-2, epochs=30, random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() >= 0.85


# ------------------------------------------------------------------ state and labels
def test_pickle_round_trip_gives_identical_probabilities(blobs):
    X, y = blobs
    clf = BareNetClassifier(hidden_layer_sizes=(8,), epochs=3, random_state=0).fit(X, y)
    clone = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(clone.classes_, clf.classes_)


def test_string_labels_come_back_as_strings(blobs):
    X, y = blobs
    names = np.array(["cat", "dog", "owl"])[y]
    clf = BareNetClassifier(epochs=20, random_state=0).fit(StandardScaler().fit_transform(X), names)
    assert list(clf.classes_) == ["cat", "dog", "owl"]
    pred = clf.predict(StandardScaler().fit_transform(X))
    assert pred.dtype == names.dtype and np.mean(pred == names) >= 0.95


def test_fitted_attributes(blobs):
    X, y = blobs
    clf = BareNetClassifier(hidden_layer_sizes=(8, 4), epochs=4, random_state=0).fit(X, y)
    assert clf.n_features_in_ == 4 and clf.sample_shape_ == (4,)
    assert clf.n_iter_ == 4 and len(clf.loss_curve_) == 4 and clf.validation_scores_ is None
    assert isinstance(clf.model_, Sequential)
    # Dense 4->8, act, Dense 8->4, act, Dense 4->3 (logits; no softmax layer)
    assert [type(layer).__name__ for layer in clf.model_.layers] == ["Dense", "ReLU", "Dense", "ReLU", "Dense"]
    assert clf.predict_proba(X).shape == (150, 3)


def test_random_state_fixes_results(blobs):
    X, y = blobs
    make = lambda seed: BareNetClassifier(hidden_layer_sizes=(8,), epochs=3, random_state=seed).fit(X, y)  # noqa: E731
    np.testing.assert_array_equal(make(1).predict_proba(X), make(1).predict_proba(X))
    assert not np.array_equal(make(1).predict_proba(X), make(2).predict_proba(X))


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_every_activation_and_optimizer_learns(blobs, activation, optimizer):
    X, y = blobs
    X = StandardScaler().fit_transform(X)
    clf = BareNetClassifier(hidden_layer_sizes=(16,), activation=activation, optimizer=optimizer,
                            learning_rate=1e-2, epochs=15, random_state=0).fit(X, y)
    assert clf.score(X, y) >= 0.95


@pytest.mark.parametrize("params, match", [
    ({"activation": "gelu"}, "activation must be one of"),
    ({"optimizer": "lbfgs"}, "optimizer must be one of"),
    ({"epochs": 0}, "epochs must be an int >= 1"),
    ({"learning_rate": -1.0}, "learning_rate must be a positive number"),
    ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes must be positive ints"),
    ({"early_stopping": True, "validation_fraction": 1.5}, "validation_fraction must be in"),
    ({"conv": ((8, 3),), "input_shape": (8,)}, "input_shape must be"),
    ({"conv": 8, "input_shape": (2, 2)}, "conv must be a sequence"),
    ({"conv": ((8, "3"),), "input_shape": (2, 2)}, r"conv\[0\] must be a pair"),
])
def test_bad_hyperparameters_fail_in_fit_not_init(blobs, params, match):
    X, y = blobs
    clf = BareNetClassifier(**params)  # sklearn convention: no checks in __init__
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


# ------------------------------------------------------------------ images
def test_flat_and_nchw_images_give_the_same_network(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    common = dict(conv=((4, 3),), hidden_layer_sizes=(16,), epochs=3, random_state=0)
    flat = BareNetClassifier(input_shape=(8, 8), **common).fit(X, y)
    nchw = BareNetClassifier(**common).fit(X.reshape(-1, 1, 8, 8), y)
    assert flat.sample_shape_ == nchw.sample_shape_ == (1, 8, 8)
    assert isinstance(flat.model_.layers[0], Conv2D) and isinstance(flat.model_.layers[2], MaxPool2D)
    np.testing.assert_array_equal(flat.predict_proba(X), nchw.predict_proba(X.reshape(-1, 1, 8, 8)))
    assert nchw.n_features_in_ == 1  # sklearn counts axis 1, the channels, for 4-D input


def test_conv_network_learns_digits(digits):
    X, y = digits
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    clf = BareNetClassifier(conv=((8, 3),), input_shape=(1, 8, 8), hidden_layer_sizes=(32,), epochs=8,
                            random_state=0).fit(Xtr, ytr)
    assert clf.score(Xte, yte) >= 0.9


@pytest.mark.parametrize("kwargs, X_shape, match", [
    ({}, (20, 64), "flat .* with input_shape"),
    ({"input_shape": (7, 7)}, (20, 64), "holds 49 values per sample, but X has 64 features"),
    ({}, (20, 8, 8), "with conv, X must be images"),
    ({"conv": ((4, 3), (4, 3), (4, 3), (4, 3))}, (20, 1, 8, 8), r"conv\[3\] leaves maps of 1x1"),
])
def test_image_input_errors_say_what_to_do(kwargs, X_shape, match):
    X = np.random.default_rng(0).random(X_shape)
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match=match):
        BareNetClassifier(**{"conv": ((4, 3),), **kwargs}).fit(X, y)


def test_predict_rejects_images_of_another_size(digits):
    X, y = digits
    clf = BareNetClassifier(conv=((4, 3),), epochs=1, random_state=0).fit(X[:50].reshape(-1, 1, 8, 8), y[:50])
    with pytest.raises(ValueError, match=r"samples of shape \(1, 4, 16\), but the network was built for \(1, 8, 8\)"):
        clf.predict(X[:5].reshape(-1, 1, 4, 16))


# ------------------------------------------------------------------ training modes
def test_partial_fit_keeps_optimizer_state(blobs):
    X, y = blobs
    classes = np.unique(y)
    inc = BareNetClassifier(epochs=3, random_state=0)
    for _ in range(3):
        inc.partial_fit(X, y, classes=classes)
    full = BareNetClassifier(epochs=3, random_state=0).fit(X, y)
    # Same seed, same batches: three one-epoch calls equal one three-epoch fit only if the
    # Adam moments and step count carry over between calls.
    np.testing.assert_array_equal(inc.predict_proba(X), full.predict_proba(X))
    assert inc.n_iter_ == 3 and inc.loss_curve_ == full.loss_curve_
    assert inc.optimizer_.state[(0, "W")]["step"] == 3 * 5  # 150 samples, batch 32: 5 steps per epoch


def test_partial_fit_needs_classes_first_and_rejects_new_labels(blobs):
    X, y = blobs
    clf = BareNetClassifier(random_state=0)
    with pytest.raises(ValueError, match="pass classes="):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])  # a batch may lack some classes
    assert list(clf.classes_) == [0, 1, 2] and clf.predict_proba(X).shape == (150, 3)
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes_"):
        clf.partial_fit(X[:3], [0, 1, 7])
    with pytest.raises(ValueError, match="differ from the classes of the first call"):
        clf.partial_fit(X, y, classes=[0, 1])


def test_early_stopping_stops_and_keeps_the_best_epoch(digits):
    X, y = digits
    clf = BareNetClassifier(hidden_layer_sizes=(64,), learning_rate=1e-2, epochs=100, early_stopping=True,
                            validation_fraction=0.2, n_iter_no_change=3, random_state=0).fit(X[:600], y[:600])
    assert clf.n_iter_ < 100
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.loss_curve_)
    assert max(clf.validation_scores_) >= 0.9


def test_digits_accuracy_reaches_95_percent(digits):
    X, y = digits
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    clf = BareNetClassifier(hidden_layer_sizes=(64,), epochs=30, random_state=0).fit(Xtr, ytr)
    assert clf.score(Xte, yte) >= 0.95


def test_verbose_prints_one_line_per_epoch(blobs, capsys):
    X, y = blobs
    BareNetClassifier(hidden_layer_sizes=(4,), epochs=2, verbose=1, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 1", "epoch 2"] and "loss=" in lines[0]


# ------------------------------------------------------------------ optional extra
def test_missing_sklearn_names_the_extra():
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "try:\n    import barenet.sklearn\nexcept ImportError as e:\n    print(e)\n"
            "import barenet; print('barenet imports fine', 'barenet.sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "pip install 'barenet[sklearn]'" in out.stdout
    assert "barenet imports fine False" in out.stdout
