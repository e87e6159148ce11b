"""The doctor's checks that need no training: the data, the architecture, the loss and the targets.

Each function adds Findings to a Report. Functions whose result decides whether the probe
run can go ahead return the reasons it cannot ("blockers"), in words for the report.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn.errors import BarenetError
from ..nn.layers import AvgPool2D, Dropout, Flatten, Layer, MaxPool2D, Sigmoid, Softmax, Tanh, sigmoid
from ..nn.losses import MSE, BinaryCrossEntropy, Loss, SoftmaxCrossEntropy
from ..nn.model import Sequential

SQUASHERS = (Sigmoid, Tanh, Softmax)  # activations with a bounded output
PASS_THROUGH = (Flatten, Dropout, MaxPool2D, AvgPool2D)  # keep values inside their range
SAMPLE = 256  # rows used for the forward pass of the static checks
UNSCALED = 10.0  # |X| above this is not "about [0, 1]" or standardized


def check_data(report: Any, X: np.ndarray, y: np.ndarray) -> list[str]:
    """Sample counts, NaN/inf in X or y, and unscaled inputs. Returns the probe's blockers."""
    blockers = []
    if len(X) != len(y):
        report.add("error", "sample-count", f"X has {len(X)} samples but y has {len(y)}",
                   "Each sample needs exactly one target: the n-th row of y is the answer for the n-th "
                   "image in X. With different counts the loss cannot pair outputs with targets.",
                   "Pass X and y from the same split and slice them together (X[i:j], y[i:j]).",
                   n_X=len(X), n_y=len(y))
        blockers.append("X and y have different numbers of samples")
    for name, a in (("X", X), ("y", y)):
        bad = ~np.isfinite(a.astype(np.float64, copy=False))
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            report.add("error", "nonfinite-input", f"{name} contains {int(bad.sum())} NaN or inf values",
                       f"The first is at index {first}. One NaN in a batch makes every output, the loss and "
                       "every gradient of that batch NaN, and one update then spreads it into all the weights.",
                       "Find where they come from (missing values, a division by zero in preprocessing) and "
                       f"drop or fill those samples, so that np.isfinite({name}).all() is True.",
                       array=name, count=int(bad.sum()), first=first)
            blockers.append(f"{name} contains NaN or inf")
    finite = X[np.isfinite(X)]
    peak = float(np.abs(finite).max()) if finite.size else 0.0
    if peak > UNSCALED:
        report.add("warning", "unscaled-input", f"Input values reach {peak:g}",
                   "Large inputs push the first layer's weighted sums far from zero, where sigmoid and tanh "
                   "units saturate and ReLU units can die, and they make the right learning rate depend on "
                   "the scale of the data.",
                   "Scale inputs to about [0, 1] (pixels: X / 255) or standardize them, (X - mean) / std, "
                   "with mean and std computed on the training data.", max_abs=peak)
    return blockers


# -- the architecture and the loss -------------------------------------------------------
def feeding(layers: list[Layer], i: int) -> int | None:
    """Index of the layer whose values reach layer ``i``, looking through pass-through layers."""
    j = i - 1
    while j >= 0 and isinstance(layers[j], PASS_THROUGH):
        j -= 1
    return j if j >= 0 else None


def output_activation(model: Sequential) -> Layer | None:
    """The last layer that changes values (Flatten, Dropout and pooling keep them in range)."""
    j = feeding(model.layers, len(model.layers))
    return None if j is None else model.layers[j]


def check_structure(report: Any, model: Sequential, loss: Loss) -> None:
    """Squash on squash, and a loss that does not suit what the last layer outputs."""
    layers = model.layers
    for i, layer in enumerate(layers):
        j = feeding(layers, i)
        if isinstance(layer, SQUASHERS) and j is not None and isinstance(layers[j], SQUASHERS):
            _double_squash(report, layers[j], layer)
    last = output_activation(model)
    if isinstance(loss, SoftmaxCrossEntropy) and isinstance(last, (Softmax, Sigmoid)):
        _probabilities_to_ce(report, last)
    elif isinstance(loss, MSE) and isinstance(last, Softmax):
        _mse_on_softmax(report, last)
    elif isinstance(loss, BinaryCrossEntropy):
        _check_bce(report, loss, last)


def _range_of(layer: Layer) -> tuple[float, float]:
    return (-1.0, 1.0) if isinstance(layer, Tanh) else (0.0, 1.0)


