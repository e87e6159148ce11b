"""The doctor's report in a notebook: its headline, what it examined, and its findings grouped by severity."""

from __future__ import annotations

from html_helpers import read

from barenet.doctor import Report, question_setup


def test_findings_are_grouped_errors_first_with_why_and_fix():
    report = Report(context={"loss": "MSE()", "data": "<300 samples>"})
    report.add("info", "two-class-softmax", "A two-way softmax", "It equals a sigmoid.", "Fine as it is.")
    report.add("error", "double-squash", "Softmax on top of Sigmoid", "Outputs stay near 0.73.", "Drop the Sigmoid.")
    report.add("warning", "loss-plateau", "The loss barely moved", "0.2532 -> 0.2531.", "Raise the learning rate.")
    report.add("error", "labels-need-one-hot", "Labels as MSE targets", "One column for two outputs.", "One-hot.")
    page = read(report._repr_html_())
    assert page.texts[0] == ("h4", "", "barenet doctor: 2 errors, 1 warning, 1 note")
    examined, *groups = page.tables
    assert [r.cells for r in examined.rows] == [["loss", "MSE()"], ["data", "<300 samples>"]]  # escaped, read back
    assert [g.caption for g in groups] == ["Errors (2)", "Warnings (1)", "Notes (1)"]
    assert groups[0].head == ["code", "finding", "why", "fix"]
    assert groups[0].column("code") == ["double-squash", "labels-need-one-hot"]  # in the order found
    assert groups[0].rows[0].cells[1:] == ["Softmax on top of Sigmoid", "Outputs stay near 0.73.", "Drop the Sigmoid."]
    assert [{r.kind for r in g.rows} for g in groups] == [{"bad"}, {"warn"}, {"note"}]


def test_a_clean_report_says_so_and_shows_no_empty_groups():
    page = read(Report()._repr_html_())
    assert page.texts[0][2] == "barenet doctor: 0 errors, 0 warnings, 0 notes - nothing stands in the way of training"
    assert page.tables == [] and page.texts[1] == ("p", "", "No findings.")


def test_the_questions_setup_shows_its_two_errors_first():
    report = question_setup(0).diagnose(seed=0, probe_steps=0)  # the static checks only: no training
    page = read(report._repr_html_())
    groups = {t.caption.split()[0]: t for t in page.tables[1:]}
    assert groups["Errors"].column("code") == ["double-squash", "labels-need-one-hot"]
    assert "mse-on-softmax" in groups["Warnings"].column("code")
    assert page.texts[0][2] == report.headline == str(report).splitlines()[0]
