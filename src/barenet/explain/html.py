"""Lay an ``Explanation`` out as HTML for a notebook: every matrix and every gradient check a table.

The words and numbers are the text format's (``render.py``): matrices to about 4 significant
digits, with max-pooling winners in [brackets] and bold; each check row gives the chain rule
with its numbers, the formula, barenet and numerical values to 6 digits, the relative error
and a mark, and a row that fails is shaded red.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import numpy as np

from ..nn.tables import html_paragraph, html_table
from .render import intro, mark, numbered, summary, title, val
from .steps import Checks, Math, Matrix, Prose, num

if TYPE_CHECKING:  # annotations only: explanation.py imports this module
    from .explanation import Explanation

CHECK_HEAD = ["element", "chain rule with numbers", "formula", "barenet", "numerical", "rel. error", ""]


def matrix_html(block: Matrix) -> str:
    """A named array as a table: a vector is one row; marked cells read [x] and are bold."""
    a = np.atleast_2d(block.values)
    marked = np.zeros(a.shape, bool) if block.marked is None else np.atleast_2d(block.marked)
    rows = [[f"[{num(x)}]" if m else num(x) for x, m in zip(row, mrow)] for row, mrow in zip(a, marked)]
    note = " (max-pooling winners in [brackets])" if block.marked is not None else ""
    table = html_table([], rows, caption=f"{block.name}{note}", numeric=[True] * a.shape[1])
    # Bold the winners; the brackets already say it in plain text, so this is only emphasis.
    return table.replace(">[", "><b>[").replace("]</td>", "]</b></td>")


def checks_html(block: Checks) -> str:
    rows = [[c.name, c.factors, val(c.formula), val(c.barenet), val(c.numeric), f"{c.error:.1e}", mark(c)]
            for c in block.rows]
    return html_table(CHECK_HEAD, rows, caption=f"Check: {block.rule}",
                      row_classes=["" if c.ok else "bad" for c in block.rows],
                      numeric=[False, False, True, True, True, True, False])


def block_html(block: object) -> str:
    if isinstance(block, Prose):
        return html_paragraph(block.text)
    if isinstance(block, Math):
        return f"<pre>{escape(chr(10).join(block.lines))}</pre>"
    if isinstance(block, Matrix):
        return matrix_html(block)
    return checks_html(block)  # type: ignore[arg-type]


def render_html(e: Explanation) -> str:
    """The whole worked example as one HTML fragment: headings, paragraphs, arithmetic and tables."""
    out = [f"<h3>Worked example: {escape(title(e))}</h3>",
           html_paragraph(intro(e))]
    for phase in ("forward", "backward"):
        out.append(f"<h4>{phase.capitalize()} pass</h4>")
        for i, step in numbered(e):
            if step.phase == phase:
                out.append(f"<h5>{i}. {escape(step.title)}</h5>")
                out += [block_html(block) for block in step.blocks]
    out.append("<h4>Summary</h4>")
    out += [html_paragraph(line, "" if e.ok else "bad") for line in summary(e)]
    return "".join(out)
