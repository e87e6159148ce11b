"""The gallery's extension: learner scripts run the way `barenet check FILE.py` runs them.

Each file in learners/ is a whole script in the convention of docs/check.md, written as
learners write them (scalar loops, NumPy, layer classes, conv and pooling by hand), with
one bug; run with ``--fixed`` it is its correct twin. A case states the finding the bug
must get and the parameters it must name; "mismatch" marks a bug the check flags without
a name for it (docs/check.md says why). Every twin passes with no finding.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from barenet.check.activations import Tap
from barenet.check.broadcast import identify_broadcast
from barenet.check.script import check_script

HERE = Path(__file__).parent / "learners"
HIDDEN = ("W1", "b1")
EVERY = ("W1", "b1", "W2", "b2")
CASES = {   # file: (codes of the gradient findings, the parameters they name)
    "l01_scalar_tanh_post": (["activation-derivative"], ("w11", "w12", "w21", "w22", "c1", "c2")),
    "l02_numpy_sigmoid_on_z": (["activation-derivative"], HIDDEN),
    "l03_relu_no_deriv": (["activation-derivative"], ("W1",)),
    "l04_leaky_relu": (["activation-derivative"], HIDDEN),
    "l05_stale_weights": (["stale-weights"], HIDDEN),
    "l06_lr_twice": (["factor"], EVERY),
    "l07_accumulated": (["accumulated-gradient"], EVERY),
    "l08_floor_division": (["mismatch"], EVERY),
    "l09_maxpool_everywhere": (["mismatch"], ("K", "bK")),
    "l10_conv_off_by_one": (["mismatch"], ("F",)),
    "l11_sigmoid_bce_mse_deriv": (["wrong-loss-derivative"], ("W1", "b1", "w2", "b2")),
    "l12_square_transposed": (["shape"], ("W2",)),
    "l13_double_mean": (["batch-scale"], ("W1", "W2")),
    "l14_hidden_sign": (["sign"], ("u1", "u2", "u3", "k1", "k2", "k3")),
    "l15_sum_loss_mean_grad": (["batch-scale"], ("W", "b")),
    "l16_labels_broadcast": (["targets-broadcast"], EVERY),
    "l17_tanh_no_square": (["activation-derivative"], HIDDEN),
    "l18_relu_deriv_is_relu": (["activation-derivative"], HIDDEN),
    "l19_scalar_output_first": (["stale-weights"], ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2")),
    "l20_class_softmax_diag_mse": (["mismatch"], EVERY),
    "l21_bias_mean": (["batch-scale"], ("b1", "b2")),
    "l22_step_accumulated": (["accumulated-gradient"], EVERY),
}


def script(name: str) -> str:
    return str(HERE / f"{name}.py")


@pytest.mark.parametrize("name", CASES)
def test_the_bug_is_flagged_and_named(name):
    codes, params = CASES[name]
    result = check_script(script(name), steps=5)
    report = result.gradients
    assert [f.code for f in report.findings] == codes, str(report)
    named = {p for f in report.findings for p in f.params}
    assert named == set(params), str(report)
    assert result.ok is (not codes)
    assert all(f.cause and f.fix for f in report.findings)


@pytest.mark.parametrize("name", CASES)
def test_the_correct_twin_passes(name):
    result = check_script(script(name), ["--fixed"], steps=5)
    assert result.ok and result.findings == [], str(result)


def test_every_script_has_a_case():
    assert sorted(p.stem for p in HERE.glob("l*.py")) == sorted(CASES)


def test_the_learning_rate_applied_twice_is_named():
    finding = check_script(script("l06_lr_twice"), steps=5).gradients.findings[0]
    assert finding.data["learning_rate"] == "twice" and "lr is 0.3" in finding.cause


def test_the_data_a_network_keeps_is_not_a_weight():
    # l05's network keeps its input as self.X, the script's own X array: it is data, not a parameter
    result = check_script(script("l05_stale_weights"), ["--fixed"], steps=5)
    assert {r.name for r in result.gradients.rows} == {"W1", "b1", "W2", "b2"}
    assert "X" not in result.gradients.skipped and "(W1, b1, W2, b2, h, p)" in result.described[0]


def test_a_mismatch_says_where_the_error_enters():
    below = check_script(script("l10_conv_off_by_one"), steps=5).gradients.get("mismatch")
    assert "The gradients of c, W, b agree, so the error enters on the way back from them to F" in below.cause
    everywhere = check_script(script("l08_floor_division"), steps=5).gradients.get("mismatch")
    assert "Every gradient disagrees, so the error is most likely at the output" in everywhere.cause


def test_a_softmax_class_is_named_once_the_script_gives_its_scores(tmp_path):
    # l20's softmax is a class, which the check cannot watch; a `scores` function is enough
    given = tmp_path / "l20_with_scores.py"
    given.write_text((HERE / "l20_class_softmax_diag_mse.py").read_text()
                     + "\n\ndef scores():\n    return d2.forward(layers[1].forward(d1.forward(X)))\n")
    assert check_script(str(given), steps=5).gradients.codes == ["softmax-diagonal"]
    assert check_script(str(given), ["--fixed"], steps=5).ok


def test_stale_weights_name_the_weights_updated_first():
    finding = check_script(script("l19_scalar_output_first"), steps=5).gradients.get("stale-weights")
    assert finding.data["updated_first"] == ["w9", "w10", "w11", "w12"]
    assert "with w9, w10, w11, w12 already updated by this step" in finding.cause


@pytest.mark.parametrize("name, written", [("l01_scalar_tanh_post", "of-output"), ("l03_relu_no_deriv", "missing"),
                                           ("l02_numpy_sigmoid_on_z", "formula-on-input"),
                                           ("l04_leaky_relu", "relu-slope"), ("l17_tanh_no_square", "no-square"),
                                           ("l18_relu_deriv_is_relu", "itself")])
def test_the_wrong_activation_derivative_is_named(name, written):
    finding = check_script(script(name), steps=5).gradients.get("activation-derivative")
    assert finding.data["written"] == written, finding.cause


def test_the_page_lists_every_script():
    page = (Path(__file__).resolve().parents[2] / "docs" / "check.md").read_text()
    table = page.split("## Learner scripts", 1)[1]
    assert re.findall(r"^\| (l\d\d_\w+) \|", table, re.MULTILINE) == list(CASES)


def test_an_inline_relu_is_watched_and_a_clip_is_not():
    ns = {"np": np}
    tap = Tap(ns)
    tap.install()
    z = np.array([[-1.0, 2.0], [3.0, -4.0]])

    def loss():
        m = ns["np"]
        parts = (m.maximum(z, 0), m.maximum(0.0, z), m.maximum(z, 1e-12), m.maximum(z, z[::-1]),
                 m.maximum(np.float64(0), 3.0), m.maximum.reduce(z, axis=1))
        return (float(sum(np.sum(p) for p in parts)),)

    try:
        tap.run(loss)
    finally:
        tap.remove()
    assert ns["np"] is np
    (site, calls), = tap.calls.items()               # one line, two calls: (z, 0) and (0.0, z) only
    assert site[0] == "np.maximum" and len(calls) == 2
    assert all(np.array_equal(a, z) and np.array_equal(h, np.maximum(z, 0)) for a, h in calls)


def test_a_watched_relu_that_explains_nothing_stays_a_mismatch():
    # l10's ReLU is np.maximum(conv, 0), watched now; the conv loop's off-by-one is no wrong derivative
    result = check_script(script("l10_conv_off_by_one"), steps=5).gradients
    assert result.codes == ["mismatch"] and "np.maximum(" in (HERE / "l10_conv_off_by_one.py").read_text()


def test_labels_broadcast_against_one_output_are_named_only_when_they_differ():
    finding = check_script(script("l16_labels_broadcast"), steps=5).gradients.get("targets-broadcast")
    assert "y.reshape(-1, 1)" in finding.fix and finding.data["head"] == "sigmoid, then squared error"
    # the (N, N) squared error of sigmoid outputs, its gradient through dz/dtheta = identity
    z, jac = np.array([[0.3], [-1.2], [0.7]]), np.eye(3).reshape(3, 3, 1)

    def table(y):
        p = 1 / (1 + np.exp(-z))
        loss = np.mean((p - y) ** 2)
        return loss, (2 * (p - y) * p * (1 - p)).sum(axis=1) / 9

    y = np.array([0.0, 1.0, 1.0])
    assert identify_broadcast(z, y, *table(y), jac, 1e-6, np.full(3, 1e-12)).targets == "broadcast"
    y = np.ones(3)                  # every label equal: the table is 3 times the right loss, not told apart
    assert identify_broadcast(z, y, *table(y), jac, 1e-6, np.full(3, 1e-12)) is None
