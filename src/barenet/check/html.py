"""A GradientReport as HTML for a notebook: the verdict, the gradient table with the rows that
disagree shaded, and each finding with its cause and fix (``nn/tables.py`` builds the tables).

It reads the report's fields only (duck typing), so ``report.py`` can use it without a circle.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from ..nn.tables import html_paragraph, html_table

HEAD = ["parameter", "analytic", "numerical", "ratio", "rel. error", "verdict"]


def _cell(x: float, spec: str) -> str:
    return format(x, spec) if math.isfinite(x) else "-"


def gradient_rows(report: Any, shown: int) -> tuple[list[list[str]], list[str]]:
    """Cells and row kinds: per parameter every row, or its ``shown`` worst and a count of the rest."""
    cells, kinds = [], []
    for name in dict.fromkeys(r.name for r in report.rows):
        rows = [r for r in report.rows if r.name == name]
        picked = rows if len(rows) <= shown else sorted(
            rows, key=lambda r: (r.ok, -(r.rel_error if math.isfinite(r.rel_error) else math.inf)))[:shown]
        for r in picked:
            analytic = _cell(r.analytic, ".6g") if not math.isnan(r.analytic) else f"shape {report.shapes.get(name)}"
            cells.append([r.label, analytic, _cell(r.numerical, ".6g"), _cell(r.ratio, ".4g"),
                          _cell(r.rel_error, ".1e"), "ok" if r.ok else "BAD"])
            kinds.append("" if r.ok else "bad")
        if len(picked) < len(rows):
            bad = sum(not r.ok for r in rows)
            cells.append([f"... {len(rows) - shown} more of {name}", "", "", "", f"{bad} of {len(rows)} bad", ""])
            kinds.append("")
    return cells, kinds


def report_html(report: Any, headline: str, shown: int) -> str:
    """The whole report: headline, tolerance, gradient table, what was not checked, findings."""
    out = [f"<h4>{escape(headline)}</h4>", html_paragraph(f"({report.tolerance})")]
    cells, kinds = gradient_rows(report, shown)
    out.append(html_table(HEAD, cells, row_classes=kinds, numeric=[False, True, True, True, True, False]))
    out += [html_paragraph(f"Not checked: {k} ({v})") for k, v in report.skipped.items()]
    out += [html_paragraph(f"Note: {n}") for n in report.notes]
    if report.findings:
        rows = [[f.code, ", ".join(f.params), f.cause, f.fix] for f in report.findings]
        out.append(html_table(["finding", "parameters", "cause", "fix"], rows, caption="Findings",
                              row_classes=["bad" if f.severity == "error" else "warn" for f in report.findings],
                              prose=True))
    return "".join(out)
