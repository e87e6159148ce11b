"""barenet doctor: each check triggered by a constructed case, and the report it writes.

Static checks run with ``probe_steps=0`` and must raise exactly their own finding code;
dynamic checks are triggered by broken weights, data or learning rates and must name
the problem (other findings may accompany them, as they would for a user).
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

import barenet as bn
from barenet.doctor import Finding, Report, doctor, question_setup

K = 3  # classes in the constructed data


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    """120 6x6 images in 3 learnable classes: a vertical bar, a horizontal bar, neither."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, K, 120)
    X = 0.3 * rng.random((120, 1, 6, 6), dtype=np.float32)
    X[y == 0, 0, :, 2] += 0.7
    X[y == 1, 0, 2, :] += 0.7
    return X, y


def dense(*tail: bn.Layer, out: int = K, seed: int = 0) -> bn.Sequential:
    """Flatten -> Dense(36, out) -> tail."""
    return bn.Sequential([bn.Flatten(), bn.Dense(36, out), *tail], seed=seed)


def mlp(act: type = bn.ReLU, seed: int = 0) -> bn.Sequential:
    return bn.Sequential([bn.Flatten(), bn.Dense(36, 16), act(), bn.Dense(16, K)], seed=seed)


def static(model: bn.Sequential, X: np.ndarray, y: np.ndarray, loss: bn.Loss) -> list[str]:
    return doctor(model, X, y, loss, probe_steps=0).codes


def onehot(y: np.ndarray, k: int = K) -> np.ndarray:
    return np.eye(k, dtype=np.float32)[y]


class SoftmaxInDisguise(bn.Layer):
    """A user's own layer that computes a softmax: the doctor cannot know it by its type."""

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._cache = bn.nn.layers.softmax(x)
        return self._cache

    def backward(self, dy: np.ndarray) -> np.ndarray:
        p = self._cache
        return p * (dy - (dy * p).sum(axis=-1, keepdims=True))


class NaNGradient(bn.Layer):
    """Passes values forward unchanged and sends NaN backward."""

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return x

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy * np.nan


class FailingBackward(NaNGradient):
    def backward(self, dy: np.ndarray) -> np.ndarray:
        raise ValueError("FailingBackward: no gradient today")


# -- static checks: each triggers exactly its own code ----------------------------------------
def test_clean_model_has_no_findings(data):
    X, y = data
    assert static(mlp(), X, y, bn.SoftmaxCrossEntropy()) == []


@pytest.mark.parametrize("code, build, loss, targets", [
    ("double-squash", lambda: bn.Sequential([bn.Flatten(), bn.Dense(36, 8), bn.Sigmoid(), bn.Tanh(),
                                             bn.Dense(8, K)], seed=0), bn.SoftmaxCrossEntropy(), "labels"),
    ("mse-on-softmax", lambda: dense(bn.Softmax()), bn.MSE(), "onehot"),
    ("bce-on-softmax", lambda: dense(bn.Softmax()), bn.BinaryCrossEntropy(), "onehot"),
    ("softmax-before-ce", lambda: dense(bn.Softmax()), bn.SoftmaxCrossEntropy(), "labels"),
    ("sigmoid-before-ce", lambda: dense(bn.Sigmoid()), bn.SoftmaxCrossEntropy(), "labels"),
    ("probabilities-as-logits", lambda: dense(SoftmaxInDisguise()), bn.SoftmaxCrossEntropy(), "labels"),
    ("sigmoid-before-logit-bce", lambda: dense(bn.Sigmoid(), out=1), bn.BinaryCrossEntropy(from_logits=True),
     "binary"),
    ("bce-without-sigmoid", lambda: dense(out=1), bn.BinaryCrossEntropy(), "binary"),
    ("labels-need-one-hot", lambda: dense(), bn.MSE(), "labels"),
    ("labels-need-one-hot", lambda: dense(out=2), bn.MSE(), "binary-column"),  # the question's y = [[0], [1]]
    ("labels-need-one-hot", lambda: dense(out=2), bn.MSE(), "labels"),  # 3 labels, 2 outputs: no one-hot fits
    ("target-width", lambda: dense(), bn.SoftmaxCrossEntropy(), "onehot-4"),
    ("target-width", lambda: dense(), bn.MSE(), "onehot-4"),
    ("label-range", lambda: dense(), bn.SoftmaxCrossEntropy(), "labels+2"),
    ("unused-outputs", lambda: dense(out=5), bn.SoftmaxCrossEntropy(), "labels"),
    ("one-output-ce", lambda: dense(out=1), bn.SoftmaxCrossEntropy(), "binary"),
    ("two-class-softmax", lambda: dense(out=2), bn.SoftmaxCrossEntropy(), "binary"),
    ("loss-error", lambda: dense(), bn.SoftmaxCrossEntropy(), "fractions"),
    ("loss-error", lambda: bn.Sequential([bn.Conv2D(1, K, 3)], seed=0), bn.SoftmaxCrossEntropy(), "labels"),
    ("shape-mismatch", lambda: bn.Sequential([bn.Dense(36, K)], seed=0), bn.SoftmaxCrossEntropy(), "labels"),
])
def test_static_check_triggers_exactly_its_code(data, code, build, loss, targets):
    X, y = data
    t = {"labels": y, "onehot": onehot(y), "onehot-4": onehot(y, 4), "labels+2": y + 2,
         "binary": y % 2, "binary-column": (y % 2).reshape(-1, 1).astype(np.float32),
         "fractions": y + 0.5}[targets]
    assert static(build(), X, t, loss) == [code]


