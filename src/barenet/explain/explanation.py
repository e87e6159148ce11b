"""The result of ``explain``: the steps of one pass and what the gradient checks found.

A notebook shows it as HTML tables with every number (``html.py``); ``render`` gives text or
Markdown for a terminal or a page.
"""

from __future__ import annotations

from dataclasses import dataclass

from .html import render_html
from .steps import Check, Checks, Step


@dataclass
class Explanation:
    """The steps of one pass, in order, and what the gradient checks found."""

    arch: str
    sample: str
    seed: int
    loss: float
    h: float  # the finite-difference step used
    steps: list[Step]

    @property
    def checks(self) -> list[Check]:
        """Every checked gradient element, in the order shown."""
        return [row for step in self.steps for block in step.blocks if isinstance(block, Checks)
                for row in block.rows]

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def max_error(self) -> float:
        return max((c.error for c in self.checks), default=0.0)

    def __repr__(self) -> str:
        verdict = "all pass" if self.ok else f"{len(self.failures)} FAIL"
        return (f"<Explanation: {self.arch} on the letter {self.sample}, seed {self.seed}: loss {self.loss:.6g}, "
                f"{len(self.checks)} gradient checks, {verdict}>")

    def _repr_html_(self) -> str:
        return render_html(self)
