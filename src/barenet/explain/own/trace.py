"""The numbers behind ``barenet explain --input/--weights``: the question's dense part, by name.

The network is the question's, with its names: four inputs x1 ... x4, two sigmoid hidden
units and two outputs,

    sum_h1 = w1 x1 + w2 x2 + w3 x3 + w4 x4 + b1        h1 = sigmoid(sum_h1)
    sum_h2 = w5 x1 + w6 x2 + w7 x3 + w8 x4 + b2        h2 = sigmoid(sum_h2)
    sum_o1 = w9 h1 + w10 h2                            sum_o2 = w11 h1 + w12 h2

then one of two heads:

- ``question`` (the question's code): o = sigmoid(sum_o), y_pred = softmax([o1, o2]),
  L = mean((y_true - y_pred)^2) over the two outputs (its ``mse_loss``);
- ``seed-softmax`` (barenet's): o = sum_o are logits, y_pred = softmax([o1, o2]),
  L = -sum y_true log y_pred (``SoftmaxCrossEntropy``).

barenet holds the same numbers as matrices: W1 (4, 2) with column k feeding unit k, b1 (2,),
W2 (2, 2) with row i from h(i+1) and column j into o(j+1); its output layer's bias is 0 (the
question has none). Every gradient is computed three ways, as in ``explain/trace.py``: the
chain rule with scalars (``formula_grads``), barenet's ``model.backward``, and the 5-point
central difference of the loss in float64 (``numeric_grads``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from ...nn.layers import Conv2D, Dense, Flatten, MaxPool2D, Sigmoid, Softmax, softmax
from ...nn.losses import MSE, Loss, SoftmaxCrossEntropy
from ...nn.model import Sequential
from ..trace import H_MAX, _loss_from, central_differences, pool_winners

HEADS = ("question", "seed-softmax")

# Learner name -> (barenet layer index, parameter key, index), and the matrix name shown beside it.
PARAMS = {**{f"w{i + 1}": (0, "W", (i % 4, i // 4)) for i in range(8)},
          "b1": (0, "b", (0,)), "b2": (0, "b", (1,)),
          "w9": (2, "W", (0, 0)), "w10": (2, "W", (1, 0)), "w11": (2, "W", (0, 1)), "w12": (2, "W", (1, 1))}
PARAM_MATRIX = {name: f"{'W1' if i == 0 and k == 'W' else 'b1' if i == 0 else 'W2'}[{','.join(map(str, ix))}]"
                for name, (i, k, ix) in PARAMS.items()}
# Stage -> (barenet layer whose output it is, the learner's element names, barenet's name).
STAGES = {
    "question": {"sum_h": (0, ("sum_h1", "sum_h2"), "z2"), "h": (1, ("h1", "h2"), "h"),
                 "sum_o": (2, ("sum_o1", "sum_o2"), "z"), "o": (3, ("o1", "o2"), "o"),
                 "y_pred": (4, ("y_pred[0]", "y_pred[1]"), "p")},
    "seed-softmax": {"sum_h": (0, ("sum_h1", "sum_h2"), "z2"), "h": (1, ("h1", "h2"), "h"),
                     "o": (2, ("o1", "o2"), "z")},
}
INPUTS = ("x1", "x2", "x3", "x4")


def matrix_names(head: str) -> dict[str, str]:
    """Learner name -> barenet's name for it: "w1" -> "W1[0,0]", "h1" -> "h[0]", "x1" -> "f[0]"."""
    names = dict(PARAM_MATRIX)
    names.update({n: f"{bn}[{j}]" for _, elems, bn in STAGES[head].values() for j, n in enumerate(elems)})
    names.update({n: f"f[{j}]" for j, n in enumerate(INPUTS)})
    names.update({f"y_pred[{j}]": f"p[{j}]" for j in range(2)})
    return names


