"""``barenet explain`` on the learner's own numbers, in the learner's own names.

    >>> from barenet.explain import explain_own, render
    >>> e = explain_own("question", "O", inputs=[0.46931818, 0.44129729, 0.54988949, 0.54295118],
    ...                 weights="examples/question_weights.json")
    >>> e.ok, len(e.checks)
    (True, 28)

Two networks share the question's dense part (``trace.py``) and differ in their head:

- ``question``: the question's code as it computes (o = sigmoid(sum_o), y_pred = softmax([o1, o2]),
  L = mse_loss), so a learner can compare every line with their own printout;
- ``seed-softmax``: barenet's answer on the same numbers (o = the sums as logits, softmax and
  cross-entropy).

``inputs`` is 4 pooled values, a 6x6 letter (36 values), or a string or file that
``reading.read_input`` reads; ``weights`` a JSON file or dict of w1 ... w12, b1, b2. Either
may be left out: then the canonical letter of ``sample`` and the weights seed-softmax gets
from ``seed`` stand in. A 6x6 letter passes a fixed convolution front first (K, bK from the
weights when given, else from ``seed``).
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...data.ox import canonical
from ...zoo import get_arch
from ..explanation import Explanation
from ..steps import CLASSES, TOL
from ..trace import HID, OUT, _check_layout
from .reading import DENSE_NAMES, as_input, check_weights, read_weights
from .steps import own_steps
from .trace import HEADS, PARAMS, run_front, trace_own

# arch -> (short name, what it is, where to see the other one)
NETWORKS = {
    "question": ("the question's network",
                 ("the question's second network as its code computes it: sigmoid outputs o1 and o2, a softmax "
                  "over them, and the mean squared error"),
                 "--arch seed-softmax shows barenet's network on the same numbers: logits, softmax and cross-entropy."),
    "seed-softmax": ("barenet's network",
                     ("barenet's network for the question (its seed-softmax): o1 and o2 are logits, then softmax "
                      "and cross-entropy"),
                     "--arch question shows the question's own network: sigmoid outputs, softmax, mean squared error."),
}


@dataclass
class OwnExplanation(Explanation):
    """An Explanation that says in its own words what was run (``title``, ``intro``)."""

    title: str = ""
    intro: str = ""


def _seed_weights(seed: int) -> tuple[dict[str, float], np.ndarray, float]:
    """The 14 numbers, and the front's K and bK, that seed-softmax gets from ``seed``."""
    model = get_arch("seed-softmax").build((1, 6, 6), 2, seed=seed)
    _check_layout(model, "seed-softmax")  # the layers are read by position
    layer = {0: model.layers[HID], 2: model.layers[OUT]}  # barenet's W1, b1 and W2
    w = {name: float(layer[i].params[key][ix]) for name, (i, key, ix) in PARAMS.items()}
    conv = model.layers[0].params
    return w, conv["W"][0, 0].astype(np.float64), float(conv["b"][0])


def _weights(weights: Any, seed: int) -> tuple[dict[str, Any], str]:
    if weights is None:
        w, K, bK = _seed_weights(seed)
        return {**w, "K": K, "bK": bK}, f"seed {seed} (the weights barenet's seed-softmax starts from)"
    if isinstance(weights, (str, os.PathLike)):
        return read_weights(os.fspath(weights)), f"the file {os.fspath(weights)}"
    return check_weights(weights), "the weights given"


def _intro(head: str, input_source: str, weights_source: str, h: float) -> str:
    _, network, other = NETWORKS[head]
    return (f"One forward and one backward pass of {network}, on {input_source}, with the weights from "
            f"{weights_source}. The names are the question's (w1 ... w12, b1, b2, h1, h2, o1, o2, y_pred); "
            "barenet's names for the same numbers stand beside them. Every gradient is computed three ways: "
            "by the chain rule with these scalars (formula), by barenet's own backward pass on the same "
            "numbers held as matrices (barenet), and by central differences of the loss in float64 "
            f"(numerical, 5-point stencil, h = {h:.2g}). The last column marks a value that passes: formula "
            f"and barenet both within a relative error of {TOL:g} of the numerical derivative. {other}")


def explain_own(arch: str = "question", sample: str = "O", seed: int = 0, inputs: Any = None,
                weights: Any = None) -> OwnExplanation:
    """One pass of ``arch`` ("question" or "seed-softmax") on the learner's input and weights.

    ``sample`` ("O" or "X") is the class of the input: the target is its one-hot row.
    """
    if arch not in HEADS:
        raise ValueError(f"unknown architecture {arch!r} for your own numbers; choose one of {', '.join(HEADS)}")
    label_name = str(sample).upper() if isinstance(sample, str) else sample
    if label_name not in CLASSES:
        raise ValueError(f"unknown sample {sample!r}; choose one of {', '.join(CLASSES)}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, received {seed!r}")
    label = CLASSES.index(label_name)
    w, weights_source = _weights(weights, int(seed))
    x = canonical()[label].astype(np.float64) if inputs is None else as_input(inputs)
    input_source = f"the canonical letter {label_name}" if inputs is None else "your input"
    front, front_source = None, ""
    if x.shape == (6, 6):
        if ("K" in w) != ("bK" in w):
            raise ValueError("weights: give the convolution front's K and bK together, or neither")
        if "K" not in w:
            _, K, bK = _seed_weights(int(seed))
            w, front_source = {**w, "K": K, "bK": bK}, f"seed {seed} (barenet's seed-softmax)"
        else:
            front_source = weights_source
        front = run_front(x, w["K"], w["bK"])
        x = front["f"]
    elif weights is not None and ("K" in w or "bK" in w):
        raise ValueError("weights: K and bK are the convolution front of a 6x6 letter; the input is already "
                         "4 pooled values, so leave them out")
    t = trace_own(arch, x, {k: w[k] for k in DENSE_NAMES}, label, front)
    short = NETWORKS[arch][0]
    return OwnExplanation(arch, label_name, int(seed), t.loss, t.h, own_steps(t, weights_source, front_source),
                          title=f"{short}, in the question's names, on an {label_name}",
                          intro=_intro(arch, input_source, weights_source, t.h))


__all__ = ["OwnExplanation", "check_weights", "explain_own", "read_weights"]
