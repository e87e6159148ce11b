"""One forward and one backward pass of the question's network, with every number shown.

    >>> from barenet.explain import explain, render
    >>> e = explain(arch="seed-softmax", sample="X", seed=0)
    >>> e.ok, len(e.checks)              # every gradient element agrees with central differences
    (True, 68)
    >>> print(render(e, "markdown"))     # or "text", or "html"; in a notebook, just show e

The network is a zoo architecture, built with ``seed``:

    x (6x6) -> conv 3x3 (K, bK) -> z1 (4x4) -> sigmoid -> a1 -> max pool 2 -> pooled (2x2)
      -> flatten f (4) -> Dense W1 (4x2), b1 -> z2 -> sigmoid -> h (2)
      -> seed-softmax: Dense W2 (2x2), b2 -> logits z -> softmax p;  L = -log p[label]
      -> seed-1out:    Dense W2 (2x1), b2 -> z -> sigmoid o;         L = (o - label)^2

The backward pass goes from dL/dz (p - y, or 2 (o - y) o (1 - o)) to dL/dK, checking every
element of every parameter gradient and of every intermediate gradient (dL/dz, dL/dh,
dL/dz2, dL/df, dL/da1, dL/dz1, and dL/do for one output): see ``trace.py`` for how,
``steps.py`` and ``backward.py`` for what each step says, ``render.py`` (text,
Markdown) and ``html.py`` (HTML; a notebook shows ``e`` itself that way) for the layout. The result depends only on (arch, sample, seed).

``explain_own`` (``own/``) runs the question's dense part on the learner's own input and
weights, in the learner's names (w1 ... w12, b1, b2, h1, h2, o1, o2): the question's network
(``arch="question"``) or barenet's (``"seed-softmax"``). ``render`` lays out both.

Imports: the engine, ``data`` and ``zoo``; never the CLI, the training job or the adapters.
"""

from __future__ import annotations

import numbers

from ..data.ox import canonical
from .backward import backward_steps
from .explanation import Explanation
from .html import render_html
from .own import OwnExplanation, explain_own
from .render import render_markdown, render_text
from .steps import CLASSES, forward_steps
from .trace import trace

RENDERERS = {"text": render_text, "markdown": render_markdown, "html": render_html}

ARCHS = ("seed-softmax", "seed-1out")  # explain_own (own/) adds "question" for the learner's own numbers
SAMPLES = CLASSES
FORMATS = tuple(RENDERERS)


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
    """The explanation as terminal text (``"text"``), a Markdown worked example (``"markdown"``) or an
    HTML fragment (``"html"``, what a notebook shows for an Explanation)."""
    return RENDERERS[_choice(fmt, FORMATS, "format")](expl)

__all__ = ["explain", "explain_own", "render", "Explanation", "OwnExplanation", "ARCHS", "SAMPLES", "FORMATS"]
