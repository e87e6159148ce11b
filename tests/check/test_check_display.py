"""A GradientReport in a notebook: the verdict, the gradient table with the disagreeing rows shaded,
and the findings with cause and fix."""

from __future__ import annotations

import numpy as np
from html_helpers import read

import barenet as bn

rng = np.random.default_rng(0)
X = rng.random((8, 4))
Y = np.eye(2)[rng.integers(0, 2, size=8)]


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def net(width=2):
    r = np.random.default_rng(1)
    return {"W1": r.normal(0, 0.5, (4, width)), "b1": np.zeros(width), "W2": r.normal(0, 0.5, (width, 2)),
            "b2": np.zeros(2)}


def forward(p):
    h = 1 / (1 + np.exp(-(X @ p["W1"] + p["b1"])))
    return h, h @ p["W2"] + p["b2"]


def loss(p):
    return float(-np.mean(np.sum(Y * np.log(softmax(forward(p)[1])), axis=1)))


def grads(p, diagonal_only=False):
    h, z = forward(p)
    P = softmax(z)
    dz = (-Y / P / len(X)) * P * (1 - P) if diagonal_only else (P - Y) / len(X)
    da = dz @ p["W2"].T * h * (1 - h)
    return {"W2": h.T @ dz, "b2": dz.sum(axis=0), "W1": X.T @ da, "b1": da.sum(axis=0)}


def check(p, **kwargs):
    return bn.check_gradients(loss, p, grads(p, **kwargs), scores=lambda q: forward(q)[1], y=Y)


def test_a_softmax_diagonal_bug_shades_its_rows_and_names_the_bug():
    report = check(net(), diagonal_only=True)
    page = read(report._repr_html_())
    assert page.texts[0] == ("h4", "", report.headline) and "disagree" in report.headline
    table, findings = page.tables
    assert table.head == ["parameter", "analytic", "numerical", "ratio", "rel. error", "verdict"]
    assert len(table.rows) == len(report.rows) == 16  # 8 + 2 + 4 + 2 elements, all shown
    assert [r.kind == "bad" for r in table.rows] == [r.cells[-1] == "BAD" for r in table.rows]
    assert [r.cells[0] for r in table.rows if r.kind == "bad"] == [r.label for r in report.bad()]
    first = report.rows[0]
    assert float(table.rows[0].cells[2]) == float(f"{first.numerical:.6g}")
    assert findings.caption == "Findings" and findings.head == ["finding", "parameters", "cause", "fix"]
    assert findings.rows[0].cells[:2] == ["softmax-diagonal", "W1, b1, W2, b2"] and findings.rows[0].kind == "bad"
    assert findings.rows[0].cells[2] == report.get("softmax-diagonal").cause


def test_correct_gradients_show_no_shaded_row_and_no_findings():
    report = check(net())
    page = read(report._repr_html_())
    assert page.texts[0][2].startswith("barenet check: all 16 gradient values agree")
    (table,) = page.tables
    assert {r.kind for r in table.rows} == {""} and {r.cells[-1] for r in table.rows} == {"ok"}


def test_a_big_parameter_shows_its_worst_rows_and_counts_the_rest():
    report = check(net(width=30), diagonal_only=True)  # W1 has 120 elements, 100 checked
    rows = read(report._repr_html_()).tables[0].rows
    w1 = [r for r in rows if r.cells[0].startswith("W1")]
    assert len(w1) == 8 and rows[8].cells[0] == "... 92 more of W1"
    assert rows[8].cells[4].endswith("of 100 bad")
