"""The worked example in a notebook: HTML headings per step, matrices and gradient checks as tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from html_helpers import read

from barenet.explain import explain, explain_own, render
from barenet.nn.layers import Sigmoid

PASS, FAIL = "✓", "✗"


def checks_tables(page):
    return [t for t in page.tables if t.caption.startswith("Check: ")]


def test_every_step_is_a_heading_and_every_check_a_table_row():
    e = explain("seed-softmax", "O", seed=0)
    html = e._repr_html_()
    assert html == render(e, "html")
    page = read(html)
    headings = [text for tag, _, text in page.texts if tag in ("h3", "h4", "h5")]
    assert headings[:3] == ["Worked example: seed-softmax on the letter O (seed 0)", "Forward pass", "1. Input"]
    steps = [h for h in headings if h[0].isdigit()]
    assert steps == [f"{i}. {s.title}" for i, s in enumerate(e.steps, start=1)]
    assert headings.index("Backward pass") == headings.index(f"10. {e.steps[9].title}") - 1
    rows = [r for t in checks_tables(page) for r in t.rows]
    assert len(rows) == len(e.checks) == 68
    assert [r.cells[0] for r in rows] == [c.name for c in e.checks]
    assert {r.cells[-1] for r in rows} == {PASS} and {r.kind for r in rows} == {""}
    assert checks_tables(page)[0].head == ["element", "chain rule with numbers", "formula", "barenet", "numerical",
                                           "rel. error", ""]
    first = e.checks[0]  # dL/dz[0] = p[0] - 1, the softmax cross-entropy gradient
    assert rows[0].cells[:2] == ["dL/dz[0]", first.factors] and float(rows[0].cells[4]) == pytest.approx(
        first.numeric, rel=1e-5)
    assert page.texts[-1] == ("p", "", f"Gradient check: all 68 gradient values agree; largest relative error "
                                       f"{e.max_error:.1e} (tolerance 1e-06).")


def test_matrices_are_number_tables_with_the_pooling_winners_marked():
    e = explain("seed-softmax", "X", seed=0)
    page = read(render(e, "html"))
    x = next(t for t in page.tables if t.caption == "x")
    assert x.head == [] and len(x.rows) == 6 and all(len(r.cells) == 6 for r in x.rows)
    assert np.array([[float(c) for c in r.cells] for r in x.rows]).sum() == 12  # the X's ink: two diagonals
    pooled = next(t for t in page.tables if "max-pooling winners" in t.caption)
    marked = [c for r in pooled.rows for c in r.cells if c.startswith("[")]
    assert len(marked) == 4  # one winner per 2x2 window of the 4x4 map
    assert "<b>[" in render(e, "html")


def test_failing_checks_are_shaded_and_the_summary_says_how_many(monkeypatch):
    monkeypatch.setattr(Sigmoid, "backward", lambda self, dy: dy * self._need_cache())  # forgets (1 - y)
    e = explain("seed-softmax", "O", seed=0)
    page = read(e._repr_html_())
    rows = [r for t in checks_tables(page) for r in t.rows]
    bad = [r.cells[0] for r in rows if r.kind == "bad"]
    assert bad == [c.name for c in e.failures] and len(bad) > 10
    assert all(r.cells[-1] == FAIL for r in rows if r.kind == "bad")
    summary = [text for tag, kind, text in page.texts if kind == "bad"]
    assert f"{len(bad)} of 68 gradient values DISAGREE" in summary[-1]


def test_the_learners_own_numbers_show_their_own_title_and_checks():
    e = explain_own("question", "O", inputs=[0.46931818, 0.44129729, 0.54988949, 0.54295118],
                    weights=str(Path(__file__).parents[2] / "examples" / "question_weights.json"))
    page = read(e._repr_html_())
    assert page.texts[0] == ("h3", "", f"Worked example: {e.title}")
    rows = [r for t in checks_tables(page) for r in t.rows]
    assert [r.cells[0] for r in rows] == [c.name for c in e.checks] and len(rows) == 28