def test_double_squash_under_softmax_says_why_it_stalls(data):
    X, y = data
    report = doctor(dense(bn.Sigmoid(), bn.Softmax()), X, y, bn.SoftmaxCrossEntropy(), probe_steps=0)
    assert report.codes == ["double-squash", "softmax-before-ce"]
    assert "0.73" in report.get("double-squash").explanation


def test_data_checks(data):
    X, y = data
    assert static(mlp(), X[:100], y, bn.SoftmaxCrossEntropy()) == ["sample-count"]
    assert static(mlp(), X * 255, y, bn.SoftmaxCrossEntropy()) == ["unscaled-input"]
    Xn = X.copy()
    Xn[3, 0, 1, 1] = np.nan
    report = doctor(mlp(), Xn, y, bn.SoftmaxCrossEntropy())  # the probe must not run on NaN
    assert report.codes == ["nonfinite-input", "probe-skipped"]
    assert report.get("nonfinite-input").data["first"] == (3, 0, 1, 1)


def test_static_errors_skip_the_probe_and_say_so(data):
    X, y = data
    report = doctor(bn.Sequential([bn.Dense(36, K)], seed=0), X, y, bn.SoftmaxCrossEntropy())
    assert report.codes == ["shape-mismatch", "probe-skipped"]
    assert "Flatten" in report.get("shape-mismatch").explanation  # the engine's hint reaches the user
    assert "cannot run on X" in report.get("probe-skipped").explanation


def test_usage_errors_raise(data):
    X, y = data
    with pytest.raises(TypeError, match="Sequential"):
        doctor([bn.Dense(36, K)], X, y, bn.MSE())
    with pytest.raises(TypeError, match="loss"):
        doctor(mlp(), X, y, "mse")
    with pytest.raises(ValueError, match="numeric"):
        doctor(mlp(), X.astype(object), y, bn.MSE())
    with pytest.raises(ValueError, match="probe_steps"):
        doctor(mlp(), X, y, bn.MSE(), probe_steps=-1)
    with pytest.raises(TypeError, match="optimizer"):
        doctor(mlp(), X, y, bn.MSE(), optimizer="adam")
    with pytest.raises(ValueError, match="batch axis"):
        doctor(mlp(), X[:0], y[:0], bn.MSE())
    with pytest.raises(ValueError, match="batch axis"):
        doctor(mlp(), X[0, 0, 0], y[:6], bn.MSE())


def test_integer_images_and_the_assumed_optimizer(data):
    X, y = data
    report = doctor(mlp(), (X > 0.5).astype(np.uint8), y, bn.SoftmaxCrossEntropy(), probe_steps=5, lr_test=False)
    assert report.ok and "float32" in report.context["data"]
    assert "Adam(lr=0.001" in report.context["optimizer"] and "assumed" in report.context["optimizer"]


def test_a_model_without_parameters_does_not_crash(data):
    X, _ = data
    report = doctor(bn.Sequential([bn.Flatten()]), X, np.zeros((len(X), 36), np.float32), bn.MSE())
    assert report.codes == ["loss-plateau", "lr-range"]  # true: nothing can be learned
    assert report.get("lr-range").title == "No learning rate lowers the loss much"


# -- dynamic checks --------------------------------------------------------------------------
def test_clean_model_passes_the_probe(data):
    X, y = data
    report = doctor(mlp(), X, y, bn.SoftmaxCrossEntropy(), optimizer=bn.Adam(1e-2))
    assert report.ok and report.codes == ["lr-range"]
    for key in ("gradients", "units", "updates", "loss curve"):
        assert key in report.context