def _double_squash(report: Any, prev: Layer, cur: Layer) -> None:
    lo, hi = _range_of(prev)
    pname, cname = type(prev).__name__, type(cur).__name__
    if isinstance(cur, Softmax):
        top = float(np.exp(hi - lo) / (np.exp(hi - lo) + 1))
        why = (f"{pname} has already squeezed every value into ({lo:g}, {hi:g}). Softmax depends only on "
               f"the differences between its inputs, and these differ by less than {hi - lo:g}, so with two "
               f"classes no prediction can exceed e^{hi - lo:g}/(e^{hi - lo:g} + 1) = {top:.2f}. The 0/1 "
               "targets are out of reach, and the two squashes multiply their small derivatives, so the "
               "gradient shrinks and the loss stalls: the question's symptom.")
        fix = (f"Remove the {pname} before the Softmax so that it receives the raw scores (logits) of the "
               "Dense layer; better still, drop the Softmax layer too and train those logits with "
               "SoftmaxCrossEntropy, which applies the softmax inside the loss.")
    else:
        f = np.tanh if isinstance(cur, Tanh) else sigmoid
        a, b = (float(f(np.array(v))) for v in (lo, hi))
        why = (f"{pname} has already squeezed every value into ({lo:g}, {hi:g}), so {cname} can only output "
               f"values in ({a:.2f}, {b:.2f}), a sliver of its range, and the stacked derivatives shrink the "
               "gradient for every layer below.")
        fix = "Put a Dense (or Conv2D) layer between the two activations, or remove one of them."
    report.add("error", "double-squash", f"{cname} on top of {pname} ({prev.where} -> {cur.where})", why, fix,
               layers=[prev.where, cur.where])


def _probabilities_to_ce(report: Any, last: Layer) -> None:
    name = type(last).__name__
    if isinstance(last, Softmax):
        code, title = "softmax-before-ce", f"Softmax layer before SoftmaxCrossEntropy ({last.where})"
        what = "SoftmaxCrossEntropy applies the softmax itself, so the probabilities are softmaxed a second time"
    else:
        code, title = "sigmoid-before-ce", f"Sigmoid outputs given to SoftmaxCrossEntropy ({last.where})"
        what = ("SoftmaxCrossEntropy expects logits, any real numbers, and applies the softmax itself; "
                "here it receives sigmoid outputs, which are probabilities")
    report.add("error", code, title,
               f"{what}. Values in [0, 1] differ by less than 1, so the second softmax can never be "
               "confident (at most 0.73 for two classes): the loss cannot approach 0 and its gradient is damped.",
               f"Remove the final {name} layer: the loss takes the Dense layer's logits directly. "
               "model.predict_proba(X) still gives probabilities when you need them.", layer=last.where)


def _mse_on_softmax(report: Any, last: Layer) -> None:
    report.add("warning", "mse-on-softmax", f"MSE on Softmax outputs ({last.where})",
               "MSE compares the probabilities with the targets as plain numbers. Its gradient must pass back "
               "through the softmax Jacobian p_i (delta_ij - p_j), which goes to zero as a prediction grows "
               "confident, even confidently wrong, so the network learns slowest exactly where it is most "
               "wrong. Cross-entropy's gradient with respect to the logits is simply (p - onehot) / N: large "
               "when wrong, small when right.",
               "Remove the Softmax layer and train the logits with SoftmaxCrossEntropy, with integer labels "
               "(or one-hot rows) as targets. Use model.predict_proba(X) to read probabilities.",
               layer=last.where)


def _check_bce(report: Any, loss: BinaryCrossEntropy, last: Layer | None) -> None:
    name = "none" if last is None else type(last).__name__
    where = "" if last is None else f" ({last.where})"
    if isinstance(last, Softmax):
        report.add("warning", "bce-on-softmax", f"BinaryCrossEntropy on Softmax outputs{where}",
                   "BinaryCrossEntropy scores each output as its own yes/no probability, but softmax outputs "
                   "are tied together (each row sums to 1), so one class's error is counted in every column and "
                   + ("with from_logits=True the loss applies a sigmoid to probabilities, squashing them "
                      "twice." if loss.from_logits else "the gradient is needlessly damped by the softmax."),
                   "For one class out of K, remove the Softmax layer and use SoftmaxCrossEntropy on the logits. "
                   "BinaryCrossEntropy is for independent yes/no outputs.", layer=last.where)
    elif loss.from_logits and isinstance(last, Sigmoid):
        report.add("error", "sigmoid-before-logit-bce", f"Sigmoid layer before BinaryCrossEntropy(from_logits=True)"
                   f"{where}",
                   "With from_logits=True the loss applies the sigmoid itself, so the outputs are squashed twice: "
                   "the loss sees sigmoid(sigmoid(z)), which lies in (0.5, 0.73), and can never predict the "
                   "class 0 nor be confident about class 1.",
                   "Remove the final Sigmoid layer (keep from_logits=True, the stable choice), or keep it and "
                   "use BinaryCrossEntropy() with from_logits=False.", layer=last.where)
    elif not loss.from_logits and not isinstance(last, Sigmoid):
        report.add("error", "bce-without-sigmoid", f"BinaryCrossEntropy expects probabilities, but the last "
                   f"activation is {name}{where}",
                   "BinaryCrossEntropy() with from_logits=False takes probabilities in [0, 1]; the raw outputs "
                   "of this network can be negative or above 1, and the loss refuses them.",
                   "Use BinaryCrossEntropy(from_logits=True) on the raw outputs (numerically stable), or add "
                   "a Sigmoid layer at the end.", layer=None if last is None else last.where)


