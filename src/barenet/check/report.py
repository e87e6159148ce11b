"""What a check found: one Row per parameter element, Findings that name the bugs.

``str(report)`` is the text ``barenet check`` prints: a table of the gradients, then each
finding with its cause and its fix. ``report.to_dict()`` is the same as plain JSON data.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from typing import Any


from .._jsonable import plain
from .html import report_html

WIDTH = 88          # text width of the printed report
ROWS_SHOWN = 8      # a parameter with more elements shows its worst ones


@dataclass
class Finding:
    """A named bug: ``code`` (e.g. ``"partial-path"``), the parameters it concerns, its
    cause in one sentence and the fix. ``severity`` is "error", or "warning" for a doubt."""

    code: str
    params: tuple[str, ...]
    cause: str
    fix: str
    severity: str = "error"
    data: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        head = f"[{self.code}]" + (f" {', '.join(self.params)}" if self.params else "")
        if self.severity != "error":
            head += f" ({self.severity})"
        lines = textwrap.wrap(head, WIDTH, subsequent_indent="    ")
        for label, text in (("Cause: ", self.cause), ("Fix: ", self.fix)):
            lines.append(textwrap.fill(text, WIDTH, initial_indent="    " + label,
                                       subsequent_indent=" " * (4 + len(label))))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": list(self.params), "cause": self.cause, "fix": self.fix,
                "severity": self.severity, "data": plain(self.data)}


@dataclass
class Row:
    """One checked element: the learner's (analytic) value against the numerical one."""

    name: str
    index: tuple[int, ...]
    analytic: float      # nan when the gradient has the wrong shape
    numerical: float
    ok: bool

    @property
    def label(self) -> str:
        return self.name + (f"[{', '.join(map(str, self.index))}]" if self.index else "")

    @property
    def ratio(self) -> float:
        """analytic / numerical (nan when the numerical value is 0)."""
        return self.analytic / self.numerical if self.numerical != 0 else math.nan

    @property
    def rel_error(self) -> float:
        """|a - n| / max(|a|, |n|), 0 when both are 0."""
        if math.isnan(self.analytic):
            return math.nan
        scale = max(abs(self.analytic), abs(self.numerical))
        return abs(self.analytic - self.numerical) / scale if scale > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "index": list(self.index), "analytic": _num(self.analytic),
                "numerical": self.numerical, "ratio": _num(self.ratio), "rel_error": _num(self.rel_error),
                "ok": self.ok}


@dataclass
class GradientReport:
    """The result of :func:`check_gradients` or :func:`check_step`.

    ``ok`` is True when every checked value agrees and nothing was found. ``tolerance``
    states the rule used; ``skipped`` names what was not checked and why; ``notes`` say
    which diagnoses could not run.
    """

    rows: list[Row]
    findings: list[Finding]
    precision: str
    tolerance: str
    mode: str = "gradients"            # or "step"
    shapes: dict[str, tuple] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows) and not any(f.severity == "error" for f in self.findings)

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def get(self, code: str) -> Finding | None:
        return next((f for f in self.findings if f.code == code), None)

    def bad(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "mode": self.mode, "precision": self.precision, "tolerance": self.tolerance,
                "shapes": {k: list(v) for k, v in self.shapes.items()}, "skipped": dict(self.skipped),
                "notes": list(self.notes), "rows": [r.to_dict() for r in self.rows],
                "findings": [f.to_dict() for f in self.findings]}

    @property
    def headline(self) -> str:
        """``barenet check: 12 of 20 gradient values disagree; 1 finding``, or that all agree."""
        what = "gradient values" if self.mode == "gradients" else "values of the step's gradient"
        if self.ok:
            return f"barenet check: all {len(self.rows)} {what} agree with the numerical ones"
        return (f"barenet check: {len(self.bad())} of {len(self.rows)} {what} disagree; "
                f"{len(self.findings)} finding{'s' if len(self.findings) != 1 else ''}")

    def _repr_html_(self) -> str:
        """For notebooks: the headline, the table with disagreeing rows shaded, the findings."""
        return report_html(self, self.headline, ROWS_SHOWN)

    def __str__(self) -> str:
        head = self.headline
        parts = [head, textwrap.fill(f"({self.tolerance})", WIDTH), self.table()]
        parts += [textwrap.fill(f"Not checked: {k} ({v})", WIDTH, subsequent_indent="    ")
                  for k, v in self.skipped.items()]
        parts += [textwrap.fill(f"Note: {n}", WIDTH, subsequent_indent="    ") for n in self.notes]
        parts += [str(f) for f in self.findings]
        return "\n\n".join(p for p in parts if p)

    def table(self) -> str:
        """Rows grouped by parameter; a big parameter shows its worst ROWS_SHOWN rows."""
        shown: list[Row | str] = []
        for name in dict.fromkeys(r.name for r in self.rows):
            rows = [r for r in self.rows if r.name == name]
            if len(rows) > ROWS_SHOWN:
                worst = sorted(rows, key=lambda r: (r.ok, -_sortable(r.rel_error)))[:ROWS_SHOWN]
                n_bad = sum(not r.ok for r in rows)
                more = f"  ... {len(rows) - ROWS_SHOWN} more of {name} ({n_bad} of {len(rows)} disagree in all)"
                shown += [*worst, more]
            else:
                shown += rows
        width = max([len("parameter")] + [len(r.label) for r in shown if isinstance(r, Row)])
        lines = [f"  {'parameter':<{width}}  {'analytic':>11}  {'numerical':>11}  {'ratio':>8}  {'rel.error':>9}"]
        for r in shown:
            if isinstance(r, str):
                lines.append(r)
                continue
            shape = self.shapes.get(r.name)
            a = f"{r.analytic:11.6f}" if not math.isnan(r.analytic) else f"{'shape ' + str(shape):>11}"
            lines.append(f"  {r.label:<{width}}  {a}  {r.numerical:11.6f}  {_fmt(r.ratio, '8.3f')}  "
                         f"{_fmt(r.rel_error, '9.1e')}  {'ok' if r.ok else 'BAD'}")
        return "\n".join(lines)


def _fmt(x: float, spec: str) -> str:
    width = int(spec.split(".")[0])
    return format(x, spec) if math.isfinite(x) else "-".rjust(width)


def _sortable(x: float) -> float:
    return x if math.isfinite(x) else math.inf


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None
