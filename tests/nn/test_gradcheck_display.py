"""The gradient check in a notebook: a table with the failing rows highlighted, and findings that say where to look."""

from __future__ import annotations

import numpy as np
from html_helpers import read

import barenet as bn

X = np.random.default_rng(0).random((4, 4))
Y = np.array([0, 1, 1, 0])


class ForgetfulSigmoid(bn.Sigmoid):
    def backward(self, dy):
        return dy * self._cache  # forgot the (1 - y) factor


class SignFlippedDense(bn.Dense):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["W"] = -self.grads["W"]
        return dx


def check(*layers):
    return bn.gradcheck(bn.Sequential(list(layers), seed=0), X, Y, bn.SoftmaxCrossEntropy())


def test_a_correct_network_shows_every_tensor_passing():
    report = check(bn.Dense(4, 2), bn.Sigmoid(), bn.Dense(2, 2))
    table = read(report._repr_html_()).tables[0]
    assert table.head == ["tensor", "shape", "checked", "abs. error", "rel. error", "tolerance", "verdict"]
    assert table.column("tensor") == ["input", "Dense(4, 2) at layer 0.W", "Dense(4, 2) at layer 0.b",
                                      "Dense(2, 2) at layer 2.W", "Dense(2, 2) at layer 2.b"]
    assert table.column("shape")[:2] == ["(4, 4)", "(4, 2)"] and table.column("checked")[:2] == ["16", "8"]
    assert table.column("verdict") == ["ok"] * 5 and {r.kind for r in table.rows} == {""}
    assert all(float(e) < 1e-6 for e in table.column("rel. error"))
    (finding,) = [t for t in read(report._repr_html_()).texts if t[0] == "p"]
    assert finding[2].startswith("All 5 tensors agree with central differences") and finding[1] == ""


def test_a_mistake_in_a_middle_layer_highlights_the_tensors_below_it_and_says_where_to_look():
    report = check(bn.Dense(4, 2), ForgetfulSigmoid(), bn.Dense(2, 2))
    page = read(report._repr_html_())
    rows = page.tables[0].rows
    assert [r.kind for r in rows] == ["bad", "bad", "bad", "", ""]
    assert [r.cells[-1] for r in rows] == ["FAIL", "FAIL", "FAIL", "ok", "ok"]
    said = [text for tag, kind, text in page.texts if tag == "p" and kind == "bad"]
    assert said[0] == ("3 of 5 tensors disagree with central differences (highlighted): input, "
                       "Dense(4, 2) at layer 0.W, Dense(4, 2) at layer 0.b.")
    assert ("the highest failing tensor is Dense(4, 2) at layer 0.b, and Dense(2, 2) at layer 2.W above it passes. "
            "Look at the backward pass of Dense(4, 2) at layer 0 and of the layers between") in said[1]
    assert report.findings == said


def test_a_mistake_at_the_top_points_at_the_loss_and_the_last_layer():
    report = check(bn.Dense(4, 2), bn.Sigmoid(), SignFlippedDense(2, 2))
    assert [r.ok for r in report] == [True, True, True, False, True]  # only the top W is wrong
    assert report.findings[1].startswith("The highest failing tensor, SignFlippedDense(2, 2) at layer 2.W, belongs to "
                                         "the last layer with parameters")
    kinds = [r.kind for r in read(report._repr_html_()).tables[0].rows]
    assert kinds == ["", "", "", "bad", ""]