@dataclass
class OwnTrace:
    """One pass in the learner's names. ``values`` and the three gradient dicts map a name
    (``w1``, ``h1``, ``y_pred[0]``, ...) to a float; ``front`` holds the 6x6 letter's
    convolution front (x, K, bK, z1, a1, winners, pooled) or is None for pooled input."""

    head: str
    label: int
    loss: float
    values: dict[str, float]
    front: dict[str, np.ndarray] | None
    formula: dict[str, float]
    barenet: dict[str, float]
    numeric: dict[str, float]
    h: float


def build(head: str, w: dict[str, float]) -> tuple[Sequential, Loss]:
    """barenet's float64 network holding the learner's 14 numbers, and its loss."""
    layers = [Dense(4, 2, dtype="float64"), Sigmoid(), Dense(2, 2, dtype="float64")]
    layers += [Sigmoid(), Softmax()] if head == "question" else []
    model = Sequential(layers, seed=0)
    model.layers[2].params["b"][...] = 0.0  # the question's outputs have no bias
    for name, (i, key, ix) in PARAMS.items():
        model.layers[i].params[key][ix] = w[name]
    return model, (MSE() if head == "question" else SoftmaxCrossEntropy())


def _target(head: str, label: int) -> np.ndarray:
    """One-hot (1, 2) for the squared error; the label itself for SoftmaxCrossEntropy."""
    return np.eye(2)[[label]] if head == "question" else np.array([label])


def run_front(letter: np.ndarray, K: np.ndarray, bK: float) -> dict[str, np.ndarray]:
    """Conv 3x3 (K, bK), sigmoid and max pooling 2 on a 6x6 letter: the pooled x1 ... x4."""
    conv = Conv2D(1, 1, 3, dtype="float64", seed=0)
    conv.params["W"][0, 0], conv.params["b"][0] = K, bK
    z1 = conv.forward(letter.reshape(1, 1, 6, 6))
    a1 = Sigmoid().forward(z1)
    pooled = MaxPool2D(2).forward(a1)
    f = Flatten().forward(pooled)[0]
    return {"x": letter, "K": np.asarray(K, float), "bK": np.array([bK]), "z1": z1[0, 0], "a1": a1[0, 0],
            "winners": pool_winners(a1[0, 0]), "pooled": pooled[0, 0], "f": f}


def _values(head: str, model: Sequential, x: np.ndarray, w: dict[str, float], label: int) -> dict[str, float]:
    v = {n: float(x[0, j]) for j, n in enumerate(INPUTS)} | dict(w)
    for i, names, _ in STAGES[head].values():
        v.update({n: float(model.outputs[i][0, j]) for j, n in enumerate(names)})
    if head == "seed-softmax":
        v.update({f"y_pred[{j}]": float(p) for j, p in enumerate(softmax(model.outputs[-1])[0])})
    v.update({f"y_true[{j}]": float(j == label) for j in range(2)})
    return v