def test_no_gradient_at_all(data):
    X, y = data
    model = dense(bn.ReLU())
    model.layers[1].params["b"][:] = -100.0  # the only weights sit under a dead ReLU
    report = doctor(model, X, y, bn.SoftmaxCrossEntropy(), lr_test=False)
    assert {"vanishing-gradients", "dead-relu"} <= set(report.codes)
    assert report.get("dead-relu").data["layers"] == {"layer 2": 1.0}


def test_dead_relus(data):
    X, y = data
    model = mlp()
    model.layers[1].params["b"][:] = -100.0  # every hidden unit starts below zero
    codes = doctor(model, X, y, bn.SoftmaxCrossEntropy(), optimizer=bn.Adam(1e-2)).codes
    assert {"dead-relu", "vanishing-gradients", "loss-plateau"} <= set(codes)


@pytest.mark.parametrize("act", [bn.Sigmoid, bn.Tanh])
def test_saturated_units(data, act):
    X, y = data
    model = mlp(act)
    model.layers[1].params["W"] *= 100.0  # huge weights push every unit onto the flat ends
    report = doctor(model, X, y, bn.SoftmaxCrossEntropy(), optimizer=bn.Adam(1e-2))
    assert "saturated-units" in report.codes
    assert report.get("saturated-units").data["layers"]["layer 2"] > 0.8


def test_vanishing_gradients_in_a_deep_sigmoid_stack(data):
    X, y = data
    body = [layer for _ in range(8) for layer in (bn.Sigmoid(), bn.Dense(16, 16))]
    model = bn.Sequential([bn.Flatten(), bn.Dense(36, 16), *body, bn.Sigmoid(), bn.Dense(16, K)], seed=0)
    report = doctor(model, X, y, bn.SoftmaxCrossEntropy(), optimizer=bn.Adam(1e-2), lr_test=False)
    assert "vanishing-gradients" in report.codes
    assert "layer 1" in report.get("vanishing-gradients").title


def test_exploding_gradients_in_a_deep_linear_stack(data):
    X, y = data
    model = bn.Sequential([bn.Flatten(), bn.Dense(36, 32)] + [bn.Dense(32, 32) for _ in range(6)]
                          + [bn.Dense(32, K)], seed=0)
    for layer in model.layers[1:]:
        layer.params["W"] *= 4.0
    report = doctor(model, X, y, bn.SoftmaxCrossEntropy(), optimizer=bn.Adam(1e-3), lr_test=False)
    assert "exploding-gradients" in report.codes


@pytest.mark.parametrize("optimizer", [bn.SGD(lr=1000.0), bn.Adam(lr=1.0)])
def test_learning_rate_too_high(data, optimizer):
    X, y = data
    report = doctor(mlp(), X, y, bn.SoftmaxCrossEntropy(), optimizer=optimizer)
    assert {"lr-too-high", "large-updates"} <= set(report.codes)
    assert report.get("lr-too-high").data["suggested_lr"] < optimizer.lr


def test_learning_rate_so_high_it_diverges(data):
    X, y = data
    model = bn.Sequential([bn.Flatten(), bn.Dense(36, K)], seed=0)  # linear logits: nothing saturates or dies
    report = doctor(model, X, onehot(y), bn.MSE(), optimizer=bn.SGD(lr=1e4))
    assert "loss-diverged" in report.codes


@pytest.mark.parametrize("optimizer", [bn.Adam(lr=1e-7), bn.SGD(lr=1e-5)])
def test_learning_rate_too_low_plateaus(data, optimizer):
    X, y = data
    report = doctor(mlp(), X, y, bn.SoftmaxCrossEntropy(), optimizer=optimizer)
    assert {"lr-too-low", "loss-plateau", "slow-updates"} <= set(report.codes)
    assert report.get("lr-too-low").data["suggested_lr"] > 100 * optimizer.lr


def test_loss_rising(data):
    X, y = data
    report = doctor(mlp(), X, y, bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(lr=10.0), lr_test=False)
    assert "loss-rising" in report.codes


def test_nonfinite_outputs_and_gradients(data):
    X, y = data
    huge = mlp()
    huge.layers[1].params["W"][:] = 1e38  # the sums overflow float32
    assert doctor(huge, X, y, bn.SoftmaxCrossEntropy()).codes == ["nonfinite-output"]
    loud = dense()
    loud.layers[1].params["W"][:] = 1e19  # finite outputs whose squares overflow in MSE
    report = doctor(loud, X, onehot(y), bn.MSE())
    assert report.codes == ["nonfinite-output"] and "loss" in report.get("nonfinite-output").title
    nan_grad = bn.Sequential([bn.Flatten(), bn.Dense(36, 8), NaNGradient(), bn.Dense(8, K)], seed=0)
    report = doctor(nan_grad, X, y, bn.SoftmaxCrossEntropy())
    assert report.codes == ["nonfinite-gradient"] and report.get("nonfinite-gradient").data["layer"] == "layer 1"


