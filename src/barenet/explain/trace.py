"""The numbers behind ``barenet explain``: one pass in float64, its gradients found three ways.

For one letter x and its label, ``trace`` runs a seed network (``seed-softmax`` or
``seed-1out`` from the zoo) forward and backward once, and returns every intermediate
value and every gradient, each computed three independent ways:

- ``formula``: the chain rule written out by hand in NumPy (``formula_grads``);
- ``barenet``: the library's own ``model.backward`` (``layer.grads``, ``model.input_grads``);
- ``numeric``: a central difference of the loss for every element, in float64,

      dL/dt ~ (8 [L(t + h) - L(t - h)] - [L(t + 2h) - L(t - 2h)]) / (12 h),

  the fourth-order stencil: its error is O(h^4), so with h = 1e-4 it resolves gradients
  far below 1e-6 relative error. Taking the differences first makes a loss that does not
  move (a pixel that lost its max-pool window) give exactly 0.

Max pooling is not differentiable where two values in a window tie, so h is also kept
below a quarter of the smallest gap between a window's winner and its runner-up: no
perturbation can then change which position wins.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..nn.layers import Conv2D, Dense, Flatten, MaxPool2D, Sigmoid, softmax
from ..nn.losses import SoftmaxCrossEntropy
from ..nn.model import Sequential
from ..zoo import get_arch

H_MAX = 1e-4  # finite-difference step, unless a near-tie in max pooling asks for less

# Layer positions in the seed networks (zoo._seed_trunk, then the head).
CONV, CSIG, POOL, FLAT, HID, HSIG, OUT, OSIG = range(8)
_LAYOUT = (Conv2D, Sigmoid, MaxPool2D, Flatten, Dense, Sigmoid, Dense)

# Gradient name -> (layer index, parameter key) for parameters ...
PARAMS = {"K": (CONV, "W"), "bK": (CONV, "b"), "W1": (HID, "W"), "b1": (HID, "b"),
          "W2": (OUT, "W"), "b2": (OUT, "b")}
# ... and -> index of the layer whose output it is, for intermediate values.
OUTPUTS = {"z1": CONV, "a1": CSIG, "pooled": POOL, "f": FLAT, "z2": HID, "h": HSIG, "z": OUT, "o": OSIG}


@dataclass
class Trace:
    """One pass: forward ``values`` and gradients dL/d(name) in three versions.

    Arrays have the batch and channel axes dropped: x (6, 6), K (3, 3), z1 and a1 (4, 4),
    pooled (2, 2), f (4,), W1 (4, 2), z2 and h (2,), W2 (2, K), z (K,); ``y`` is the
    one-hot target (softmax) or the 0/1 label (one output) as the loss sees it.
    """

    arch: str
    label: int
    seed: int
    softmax: bool
    loss: float
    values: dict[str, np.ndarray]
    winners: np.ndarray  # (4, 4) bool: the position that won each 2x2 pooling window
    formula: dict[str, np.ndarray]
    barenet: dict[str, np.ndarray]
    numeric: dict[str, np.ndarray]
    h: float


def _float64(model: Sequential) -> Sequential:
    """A copy computing in float64 (same weights: float32 values are exact in float64)."""
    model = copy.deepcopy(model)
    for layer in model.layers:
        if hasattr(layer, "dtype"):
            layer.dtype = np.dtype(np.float64)
        for k, v in layer.params.items():
            layer.params[k] = v.astype(np.float64)
    return model


def _squeeze(a: np.ndarray) -> np.ndarray:
    """Drop the batch axis, and the single channel of image-shaped arrays: (1, 1, H, W) -> (H, W)."""
    a = np.asarray(a, dtype=np.float64)[0]
    return a[0] if a.ndim == 3 else a


def _check_layout(model: Sequential, arch: str) -> None:
    kinds = tuple(type(layer) for layer in model.layers)
    if kinds not in (_LAYOUT, _LAYOUT + (Sigmoid,)):  # values are read by position: fail loudly if the zoo changes
        raise ValueError(f"explain: {arch} no longer has the layers {[k.__name__ for k in _LAYOUT]} "
                         f"(and a last Sigmoid for one output)")


def pool_winners(a1: np.ndarray) -> np.ndarray:
    """(4, 4) bool mask of each 2x2 window's first maximum in row-major order (as MaxPool2D)."""
    mask = np.zeros(a1.shape, dtype=bool)
    for r in range(a1.shape[0] // 2):
        for c in range(a1.shape[1] // 2):
            i, j = np.unravel_index(np.argmax(a1[2 * r : 2 * r + 2, 2 * c : 2 * c + 2]), (2, 2))
            mask[2 * r + i, 2 * c + j] = True
    return mask


def pool_margin(a1: np.ndarray) -> float:
    """Smallest gap between a 2x2 window's largest and second-largest value."""
    blocks = a1.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)  # one row per window
    top = np.sort(blocks, axis=1)
    return float(np.min(top[:, -1] - top[:, -2]))


def _forward_values(model: Sequential, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    v = {name: _squeeze(model.outputs[i]) for name, i in OUTPUTS.items() if i < len(model.layers)}
    v["x"] = _squeeze(x)
    for name, (i, key) in PARAMS.items():
        p = model.layers[i].params[key].astype(np.float64)
        v[name] = p[0, 0] if key == "W" and p.ndim == 4 else p
    if len(model.layers) == OUTPUTS["o"] + 1:
        v["y"] = y.astype(np.float64)  # the single output's target: the label itself
    else:
        v["p"] = softmax(v["z"])
        v["y"] = np.eye(len(v["z"]))[y[0]]  # one-hot: output j stands for class j
    return v


def _barenet_grads(model: Sequential, dlast: np.ndarray) -> dict[str, np.ndarray]:
    """dL/d(name) as barenet's backward left them: input_grads[i + 1] is dL/d(output of layer i)."""
    downstream = list(model.input_grads[1:]) + [dlast]
    g = {name: _squeeze(downstream[i]) for name, i in OUTPUTS.items() if i < len(model.layers)}
    for name, (i, key) in PARAMS.items():
        p = model.layers[i].grads[key].astype(np.float64)
        g[name] = p[0, 0] if key == "W" and p.ndim == 4 else p
    return g


def formula_grads(v: dict[str, np.ndarray], winners: np.ndarray, softmax: bool) -> dict[str, np.ndarray]:
    """The chain rule by hand, from the forward values only (no barenet backward).

    softmax + CE: dL/dz = p - y.  One sigmoid output with MSE: dL/do = 2 (o - y),
    dL/dz = dL/do * o (1 - o).  Then, for both:
    dW2 = h^T dz, db2 = dz, dh = dz W2^T, dz2 = dh * h (1 - h), dW1 = f^T dz2, db1 = dz2,
    df = dz2 W1^T = dpooled, da1 = dpooled at each window's winner and 0 elsewhere,
    dz1 = da1 * a1 (1 - a1), dK[u, v] = sum_ij dz1[i, j] x[i + u, j + v], dbK = sum_ij dz1[i, j].
    """
    g: dict[str, np.ndarray] = {}
    if softmax:
        g["z"] = v["p"] - v["y"]
    else:
        g["o"] = 2 * (v["o"] - v["y"])
        g["z"] = g["o"] * v["o"] * (1 - v["o"])
    g["W2"], g["b2"] = np.outer(v["h"], g["z"]), g["z"]
    g["h"] = v["W2"] @ g["z"]
    g["z2"] = g["h"] * v["h"] * (1 - v["h"])
    g["W1"], g["b1"] = np.outer(v["f"], g["z2"]), g["z2"]
    g["f"] = v["W1"] @ g["z2"]
    g["pooled"] = g["f"].reshape(2, 2)
    # np.kron spreads each pooled gradient over its 2x2 window; the mask keeps the winner's.
    g["a1"] = np.kron(g["pooled"], np.ones((2, 2))) * winners
    g["z1"] = g["a1"] * v["a1"] * (1 - v["a1"])
    kh, kw = v["K"].shape
    Ho, Wo = g["z1"].shape
    g["K"] = np.array([[np.sum(g["z1"] * v["x"][u : u + Ho, w : w + Wo]) for w in range(kw)] for u in range(kh)])
    g["bK"] = np.array([g["z1"].sum()])
    return g


def _loss_from(model: Sequential, loss, start: int, value: np.ndarray, target: np.ndarray) -> float:
    """L as a function of the input of layer ``start`` (the image when start = 0)."""
    for layer in model.layers[start:]:
        value = layer.forward(value)
    return float(loss.forward(value, target))


def _five_point(f: Callable[[float], float], h: float) -> float:
    return (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h)


def central_differences(arr: np.ndarray, loss_of: Callable[[], float], h: float) -> np.ndarray:
    """dL/d(arr) for every element of ``arr``, which is perturbed in place and restored."""
    flat = arr.reshape(-1)  # a view: writing it perturbs arr, and what loss_of reads
    grad = np.empty(flat.size)
    for i in range(flat.size):
        old = flat[i]

        def f(d: float) -> float:
            flat[i] = old + d
            try:
                return loss_of()
            finally:
                flat[i] = old

        grad[i] = _five_point(f, h)
    return grad.reshape(arr.shape)


def numeric_grads(model: Sequential, make_loss: Callable, x: np.ndarray, target: np.ndarray,
                  h: float) -> dict[str, np.ndarray]:
    """Central differences of every parameter and of every layer output that explain shows."""
    probe = copy.deepcopy(model)  # its forward overwrites caches: keep the traced model intact
    loss = make_loss()
    g = {}
    for name, (i, key) in PARAMS.items():
        p = probe.layers[i].params[key]
        g[name] = central_differences(p, lambda: _loss_from(probe, loss, 0, x, target), h)
        g[name] = g[name][0, 0] if key == "W" and p.ndim == 4 else g[name]
    for name, i in OUTPUTS.items():
        if i >= len(probe.layers) or name == "pooled":  # pooled is f before Flatten: same numbers
            continue
        value = model.outputs[i].astype(np.float64)  # a copy, batch axis kept, perturbed in place
        g[name] = _squeeze(central_differences(
            value, lambda i=i, value=value: _loss_from(probe, loss, i + 1, value, target), h))
    return g


def trace(arch: str, label: int, seed: int, glyph: np.ndarray) -> Trace:
    """Run ``arch`` (built with ``seed``) once on the 6x6 ``glyph`` whose class is ``label``."""
    spec = get_arch(arch)
    model = _float64(spec.build((1, 6, 6), 2, seed=seed))
    _check_layout(model, arch)
    x = glyph.astype(np.float64).reshape(1, 1, 6, 6)
    target = np.array([label])
    loss = spec.make_loss()
    value = loss.forward(model.forward(x, training=True), target)  # keeps outputs and caches
    dlast = loss.backward()
    model.backward(dlast, keep_input_grads=True)
    values = _forward_values(model, x, target)
    winners = pool_winners(values["a1"])
    margin = pool_margin(values["a1"])
    h = min(H_MAX, margin / 4) if margin > 0 else H_MAX
    softmax = isinstance(loss, SoftmaxCrossEntropy)
    return Trace(arch, label, seed, softmax, value, values, winners, formula_grads(values, winners, softmax),
                 _barenet_grads(model, dlast), numeric_grads(model, spec.make_loss, x, target, h), h)
