"""The steps of ``barenet explain``: what each one says, shows and checks, as plain data.

A ``Step`` is a title and a list of blocks: ``Prose`` (a paragraph), ``Math`` (lines of
arithmetic), ``Matrix`` (a named array, optionally with marked cells) and ``Checks`` (one
``Check`` per gradient element: the chain rule with its numbers, then the formula,
barenet and numerical values). Renderers (``render.py``) only lay these out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import numpy as np

from .trace import Trace

TOL = 1e-6  # a gradient value passes when its relative error is below this
CLASSES = ("O", "X")


def rel_error(a: float, n: float) -> float:
    """|a - n| / max(|a|, |n|), and 0 when both are equal (a zero gradient checked as zero)."""
    return 0.0 if a == n else abs(a - n) / max(abs(a), abs(n))


@dataclass(frozen=True)
class Prose:
    text: str


@dataclass(frozen=True)
class Math:
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Matrix:
    name: str
    values: np.ndarray
    marked: np.ndarray | None = None  # bool mask of cells to highlight (max-pool winners)


@dataclass(frozen=True)
class Check:
    """One gradient element: its name, its chain-rule factors and three values of it."""

    name: str
    factors: str
    formula: float
    barenet: float
    numeric: float

    @property
    def error(self) -> float:
        return max(rel_error(self.formula, self.numeric), rel_error(self.barenet, self.numeric))

    @property
    def ok(self) -> bool:
        return self.error < TOL


@dataclass(frozen=True)
class Checks:
    rule: str  # the general chain rule, e.g. "dL/dW2[i,j] = h[i] * dL/dz[j]"
    rows: tuple[Check, ...]


Block = Union[Prose, Math, Matrix, Checks]


@dataclass
class Step:
    phase: str  # "forward" or "backward"
    title: str
    blocks: list[Block]


# -- number formatting ---------------------------------------------------------------
def num(v: float) -> str:
    """About 4 significant digits; -0 prints as 0."""
    return f"{float(v) + 0.0:.4g}"


def fac(v: float) -> str:
    """A number as a factor: negatives in parentheses, so "0.5 * (-0.2)" reads unambiguously."""
    s = num(v)
    return f"({s})" if s.startswith("-") else s


def vec(a: np.ndarray) -> str:
    a = np.ravel(a)
    return num(a[0]) if a.size == 1 else "[" + ", ".join(num(v) for v in a) + "]"


def _names(label: str, shape: tuple) -> list[str]:
    """Element names: "dL/dW2[0,1]"; a one-element vector keeps the bare name ("dL/dz")."""
    if len(shape) == 1 and shape[0] == 1:
        return [label]
    return [f"{label}[{','.join(str(i) for i in idx)}]" for idx in np.ndindex(*shape)]


def checks(t: Trace, name: str, rule: str, factors: list[str], label: str | None = None) -> Checks:
    """The three versions of dL/d(name), element by element."""
    f, b, n = (np.ravel(d[name]) for d in (t.formula, t.barenet, t.numeric))
    names = _names(label or f"dL/d{name}", np.shape(t.formula[name]))
    return Checks(rule, tuple(Check(*row) for row in zip(names, factors, map(float, f), map(float, b), map(float, n))))


# -- forward pass --------------------------------------------------------------------
def _input(t: Trace) -> Step:
    name = CLASSES[t.label]
    return Step("forward", "Input", [
        Prose(f"The canonical letter {name} from barenet.data.ox: 6x6 pixels, ink = 1 on background = 0. "
              f"Its class is {name}, label {t.label} (classes = ['O', 'X'])."),
        Matrix("x", t.values["x"])])


def _conv(t: Trace) -> Step:
    v = t.values
    K, x, bK, z1 = v["K"], v["x"], v["bK"][0], v["z1"]
    terms = [fac(K[u, w]) + ("" if x[u, w] == 1 else f"*{num(x[u, w])}")
             for u in range(3) for w in range(3) if x[u, w] != 0]
    return Step("forward", "Convolution 3x3", [
        Prose("One 3x3 kernel K slides over the 6x6 input (stride 1, no padding): 6 - 3 + 1 = 4 "
              "positions each way, so the output z1 is 4x4."),
        Math(("z1[i,j] = bK + sum over u,v of K[u,v] * x[i+u, j+v]        (i, j = 0..3; u, v = 0..2)",)),
        Matrix("K", K),
        Math((f"bK = {num(bK)}", "",
              "For z1[0,0] the patch is x[0..2, 0..2]; only its ink pixels (x = 1) add a term:",
              f"z1[0,0] = {num(bK)}" + "".join(f" + {s}" for s in terms) + f" = {num(z1[0, 0])}")),
        Matrix("z1", z1)])


def _conv_sigmoid(t: Trace) -> Step:
    z1, a1 = t.values["z1"], t.values["a1"]
    return Step("forward", "Sigmoid after the convolution", [
        Math(("a1[i,j] = sigmoid(z1[i,j]) = 1 / (1 + e^(-z1[i,j]))",
              f"a1[0,0] = 1 / (1 + e^(-{fac(z1[0, 0])})) = {num(a1[0, 0])}")),
        Matrix("a1", a1)])


def _pool(t: Trace) -> Step:
    a1, pooled = t.values["a1"], t.values["pooled"]
    lines = []
    for r in range(2):
        for c in range(2):
            block = a1[2 * r : 2 * r + 2, 2 * c : 2 * c + 2]
            i, j = np.argwhere(t.winners[2 * r : 2 * r + 2, 2 * c : 2 * c + 2])[0] + (2 * r, 2 * c)
            lines.append(f"pooled[{r},{c}] = max({', '.join(num(v) for v in block.ravel())}) "
                         f"= a1[{i},{j}] = {num(pooled[r, c])}")
    return Step("forward", "Max pooling 2x2", [
        Prose("MaxPool2D(2) keeps the largest value of each 2x2 block of a1. The winners, marked "
              "[like this], are the only positions the backward pass will send a gradient to."),
        Matrix("a1", a1, t.winners), Math(tuple(lines)), Matrix("pooled", pooled)])


def _flatten(t: Trace) -> Step:
    return Step("forward", "Flatten", [
        Math((f"f = [pooled[0,0], pooled[0,1], pooled[1,0], pooled[1,1]] = {vec(t.values['f'])}",)),
        Prose("These are the question's four max-pooled inputs x[0..3]; from here on the network is "
              "the question's dense part.")])


def _hidden(t: Trace) -> Step:
    v = t.values
    lines = []
    for k in range(2):
        terms = " + ".join(f"{fac(v['f'][m])}*{fac(v['W1'][m, k])}" for m in range(4))
        lines += [f"z2[{k}] = {terms} + {fac(v['b1'][k])} = {num(v['z2'][k])}",
                  f"h[{k}] = sigmoid({num(v['z2'][k])}) = {num(v['h'][k])}"]
    return Step("forward", "Hidden layer: Dense(4, 2) and sigmoid", [
        Prose("h[0] and h[1] are the question's h1 and h2. W1 holds its w1..w8 as a 4x2 matrix, "
              "column k feeding h[k], and b1 its two biases."),
        Math(("z2[k] = sum over m of f[m] * W1[m,k] + b1[k]        h[k] = sigmoid(z2[k])",)),
        Matrix("W1", v["W1"]), Matrix("b1", v["b1"]), Math(tuple(lines))])


def _logit_lines(t: Trace, out: str) -> tuple[str, ...]:
    v = t.values
    return tuple(f"{out}{'' if len(v['z']) == 1 else f'[{j}]'} = {fac(v['h'][0])}*{fac(v['W2'][0, j])} + "
                 f"{fac(v['h'][1])}*{fac(v['W2'][1, j])} + {fac(v['b2'][j])} = {num(v['z'][j])}"
                 for j in range(len(v["z"])))


def _softmax_forward(t: Trace) -> list[Step]:
    v, label = t.values, t.label
    e = np.exp(v["z"] - v["z"].max())  # shifting by max z changes nothing but avoids overflow
    pred = int(np.argmax(v["p"]))
    logits = Step("forward", "Output layer: Dense(2, 2) gives two logits", [
        Math(("z[j] = h[0]*W2[0,j] + h[1]*W2[1,j] + b2[j]",)), Matrix("W2", v["W2"]), Matrix("b2", v["b2"]),
        Math(_logit_lines(t, "z")),
        Prose("The logits go straight into the softmax, with no sigmoid in between: the question's "
              "sigmoid-then-softmax squeezes the outputs twice and weakens the gradient.")])
    soft = Step("forward", "Softmax, one-hot target and prediction", [
        Math(("p[j] = e^z[j] / (e^z[0] + e^z[1])",
              f"e^(z - max z) = {vec(e)}, sum = {num(e.sum())}",
              f"p = {vec(v['p'])}        (p[0] + p[1] = 1)",
              f"one-hot target y = {vec(v['y'])}",
              f"prediction: argmax p = {pred} -> {CLASSES[pred]}")),
        Prose("With two outputs the label becomes a one-hot row: y = [1, 0] for O and [0, 1] for X. "
              "Nothing in the network knows that output 0 means O: the loss rewards a high p[0] on O "
              "samples, so training makes it so. The argmax only reads off the prediction; the loss "
              "uses the whole vector p, never max(p).")])
    loss = Step("forward", "Loss: cross-entropy", [
        Math(("L = -sum over j of y[j] * log p[j]        (only the true class has y[j] = 1)",
              f"L = -log p[{label}] = -log({num(v['p'][label])})", f"L = {t.loss:.6g}"))])
    return [logits, soft, loss]


def _mse_forward(t: Trace) -> list[Step]:
    v = t.values
    o, y = float(v["o"][0]), float(v["y"][0])
    pred = int(o >= 0.5)
    out = Step("forward", "Output layer: Dense(2, 1) and sigmoid", [
        Math(("z = h[0]*W2[0,0] + h[1]*W2[1,0] + b2        o = sigmoid(z)",)),
        Matrix("W2", v["W2"]),
        Math((f"b2 = {num(v['b2'][0])}", "") + _logit_lines(t, "z") + (f"o = sigmoid({num(v['z'][0])}) = {num(o)}",
                                     f"prediction: o {'>=' if pred else '<'} 0.5 -> {CLASSES[pred]}")),
        Prose(f"One output, read as the probability of X; the target is the label itself, y = {y:g} "
              f"(0 for O, 1 for X), not a one-hot row.")])
    loss = Step("forward", "Loss: squared error (MSE)", [
        Math(("L = (o - y)^2        (MSE averages over 1 sample and 1 output, so nothing is divided)",
              f"L = ({num(o)} - {y:g})^2", f"L = {t.loss:.6g}"))])
    return [out, loss]


def forward_steps(t: Trace) -> list[Step]:
    head = _softmax_forward(t) if t.softmax else _mse_forward(t)
    return [_input(t), _conv(t), _conv_sigmoid(t), _pool(t), _flatten(t), _hidden(t)] + head