def test_a_probe_that_fails_is_reported_not_raised(data):
    X, y = data
    model = bn.Sequential([bn.Flatten(), bn.Dense(36, 8), FailingBackward(), bn.Dense(8, K)], seed=0)
    report = doctor(model, X, y, bn.SoftmaxCrossEntropy())
    assert report.codes == ["probe-failed"] and "no gradient today" in report.get("probe-failed").explanation


def test_trained_model_is_clean(data):
    X, y = data
    model = mlp()
    model.fit(X, y, loss=bn.SoftmaxCrossEntropy(), optimizer=bn.Adam(1e-2), epochs=60, seed=0)
    report = doctor(model, X, y, bn.SoftmaxCrossEntropy())  # the model's own optimizer, with its state
    assert report.ok and "optimizer" in report.context and "(assumed" not in report.context["optimizer"]


def test_no_learning_rate_helps_the_question_network():
    report = question_setup(1).diagnose(seed=1)
    assert report.get("lr-range").title == "No learning rate lowers the loss much"
    assert "not the learning rate" in report.get("lr-range").explanation


def test_the_users_model_loss_and_optimizer_are_untouched(data):
    X, y = data
    model = bn.Sequential([bn.Flatten(), bn.Dense(36, 16), bn.ReLU(), bn.Dropout(0.2), bn.Dense(16, K)], seed=0)
    loss, opt = bn.SoftmaxCrossEntropy(), bn.Adam(1e-2)
    model.fit(X, y, loss=loss, optimizer=opt, epochs=1, seed=0)
    before = copy.deepcopy((model, loss, opt))
    X0, y0 = X.copy(), y.copy()
    report = doctor(model, X, y, loss, optimizer=opt)
    assert "loss curve" in report.context  # the probe did train (a copy)
    old_model, old_loss, old_opt = before
    for new, old in zip(model.layers, old_model.layers):
        for k in old.params:
            np.testing.assert_array_equal(new.params[k], old.params[k])
    for a, b in zip(model.outputs, old_model.outputs):
        np.testing.assert_array_equal(a, b)
    assert model.rng.bit_generator.state == old_model.rng.bit_generator.state
    assert model.layers[3].rng.bit_generator.state == old_model.layers[3].rng.bit_generator.state
    assert opt.lr == old_opt.lr and opt.state.keys() == old_opt.state.keys()
    np.testing.assert_array_equal(opt.state[(1, "W")]["m"], old_opt.state[(1, "W")]["m"])
    np.testing.assert_array_equal(loss._cache[0], old_loss._cache[0])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_same_seed_same_report(data):
    X, y = data
    a = doctor(mlp(), X, y, bn.SoftmaxCrossEntropy(), seed=3).to_dict()
    b = doctor(mlp(), X, y, bn.SoftmaxCrossEntropy(), seed=3).to_dict()
    assert a == b


# -- the report ---------------------------------------------------------------------------------
def test_report_text_has_explanation_and_fix(data):
    X, y = data
    report = doctor(dense(bn.Softmax()), X, onehot(y), bn.MSE(), probe_steps=0)
    text = str(report)
    finding = report.get("mse-on-softmax")
    assert text.startswith("barenet doctor: 0 errors, 1 warning, 0 notes")
    assert "[warning] mse-on-softmax: MSE on Softmax outputs" in text
    assert "Why: MSE compares the probabilities" in text and "Fix: Remove the Softmax layer" in text
    assert finding.explanation.split()[-1] in text and finding.fix.split()[-1] in text
    assert all(len(line) <= 88 for line in text.splitlines() if line.startswith("    "))
    assert not report.ok and report.of("warning") == [finding]
    assert json.loads(json.dumps(report.to_dict()))["findings"][0]["code"] == "mse-on-softmax"


def test_report_data_becomes_plain_json():
    report = Report()
    report.add("info", "x", "t", "e", "f", shape=(2, 3), arr=np.arange(2), n=np.float32(0.5), d={1.0: [np.int64(2)]})
    assert report.to_dict()["findings"][0]["data"] == {"shape": [2, 3], "arr": [0, 1], "n": 0.5, "d": {"1.0": [2]}}


def test_findings_sort_errors_first_and_check_severity():
    report = Report()
    report.add("info", "c", "t", "e", "f")
    report.add("error", "a", "t", "e", "f")
    report.add("warning", "b", "t", "e", "f")
    assert report.codes == ["a", "b", "c"] and not report.ok
    with pytest.raises(ValueError, match="severity"):
        Finding("fatal", "x", "t", "e", "f")
