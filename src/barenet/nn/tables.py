"""Small tables for people: plain text for a terminal, HTML for a notebook.

Notebooks call an object's ``_repr_html_`` to show it; the engine's objects (a model's layer
table, a gradient check) build theirs here from data they already hold, with the standard
library only, so the engine still imports nothing but NumPy. The learning tools (doctor,
explain, check) build on the same helpers, so every barenet table looks alike.

Every cell is text and is escaped; markup is added only by these functions. A row may carry a
class name: ``"bad"`` (shaded red), ``"warn"`` (amber), ``"note"`` (blue) or ``"total"`` (bold).
"""

from __future__ import annotations

from html import escape
from typing import Sequence

# Inline styles, not a stylesheet: notebook front ends and code hosts drop <style> blocks
# and class-based CSS unevenly, while a style attribute survives everywhere.
ROW_STYLES = {
    "bad": "background:#fbd5d5",
    "warn": "background:#fdebc8",
    "note": "background:#dde9fb",
    "total": "font-weight:bold;border-top:1px solid #888",
}
_CELL = "text-align:{align};vertical-align:top;padding:1px 8px"  # notebooks right-align cells unless told


def text_table(head: Sequence[str], rows: Sequence[Sequence[object]],
               numeric: Sequence[bool] | None = None) -> list[str]:
    """Lines of aligned text columns (``numeric[i]`` right-aligns column i), no trailing spaces."""
    numeric = list(numeric) if numeric is not None else [False] * len(head)
    table = [[str(c) for c in r] for r in [head, *rows]]
    sizes = [max(len(r[i]) for r in table) for i in range(len(head))]
    return ["  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(r, sizes, numeric)).rstrip()
            for r in table]


def html_table(head: Sequence[str], rows: Sequence[Sequence[object]], *, caption: str = "",
               row_classes: Sequence[str] | None = None, numeric: Sequence[bool] | None = None,
               prose: bool = False) -> str:
    """An HTML table; every cell is escaped. ``numeric[i]`` right-aligns column i; an empty
    ``head`` writes no header row. Numbers and names are set in monospace; a ``prose`` table
    (sentences in its cells) keeps the page's font.

    ``row_classes[j]`` names row j's kind (see ROW_STYLES; "" for none); the class is also
    written out as ``bn-<kind>``, so tests and style sheets can find the row.
    """
    width = len(head) if head else max((len(r) for r in rows), default=0)
    numeric = list(numeric) if numeric is not None else [False] * width
    row_classes = list(row_classes) if row_classes is not None else [""] * len(rows)
    font = "" if prose else ";font-family:monospace"
    out = [f'<table class="barenet" style="border-collapse:collapse;margin-bottom:8px{font}">']
    if caption:
        out.append(f'<caption style="text-align:left;font-weight:bold">{escape(caption)}</caption>')
    if head:  # an empty head (a matrix of numbers) leaves the header row out
        cells = "".join(f'<th style="{_CELL.format(align="right" if n else "left")}">{escape(str(h))}</th>'
                        for h, n in zip(head, numeric))
        out.append(f"<thead><tr>{cells}</tr></thead>")
    out.append("<tbody>")
    for row, kind in zip(rows, row_classes):
        attrs = f' class="bn-{kind}" style="{ROW_STYLES[kind]}"' if kind else ""
        cells = "".join(f'<td style="{_CELL.format(align="right" if n else "left")}">{escape(str(c))}</td>'
                        for c, n in zip(row, numeric))
        out.append(f"<tr{attrs}>{cells}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def html_paragraph(text: str, kind: str = "") -> str:
    """One escaped paragraph, shaded like a row of that kind when ``kind`` is given."""
    style = f' class="bn-{kind}" style="{ROW_STYLES[kind]};padding:4px 8px"' if kind else ""
    return f"<p{style}>{escape(text)}</p>"
