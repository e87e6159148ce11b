"""The doctor's findings and the report that holds them, as text and as JSON-ready data."""

from __future__ import annotations

import textwrap
from html import escape
from dataclasses import dataclass, field
from typing import Any


from .._jsonable import plain
from ..nn.tables import html_paragraph, html_table

SEVERITIES = ("error", "warning", "info")
WIDTH = 88  # text width of the printed report
HEADINGS = {"error": "Errors", "warning": "Warnings", "info": "Notes"}
ROW_KIND = {"error": "bad", "warning": "warn", "info": "note"}  # shading of each severity's rows


@dataclass
class Finding:
    """One problem (or note): what it is, why it matters, and what to do."""

    severity: str
    code: str
    title: str
    explanation: str
    fix: str
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"Finding: severity must be one of {SEVERITIES}, received {self.severity!r}")

    def __str__(self) -> str:
        lines = [f"[{self.severity}] {self.code}: {self.title}"]
        for label, text in (("Why: ", self.explanation), ("Fix: ", self.fix)):
            lines.append(textwrap.fill(text, WIDTH, initial_indent="    " + label,
                                       subsequent_indent=" " * (4 + len(label))))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "code": self.code, "title": self.title,
                "explanation": self.explanation, "fix": self.fix, "data": plain(self.data)}


@dataclass
class Report:
    """The doctor's findings, errors first; ``str(report)`` is the text a person reads."""

    findings: list[Finding] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)  # what was examined, e.g. {"loss": "MSE()"}

    def add(self, severity: str, code: str, title: str, explanation: str, fix: str, **data: Any) -> Finding:
        finding = Finding(severity, code, title, explanation, fix, data)
        self.findings.append(finding)
        return finding

    @property
    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: SEVERITIES.index(f.severity))

    @property
    def codes(self) -> list[str]:
        """The finding codes, errors first: ``"double-squash" in report.codes``."""
        return [f.code for f in self.sorted]

    def of(self, severity: str) -> list[Finding]:
        return [f for f in self.sorted if f.severity == severity]

    @property
    def ok(self) -> bool:
        """True when there is no error and no warning (notes are allowed)."""
        return not any(f.severity in ("error", "warning") for f in self.findings)

    def get(self, code: str) -> Finding | None:
        return next((f for f in self.findings if f.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "context": dict(self.context), "findings": [f.to_dict() for f in self.sorted]}

    @property
    def headline(self) -> str:
        """``barenet doctor: 2 errors, 3 warnings, 2 notes``, and a word of cheer when it is ok."""
        counts = [plural(len(self.of(s)), name) for s, name in zip(SEVERITIES, ("error", "warning", "note"))]
        return f"barenet doctor: {', '.join(counts)}" + (" - nothing stands in the way of training" if self.ok else "")

    def _repr_html_(self) -> str:
        """For notebooks: the headline, what was examined, then one table per severity, errors first."""
        out = [f"<h4>{escape(self.headline)}</h4>"]
        if self.context:
            out.append(html_table(["examined", ""], list(self.context.items())))
        for severity in SEVERITIES:
            found = self.of(severity)
            if found:
                rows = [[f.code, f.title, f.explanation, f.fix] for f in found]
                out.append(html_table(["code", "finding", "why", "fix"], rows,
                                      caption=f"{HEADINGS[severity]} ({len(found)})",
                                      row_classes=[ROW_KIND[severity]] * len(found), prose=True))
        if not self.findings:
            out.append(html_paragraph("No findings."))
        return "".join(out)

    def __str__(self) -> str:
        head = self.headline
        pad = max((len(k) for k in self.context), default=0) + 2
        lines = [head] + [textwrap.fill(v, WIDTH, initial_indent=f"  {k + ':':<{pad}}",
                                        subsequent_indent=" " * (2 + pad)) for k, v in self.context.items()]
        return "\n\n".join(["\n".join(lines)] + [str(f) for f in self.sorted])


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
