"""The gallery: buggy backprop, each bug named with the right code; each correct twin clean.

Every case is a small network written as a learner writes it (check_nets.py): the
question's scalar style, and vectorized NumPy (dense, conv, max and average pooling,
softmax). ``run(case, bug)`` checks the version with the bug; ``run(case, None)`` its
correct twin. docs/check.md shows this table to readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from check_nets import (
    ScalarNet,
    conv_data,
    conv_forward,
    conv_grads,
    conv_loss,
    conv_params,
    data,
    mlp_grads,
    mlp_loss,
    mlp_params,
    mlp_scores,
    mlp_step,
)

import barenet as bn


@dataclass
class Case:
    id: str
    bug: str            # the switch in check_nets.py
    code: str           # the finding the check must name
    params: tuple       # the parameters the finding must name (empty: every one checked)
    run: Callable[[str | None], bn.GradientReport]


def scalar_grads(bug, loss="ce"):
    X, Y = data(0)
    net = ScalarNet(1, bug, loss)
    return bn.check_gradients(lambda: net.loss(X, Y), net, lambda: net.grads(X, Y),
                              scores=lambda: net.scores(X), y=Y)


def scalar_step(bug):
    X, Y = data(0)
    net = ScalarNet(1, bug)
    return bn.check_step(lambda: net.train_step(X, Y, 0.1), net, lambda: net.loss(X, Y), lr=0.1,
                         scores=lambda: net.scores(X), y=Y)


def mlp(bug, kind="ce", dtype=np.float64):
    X, Y = data(2, n=6, k=3)
    P = mlp_params(3, dtype=dtype)
    return bn.check_gradients(lambda p: mlp_loss(p, X, Y, kind, dtype), P,
                              lambda p: mlp_grads(p, X, Y, kind, bug, dtype),
                              scores=lambda p: mlp_scores(p, X, dtype)[0], y=Y)


def mlp_sgd(bug):
    X, Y = data(2, n=6, k=3)
    P = mlp_params(3)
    return bn.check_step(lambda: mlp_step(P, X, Y, 0.05, bug), P, lambda: mlp_loss(P, X, Y), lr=0.05,
                         scores=lambda: mlp_scores(P, X)[0], y=Y)


def conv(bug, pool=None):
    X, Y = conv_data(4)
    P = conv_params(5, pool=pool)
    return bn.check_gradients(lambda p: conv_loss(p, X, Y, pool), P, lambda p: conv_grads(p, X, Y, pool, bug),
                              scores=lambda p: conv_forward(p, X, pool)[0], y=Y)


HIDDEN = ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2")
CASES = [
    Case("scalar: the chain rule not summed over outputs", "shape", "shape", HIDDEN, scalar_grads),
    Case("scalar: a stray 2 in dL/ds", "factor", "factor", (), scalar_grads),
    Case("scalar: the step goes uphill (+=)", "sign", "sign", (), scalar_step),
    Case("scalar: b1 never updated", "zero-gradient", "zero-gradient", ("b1",), scalar_step),
    Case("scalar: h1 hears only s1, h2 only s2", "partial-path", "partial-path", HIDDEN, scalar_grads),
    Case("scalar: softmax derivative's diagonal", "softmax-diagonal", "softmax-diagonal", (), scalar_grads),
    Case("scalar: p - y with MSE", "wrong-loss-derivative", "wrong-loss-derivative", (),
         lambda bug: scalar_grads(bug, "mse")),
    Case("scalar: batch sum for a mean loss", "batch-scale", "batch-scale", (), scalar_grads),
    Case("dense: no 1/N for a mean loss", "batch-scale", "batch-scale", (), mlp),
    Case("dense: y - p", "sign", "sign", (), mlp),
    Case("dense: W += lr * dW", "sign", "sign", (), mlp_sgd),
    Case("dense: dW1 = dz1.T @ X", "transposed", "shape", ("W1",), mlp),
    Case("dense: db2 not summed over the batch", "per-sample", "shape", ("b2",), mlp),
    Case("dense: db1 forgotten", "zero-gradient", "zero-gradient", ("b1",), mlp),
    Case("dense: dh from the first output only", "partial-path", "partial-path", ("W1", "b1"), mlp),
    Case("softmax: the Jacobian's diagonal, with cross-entropy", "softmax-diagonal", "softmax-diagonal", (), mlp),
    Case("softmax: no derivative, with MSE", "softmax-skipped", "softmax-skipped", (),
         lambda bug: mlp(bug, "mse")),
    Case("softmax: p - y with MSE", "wrong-loss-derivative", "wrong-loss-derivative", (),
         lambda bug: mlp(bug, "mse")),
    Case("dense float32: no 1/N", "batch-scale", "batch-scale", (), lambda bug: mlp(bug, dtype=np.float32)),
    Case("conv: dW averaged over positions", "conv-mean", "factor", ("Wc",), conv),
    Case("conv: db forgotten", "zero-gradient", "zero-gradient", ("bc",), conv),
    Case("max pooling: gradient divided by the window", "pool-factor", "factor", ("Wc", "bc"),
         lambda bug: conv(bug, "max")),
    Case("average pooling: the 1/4 forgotten", "pool-factor", "factor", ("Wc", "bc"),
         lambda bug: conv(bug, "avg")),
]
IDS = [c.id for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_bug_is_named(case):
    report = case.run(case.bug)
    assert not report.ok
    assert set(report.codes) == {case.code}, str(report)
    named = {p for f in report.findings for p in f.params}
    assert named == set(case.params or (r.name for r in report.rows)), str(report)
    assert all(f.cause and f.fix for f in report.findings)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_correct_twin_has_no_finding(case):
    report = case.run(None)
    assert report.ok, str(report)
    assert report.findings == [] and not report.bad()


def test_the_gallery_is_big_enough():
    styles = {c.id.split(":")[0].split()[0] for c in CASES}
    assert len(CASES) >= 12 and {"scalar", "dense", "conv", "max", "average", "softmax"} <= styles
    assert {c.code for c in CASES} >= {"factor", "batch-scale", "sign", "zero-gradient", "shape", "partial-path",
                                       "softmax-diagonal", "wrong-loss-derivative"}