# -- the targets, checked against one forward pass ----------------------------------------
# Findings that already explain why the loss would refuse the outputs and targets.
EXPLAINS_LOSS_ERROR = {"sample-count", "nonfinite-input", "labels-need-one-hot", "target-width", "label-range",
                       "one-output-ce", "bce-without-sigmoid"}


def forward_sample(report: Any, model: Sequential, X: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Run the (copied) model on the first SAMPLE rows; a failure becomes a shape-mismatch finding."""
    try:
        with np.errstate(all="ignore"):
            return model.forward(X[:SAMPLE]), ""
    except (ValueError, ArithmeticError, BarenetError) as exc:  # ShapeError is a ValueError
        message = " ".join(str(exc).split())
        report.add("error", "shape-mismatch", f"The model cannot run on X of per-sample shape {X.shape[1:]}",
                   f"The forward pass stopped with: {message}.",
                   "Make the first layer take the data's per-sample shape (images are (C, H, W); a Dense layer "
                   "needs a Flatten before it) and each layer's input size equal the previous layer's output "
                   "size; model.summary(input_shape) prints the shape after every layer.",
                   input_shape=X.shape[1:], message=message)
        return None, "the model cannot run on X"


def is_labels(y: np.ndarray) -> bool:
    """Class labels: non-negative whole numbers, shape (N,) or (N, 1)."""
    if not (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        return False
    v = y.astype(np.float64)
    return bool(np.isfinite(v).all() and (v >= 0).all() and (v == np.round(v)).all())


def check_targets(report: Any, model: Sequential, out: np.ndarray, y: np.ndarray,
                  loss: Loss) -> tuple[np.ndarray | None, str]:
    """Targets against the outputs and the loss. Returns (targets for the probe, blocker or "")."""
    width = out.shape[1] if out.ndim == 2 else None
    if isinstance(loss, SoftmaxCrossEntropy):
        _check_ce_targets(report, model, out, y, width)
    elif isinstance(loss, (MSE, BinaryCrossEntropy)):
        y = _check_elementwise_targets(report, y, width, loss)
    if width == 2 and (isinstance(loss, SoftmaxCrossEntropy) or isinstance(output_activation(model), Softmax)):
        report.add("info", "two-class-softmax", "A two-way softmax for two classes",
                   "This is correct, and the same as one sigmoid output: softmax([z0, z1])[1] = sigmoid(z1 - z0). "
                   "A single output with BinaryCrossEntropy(from_logits=True) and 0/1 labels needs half the "
                   "last-layer weights; two outputs generalize to more classes without changes.",
                   "Nothing to fix. Optionally end with Dense(..., 1) and train it with "
                   "BinaryCrossEntropy(from_logits=True).")
    return _loss_accepts(report, out, y, loss)


def _loss_accepts(report: Any, out: np.ndarray, targets: np.ndarray, loss: Loss) -> tuple[np.ndarray | None, str]:
    try:
        with np.errstate(all="ignore"):
            loss.forward(out, targets[: len(out)])
    except (ValueError, ArithmeticError, BarenetError) as exc:
        message = " ".join(str(exc).split())
        if not EXPLAINS_LOSS_ERROR & set(report.codes):
            report.add("error", "loss-error", f"{type(loss).__name__} refuses the model's outputs and these targets",
                       f"The loss stopped with: {message}.",
                       "Give the loss what it expects: SoftmaxCrossEntropy takes logits (N, K) with integer "
                       "labels (N,) or one-hot rows (N, K); MSE and BinaryCrossEntropy take targets of the "
                       "output's exact shape.", message=message)
        return None, f"the loss refuses the outputs and targets ({message})"
    return targets, ""


def _check_ce_targets(report: Any, model: Sequential, out: np.ndarray, y: np.ndarray, width: int | None) -> None:
    if width == 1:
        report.add("error", "one-output-ce", "SoftmaxCrossEntropy on a single output",
                   "The softmax of one number is always 1, so the loss is the same constant for every input "
                   "and its gradient is zero: nothing can be learned.",
                   "For two classes, either end with Dense(..., 2) and keep SoftmaxCrossEntropy with labels 0/1, "
                   "or keep one output and use BinaryCrossEntropy(from_logits=True).")
        return
    if width is None:
        return
    if y.ndim == 2 and y.shape[1] != width:
        _target_width(report, y, width, is_labels(y))
    elif y.ndim == 1 and is_labels(y):
        top = int(y.max())
        if top >= width:
            report.add("error", "label-range", f"Labels go up to {top} but the model has {width} outputs",
                       f"Label k is scored by output k, so labels 0..{top} need at least {top + 1} outputs; "
                       f"label {top} has no output to go to, and the loss refuses it.",
                       f"End the network with Dense(..., {top + 1}), one output per class, or check the labels.",
                       max_label=top, outputs=width)
        elif top + 1 < width:
            report.add("info", "unused-outputs", f"{width} outputs, but the labels only use 0..{top}",
                       f"Outputs {top + 1}..{width - 1} never see an example of their class; they only learn to "
                       "stay low. That is fine if those classes are just missing from this data.",
                       f"If the task has {top + 1} classes, end the network with Dense(..., {top + 1}).",
                       max_label=top, outputs=width)
    last = output_activation(model)
    if not isinstance(last, (Softmax, Sigmoid)) and _looks_like_probabilities(out):
        report.add("error", "probabilities-as-logits", "SoftmaxCrossEntropy receives probabilities",
                   "Every output lies in [0, 1] and every row sums to 1: the model already outputs probabilities. "
                   "SoftmaxCrossEntropy expects logits and applies the softmax again, so predictions can never be "
                   "confident (at most 0.73 for two classes), the loss stalls and its gradient is damped.",
                   "Make the last layer return raw scores (logits), e.g. a Dense layer with no activation after it.")


def _looks_like_probabilities(out: np.ndarray) -> bool:
    if out.ndim != 2 or out.shape[1] < 2 or not np.isfinite(out).all():
        return False
    return bool((out >= 0).all() and (out <= 1).all() and np.allclose(out.sum(axis=1), 1.0, atol=1e-3))


def _target_width(report: Any, y: np.ndarray, width: int, labels_column: bool) -> None:
    fix = (f"Pass the labels as a flat array y.ravel() of shape (N,), or one-hot rows np.eye({width})[y.ravel()]."
           if labels_column else
           f"Make the targets {width} columns wide (one-hot rows: np.eye({width})[labels]), or end the network "
           f"with Dense(..., {y.shape[1]}) to match them.")
    report.add("error", "target-width", f"Targets have {y.shape[1]} columns but the model has {width} outputs",
               f"Each target column is compared with one output, so their widths must match: {y.shape[1]} "
               f"against {width} cannot be paired.", fix, target_columns=int(y.shape[1]), outputs=width)


def _check_elementwise_targets(report: Any, y: np.ndarray, width: int | None, loss: Loss) -> np.ndarray:
    """MSE and BCE compare output k with target column k. Returns the targets the probe should use."""
    name = type(loss).__name__
    if width is not None and width > 1 and is_labels(y):
        labels = y.reshape(-1).astype(np.int64)
        report.add("error", "labels-need-one-hot",
                   f"Class labels {tuple(y.shape)} as {name} targets for {width} outputs",
                   f"The targets are one number per sample (like 0 for O and 1 for X), but the model has {width} "
                   f"outputs, one per class, and {name} compares each output with its own target. The targets "
                   f"need one column per output: for label k, a row with 1 in column k and 0 elsewhere (one-hot), "
                   f"which is also how output k comes to mean class k.",
                   f"Use one-hot rows, np.eye({width})[labels], or better, SoftmaxCrossEntropy on logits, which "
                   "takes the integer labels as they are and builds the one-hot rows itself.",
                   target_shape=tuple(y.shape), outputs=width)
        if labels.max() < width:
            report.context["targets"] = f"the probe used one-hot rows np.eye({width})[y] in place of the labels"
            return np.eye(width, dtype=np.float32)[labels]
        return y
    if width is not None and y.ndim == 2 and y.shape[1] != width:
        _target_width(report, y, width, is_labels(y))
    return y
