"""doctor_forward on plain forward functions: the question's ceiling, its targets, a double
softmax and a loss that does not fall; correct setups get no finding."""

from __future__ import annotations

import numpy as np
import pytest
from check_nets import ScalarNet, data, sigmoid, softmax

import barenet as bn


def question_forward(net):
    """The question's outputs: sigmoid o1, o2 under a softmax."""
    return lambda X: softmax(sigmoid(net.scores(X)))


def test_softmax_on_sigmoid_outputs_is_found():
    X, Y = data(0)
    net = ScalarNet(1)
    report = bn.doctor_forward(question_forward(net), X, Y, scores=lambda X: sigmoid(net.scores(X)))
    assert report.codes == ["softmax-on-sigmoid"] and not report.ok
    assert report.get("softmax-on-sigmoid").data["largest"] <= np.e / (np.e + 1)
    assert "0.731" in str(report)
    seen = bn.doctor_forward(question_forward(net), X, Y)  # the outputs alone: the ceiling, as a doubt
    assert seen.codes == ["softmax-on-sigmoid"] and seen.findings[0].severity == "warning" and seen.ok


def test_logits_under_a_softmax_pass():
    X, Y = data(0)
    for seed in range(8):
        net = ScalarNet(seed)
        report = bn.doctor_forward(lambda X, net=net: softmax(net.scores(X)), X, Y, scores=net.scores)
        assert report.ok and report.findings == [], str(report)
        alone = bn.doctor_forward(lambda X, net=net: softmax(net.scores(X)), X, Y)
        assert alone.ok  # without the scores, small logits can at most raise the warning


def test_targets_of_one_column_for_two_outputs():
    X, Y = data(0)
    labels = Y.argmax(axis=1)
    forward = lambda X: softmax(ScalarNet(1).scores(X))
    report = bn.doctor_forward(forward, X, labels[:, None])
    assert report.codes == ["targets-not-one-hot"]
    assert "[0.0, 0.0], [1.0, 1.0]" in report.findings[0].cause
    assert bn.doctor_forward(forward, X, labels).ok   # labels (N,): e.g. cross-entropy with labels
    soft = np.full_like(Y, 0.5)
    assert bn.doctor_forward(forward, X, soft).get("targets-not-one-hot").severity == "warning"


def test_probabilities_given_to_a_loss_that_expects_logits():
    X, Y = data(0)
    net = ScalarNet(1)
    probs = lambda X: softmax(net.scores(X))
    labels = Y.argmax(axis=1)
    report = bn.doctor_forward(probs, X, labels, loss=bn.SoftmaxCrossEntropy())
    assert report.codes == ["probabilities-as-logits"]
    right = lambda out, y: -np.mean(np.log(out[np.arange(len(y)), y]))
    assert bn.doctor_forward(probs, X, labels, loss=right).ok
    assert bn.doctor_forward(net.scores, X, labels, loss=bn.SoftmaxCrossEntropy()).ok  # logits: fine


def test_a_loss_that_does_not_fall():
    X, Y = data(0)
    net = ScalarNet(1)
    forward = lambda X: softmax(net.scores(X))
    loss = lambda out, y: -np.mean(np.sum(y * np.log(out), axis=1))
    before = {k: getattr(net, k) for k in vars(net)}
    good = bn.doctor_forward(forward, X, Y, loss=loss, step=lambda: net.train_step(X, Y, 0.5), params=net)
    assert good.ok and good.findings == [] and "in 100 steps" in good.context["loss"]
    assert {k: getattr(net, k) for k in vars(net)} == before  # trained a while, then put back
    uphill = ScalarNet(1, "sign")
    bad = bn.doctor_forward(lambda X: softmax(uphill.scores(X)), X, Y, loss=loss,
                            step=lambda: uphill.train_step(X, Y, 0.5), params=uphill)
    assert bad.codes == ["loss-not-falling"] and bad.findings[0].severity == "error"
    with pytest.raises(bn.CheckError, match="needs params="):
        bn.doctor_forward(forward, X, Y, loss=loss, step=lambda: None)


def test_bad_input_is_an_error():
    X, Y = data(0)
    with pytest.raises(bn.CheckError, match="same N"):
        bn.doctor_forward(lambda X: X, X, Y[:2])
    with pytest.raises(bn.CheckError, match=r"\(N, K\) outputs"):
        bn.doctor_forward(lambda X: np.zeros((2, 3, 4)), X, Y)
