"""One forward and one backward pass of the question's network, with every number shown.

    >>> from barenet.explain import explain, render
    >>> e = explain(arch="seed-softmax", sample="X", seed=0)
    >>> e.ok, len(e.checks)              # every gradient element agrees with central differences
    (True, 68)
    >>> print(render(e, "markdown"))     # or "text"

The network is a zoo architecture, built with ``seed``:

    x (6x6) -> conv 3x3 (K, bK) -> z1 (4x4) -> sigmoid -> a1 -> max pool 2 -> pooled (2x2)
      -> flatten f (4) -> Dense W1 (4x2), b1 -> z2 -> sigmoid -> h (2)
      -> seed-softmax: Dense W2 (2x2), b2 -> logits z -> softmax p;  L = -log p[label]
      -> seed-1out:    Dense W2 (2x1), b2 -> z -> sigmoid o;         L = (o - label)^2

The backward pass goes from dL/dz (p - y, or 2 (o - y) o (1 - o)) to dL/dK, checking every
element of every parameter gradient and of every intermediate gradient (dL/dz, dL/dh,
dL/dz2, dL/df, dL/da1, dL/dz1, and dL/do for one output): see ``explain_trace`` for how,
``explain_steps`` and ``explain_backward`` for what each step says, ``explain_render``
for the layout. The result depends only on (arch, sample, seed).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from .data.ox import canonical
from .explain_backward import backward_steps
from .explain_render import RENDERERS
from .explain_steps import CLASSES, Check, Checks, Step, forward_steps
from .explain_trace import trace

ARCHS = ("seed-softmax", "seed-1out")
SAMPLES = CLASSES
FORMATS = tuple(RENDERERS)


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


def _choice(value: object, choices: tuple[str, ...], what: str, upper: bool = False) -> str:
    text = str(value).upper() if upper and isinstance(value, str) else value
    if text not in choices:
        raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(choices)}")
    return text  # type: ignore[return-value]


def explain(arch: str = "seed-softmax", sample: str = "O", seed: int = 0) -> Explanation:
    """Run ``arch`` built from ``seed`` once on the canonical letter ``sample`` ("O" or "X")."""
    arch = _choice(arch, ARCHS, "architecture")
    sample = _choice(sample, SAMPLES, "sample", upper=True)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, received {seed!r}")
    label = SAMPLES.index(sample)
    t = trace(arch, label, int(seed), canonical()[label])
    return Explanation(arch, sample, int(seed), t.loss, t.h, forward_steps(t) + backward_steps(t))


def render(expl: Explanation, fmt: str = "text") -> str:
    """The explanation as terminal text (``"text"``) or a Markdown worked example (``"markdown"``)."""
    return RENDERERS[_choice(fmt, FORMATS, "format")](expl)
