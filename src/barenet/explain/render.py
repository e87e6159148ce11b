"""Lay an ``Explanation`` out as terminal text or as Markdown (``html.py`` does HTML).

All formats show the same numbers: matrices to about 4 significant digits, the three
versions of each gradient to 6, and one mark per checked value, "✓" when it passes and
"✗" when it does not. No other line uses either mark, so counting them counts checks.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np

from .steps import TOL, Check, Checks, Math, Matrix, Prose, Step, num

if TYPE_CHECKING:  # annotations only: the Explanation shows itself through html.py, which builds on this module
    from .explanation import Explanation

PASS, FAIL = "✓", "✗"


def val(v: float) -> str:
    return f"{float(v) + 0.0:.6g}"


def mark(check: Check) -> str:
    return PASS if check.ok else FAIL


def matrix_lines(values: np.ndarray, marked: np.ndarray | None = None) -> list[str]:
    """Rows of right-aligned numbers; marked cells in [brackets]. A vector is one row."""
    a = np.atleast_2d(values)
    m = np.zeros(a.shape, bool) if marked is None else np.atleast_2d(marked)
    cells = [[f"[{num(x)}]" if w else f" {num(x)} " for x, w in zip(row, mrow)] for row, mrow in zip(a, m)]
    width = max(len(c) for row in cells for c in row)
    return [" ".join(c.rjust(width) for c in row).rstrip() for row in cells]


def title(e: Explanation) -> str:
    """What was run, in a few words; an explanation of the learner's own numbers says it itself."""
    return getattr(e, "title", None) or f"{e.arch} on the letter {e.sample} (seed {e.seed})"


def intro(e: Explanation) -> str:
    if getattr(e, "intro", None):
        return e.intro  # type: ignore[attr-defined]
    return (f"One forward and one backward pass of the {e.arch} network on the letter {e.sample}, with the "
            f"weights it gets from seed {e.seed}. Every gradient is computed three ways: by the chain rule "
            f"written out (formula), by barenet's own backward pass (barenet), and by central differences "
            f"of the loss in float64 (numerical, 5-point stencil, h = {e.h:.2g}). The last column marks a "
            f"value that passes: formula and barenet both within a relative error of {TOL:g} of the "
            f"numerical derivative.")


def summary(e: Explanation) -> list[str]:
    n, bad = len(e.checks), len(e.failures)
    verdict = (f"all {n} gradient values agree" if not bad else
               f"{bad} of {n} gradient values DISAGREE (the rows marked with a cross)")
    return [f"Loss L = {e.loss:.6g}",
            f"Gradient check: {verdict}; largest relative error {e.max_error:.1e} (tolerance {TOL:g})."]


# -- text ----------------------------------------------------------------------------
def _text_checks(block: Checks) -> list[str]:
    head = ("element", "chain rule with numbers", "formula", "barenet", "numerical", "rel. error")
    rows = [(c.name, c.factors, val(c.formula), val(c.barenet), val(c.numeric), f"{c.error:.1e}", mark(c))
            for c in block.rows]
    w0 = max(len(head[0]), *(len(r[0]) for r in rows))
    w1 = max(len(head[1]), *(len(r[1]) for r in rows))
    line = lambda r: f"    {r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]:>12} {r[3]:>12} {r[4]:>12}  {r[5]:>10}"  # noqa: E731
    return [f"  {block.rule}", line(head)] + [line(r) + f"  {r[6]}" for r in rows]


def _text_block(block: object) -> list[str]:
    if isinstance(block, Prose):
        return textwrap.wrap(block.text, 92, initial_indent="  ", subsequent_indent="  ")
    if isinstance(block, Math):
        return [f"  {line}" for line in block.lines]
    if isinstance(block, Matrix):
        if np.ndim(block.values) == 1:
            return [f"  {block.name} = [{', '.join(num(v) for v in block.values)}]"]
        return [f"  {block.name} ="] + [f"      {line}" for line in matrix_lines(block.values, block.marked)]
    return _text_checks(block)  # type: ignore[arg-type]


def numbered(e: Explanation) -> list[tuple[int, Step]]:
    return list(enumerate(e.steps, start=1))


def render_text(e: Explanation) -> str:
    head = f"barenet explain: {title(e)}"
    out = [head, "=" * len(head)] + textwrap.wrap(intro(e), 92)
    for phase in ("forward", "backward"):
        out += ["", f"{phase.upper()} PASS", ""]
        for i, step in numbered(e):
            if step.phase == phase:
                heading = f"{i}. {step.title}"
                out += [heading, "-" * len(heading)]
                for block in step.blocks:
                    out += _text_block(block) + [""]
    out += ["SUMMARY"] + [f"  {line}" for line in summary(e)]
    return "\n".join(out) + "\n"


# -- markdown ------------------------------------------------------------------------
def _md_checks(block: Checks) -> list[str]:
    out = [f"Check: `{block.rule}`", "",
           "| element | chain rule with numbers | formula | barenet | numerical | rel. error | |",
           "|---|---|--:|--:|--:|--:|:-:|"]
    for c in block.rows:
        out.append(f"| `{c.name}` | `{c.factors}` | {val(c.formula)} | {val(c.barenet)} | "
                   f"{val(c.numeric)} | {c.error:.1e} | {mark(c)} |")
    return out


def _md_block(block: object) -> list[str]:
    if isinstance(block, Prose):
        return [block.text]
    if isinstance(block, Math):
        return ["```text", *block.lines, "```"]
    if isinstance(block, Matrix):
        if np.ndim(block.values) == 1:
            return [f"`{block.name} = [{', '.join(num(v) for v in block.values)}]`"]
        note = " (winners of max pooling in [brackets])" if block.marked is not None else ""
        return [f"`{block.name}`{note}:", "", "```text", *matrix_lines(block.values, block.marked), "```"]
    return _md_checks(block)  # type: ignore[arg-type]


def render_markdown(e: Explanation) -> str:
    out = [f"# Worked example: {title(e)}", "", intro(e), ""]
    for phase in ("forward", "backward"):
        out += [f"## {phase.capitalize()} pass", ""]
        for i, step in numbered(e):
            if step.phase == phase:
                out += [f"### {i}. {step.title}", ""]
                for block in step.blocks:
                    out += _md_block(block) + [""]
    out += ["## Summary", ""] + [f"- {line}" for line in summary(e)]
    return "\n".join(out) + "\n"