def formula_grads(v: dict[str, float], head: str) -> dict[str, float]:
    """The chain rule with the learner's scalars, from the forward values alone.

    question: dL/dy_pred[k] = 2 (y_pred[k] - y_true[k]) / 2 (the mean over 2 outputs);
    dL/do_j = sum_k dL/dy_pred[k] y_pred[k] (delta_kj - y_pred[j]); dL/dsum_o_j = dL/do_j o_j (1 - o_j).
    seed-softmax: dL/do_j = y_pred[j] - y_true[j], and sum_o is o.
    Both: dL/dw9 = dL/dsum_o1 h1, dL/dh1 = dL/dsum_o1 w9 + dL/dsum_o2 w11,
    dL/dsum_h1 = dL/dh1 h1 (1 - h1), dL/dw1 = dL/dsum_h1 x1, dL/dx1 = dL/dsum_h1 w1 + dL/dsum_h2 w5, ...
    """
    g: dict[str, float] = {}
    p = [v["y_pred[0]"], v["y_pred[1]"]]
    y = [v["y_true[0]"], v["y_true[1]"]]
    if head == "question":
        for k in range(2):
            g[f"y_pred[{k}]"] = 2 * (p[k] - y[k]) / 2
        for j in range(2):
            g[f"o{j + 1}"] = sum(g[f"y_pred[{k}]"] * p[k] * ((k == j) - p[j]) for k in range(2))
            o = v[f"o{j + 1}"]
            g[f"sum_o{j + 1}"] = g[f"o{j + 1}"] * o * (1 - o)
        d1, d2 = g["sum_o1"], g["sum_o2"]
    else:
        g["o1"], g["o2"] = p[0] - y[0], p[1] - y[1]
        d1, d2 = g["o1"], g["o2"]
    g["w9"], g["w10"], g["w11"], g["w12"] = d1 * v["h1"], d1 * v["h2"], d2 * v["h1"], d2 * v["h2"]
    g["h1"] = d1 * v["w9"] + d2 * v["w11"]
    g["h2"] = d1 * v["w10"] + d2 * v["w12"]
    for k in (1, 2):
        g[f"sum_h{k}"] = g[f"h{k}"] * v[f"h{k}"] * (1 - v[f"h{k}"])
    for i in range(1, 5):
        g[f"w{i}"] = g["sum_h1"] * v[f"x{i}"]
        g[f"w{i + 4}"] = g["sum_h2"] * v[f"x{i}"]
        g[f"x{i}"] = g["sum_h1"] * v[f"w{i}"] + g["sum_h2"] * v[f"w{i + 4}"]
    g["b1"], g["b2"] = g["sum_h1"], g["sum_h2"]
    return g


def _barenet_grads(head: str, model: Sequential, dlast: np.ndarray) -> dict[str, float]:
    """What barenet's backward left: input_grads[i + 1] is dL/d(output of layer i)."""
    downstream = list(model.input_grads[1:]) + [dlast]
    g = {n: float(model.input_grads[0][0, j]) for j, n in enumerate(INPUTS)}
    for i, names, _ in STAGES[head].values():
        g.update({n: float(downstream[i][0, j]) for j, n in enumerate(names)})
    g.update({name: float(model.layers[i].grads[key][ix]) for name, (i, key, ix) in PARAMS.items()})
    return g


def numeric_grads(head: str, model: Sequential, x: np.ndarray, target: np.ndarray, h: float) -> dict[str, float]:
    """Central differences of the loss for every weight, every stage's values and the inputs."""
    probe = copy.deepcopy(model)  # its forward passes overwrite caches: keep the traced model intact
    loss = MSE() if head == "question" else SoftmaxCrossEntropy()
    arrays = {(i, key): central_differences(probe.layers[i].params[key],
                                            lambda: _loss_from(probe, loss, 0, x, target), h)
              for i, key in ((0, "W"), (0, "b"), (2, "W"))}  # the output bias is not the question's
    g = {name: float(arrays[i, key][ix]) for name, (i, key, ix) in PARAMS.items()}
    xs = x.copy()
    dx = central_differences(xs, lambda: _loss_from(probe, loss, 0, xs, target), h)
    g.update({n: float(dx[0, j]) for j, n in enumerate(INPUTS)})
    for i, names, _ in STAGES[head].values():
        value = model.outputs[i].copy()
        d = central_differences(value, lambda i=i, value=value: _loss_from(probe, loss, i + 1, value, target), h)
        g.update({n: float(d[0, j]) for j, n in enumerate(names)})
    return g


def trace_own(head: str, x: np.ndarray, w: dict[str, float], label: int,
              front: dict[str, np.ndarray] | None = None) -> OwnTrace:
    """One pass of ``head`` on the pooled input ``x`` (4,) with the learner's weights ``w``."""
    model, loss = build(head, w)
    xb = np.asarray(x, dtype=np.float64).reshape(1, 4)
    target = _target(head, label)
    value = float(loss.forward(model.forward(xb, training=True), target))
    dlast = loss.backward()
    model.backward(dlast, keep_input_grads=True)
    values = _values(head, model, xb, w, label)
    return OwnTrace(head, label, value, values, front, formula_grads(values, head),
                    _barenet_grads(head, model, dlast), numeric_grads(head, model, xb, target, H_MAX), H_MAX)
