"""Type and range checks for every field a model file's header may hold (used by ``restore.py``).

A forged header can carry a valid digest, so each value is checked before it is used:

- **Configs** (layers, optimizer, schedule, loss): every key must be a known field name,
  with the JSON type and range in ``CONFIG_FIELDS``. The ranges bound what a model can ask
  for that its weights do not already pay for: a padding, stride or pooling window of 10^6
  costs no bytes in the file but terabytes in a forward pass.
- **The record**: the fields barenet itself reads (``classes``, ``input_shape``, ``config``,
  ``history``, ``test_accuracy``, ``saved``) must have their types; other keys are the
  caller's own and stay free.
- **Weights that overflow**: with inputs in [0, 1] (what barenet's pictures and datasets
  give), a bound on every layer's output is propagated from the weights' absolute sums
  (``check_output_bound``); a model whose bound leaves its float type's range is refused,
  so no input in [0, 1] can make it overflow to inf or NaN.
- **Sizes of a forward pass**: with an ``input_shape`` recorded, each layer's output per
  sample, and a window layer's unrolled input (C * kh * kw per output position), is at most
  ``MAX_ACTIVATION`` elements.

Every problem raises ``ModelFileError`` with a one-line message naming the field.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..nn.errors import ModelFileError
from ..nn.initializers import INITIALIZERS
from ..nn.layers import Conv2D, Dense, LeakyReLU, Sigmoid, Softmax, Tanh
from .format import shown

MAX_LAYERS = 1024
MAX_UNITS = 1 << 24  # features or channels of one layer (its weights must be in the file anyway)
MAX_WINDOW = 256  # kernel size, stride and padding of conv and pooling layers, per side
MAX_COUNT = 1 << 31  # epochs, step sizes, schedule lengths
MAX_CLASSES = 1 << 16
MAX_INPUT = 1 << 24  # elements of one recorded input sample
MAX_ACTIVATION = 1 << 26  # elements of one layer's output for one sample (256 MB in float32)

Check = Callable[[Any, str], None]


def _fail(what: str, expected: str, value: Any) -> None:
    shown = repr(value)
    raise ModelFileError(f"{what} must be {expected}, found {shown if len(shown) <= 40 else shown[:37] + '...'}")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def int_in(lo: int, hi: int) -> Check:
    def check(value: Any, what: str) -> None:
        if not (is_int(value) and lo <= value <= hi):
            _fail(what, f"an int in [{lo}, {hi}]", value)
    return check


def pair_in(lo: int, hi: int) -> Check:
    """An int or a list of two ints, each in [lo, hi] (kernel sizes, strides, paddings)."""
    def check(value: Any, what: str) -> None:
        pair = value if isinstance(value, list) else [value]
        if len(pair) not in (1, 2) or not all(is_int(v) and lo <= v <= hi for v in pair) or \
                (isinstance(value, list) and len(pair) != 2):
            _fail(what, f"an int or a pair of ints in [{lo}, {hi}]", value)
    return check


def number_in(lo: float, hi: float, *, open_lo: bool = False, open_hi: bool = False) -> Check:
    """A finite JSON number in the interval; ``open_*`` excludes that end."""
    left, right = "(" if open_lo else "[", ")" if open_hi else "]"

    def check(value: Any, what: str) -> None:
        ok = is_number(value) and (value > lo if open_lo else value >= lo) and (value < hi if open_hi else value <= hi)
        if not ok:
            _fail(what, f"a finite number in {left}{lo:g}, {hi:g}{right}", value)
    return check


def boolean(value: Any, what: str) -> None:
    if not isinstance(value, bool):
        _fail(what, "true or false", value)


def one_of(choices: Any) -> Check:
    names = sorted(choices)

    def check(value: Any, what: str) -> None:
        if not (isinstance(value, str) and value in names):
            _fail(what, f"one of {names}", value)
    return check


def betas(value: Any, what: str) -> None:
    if not (isinstance(value, list) and len(value) == 2 and all(is_number(b) and 0 <= b < 1 for b in value)):
        _fail(what, "two numbers in [0, 1)", value)


def schedule(value: Any, what: str) -> None:
    if not (value is None or isinstance(value, dict) and set(value) == {"type", "config"}
            and isinstance(value["config"], dict)):
        _fail(what, 'null or {"type": ..., "config": {...}}', value)
    if value is not None:
        check_config(value["config"], f"{what} config")


BIG = 1e12  # an upper bound for rates and coefficients that no training would use
CONFIG_FIELDS: dict[str, Check] = {
    # layers
    "in_features": int_in(1, MAX_UNITS), "out_features": int_in(1, MAX_UNITS),
    "in_channels": int_in(1, MAX_UNITS), "out_channels": int_in(1, MAX_UNITS),
    "kernel_size": pair_in(1, MAX_WINDOW), "stride": pair_in(1, MAX_WINDOW), "padding": pair_in(0, MAX_WINDOW),
    "init": one_of(INITIALIZERS), "dtype": one_of(("float32", "float64")),
    "p": number_in(0, 1, open_hi=True), "negative_slope": number_in(-BIG, BIG),
    # optimizers and schedules
    "lr": number_in(0, BIG, open_lo=True), "momentum": number_in(0, BIG), "nesterov": boolean,
    "weight_decay": number_in(0, BIG), "betas": betas, "eps": number_in(0, BIG), "decoupled": boolean,
    "alpha": number_in(0, 1, open_hi=True), "schedule": schedule, "step_size": int_in(1, MAX_COUNT),
    "gamma": number_in(0, BIG, open_lo=True), "T_max": int_in(1, MAX_COUNT), "eta_min": number_in(0, BIG),
    # losses
    "from_logits": boolean, "label_smoothing": number_in(0, 1, open_hi=True),
}


def check_config(config: dict[str, Any], what: str) -> None:
    """Every key of a layer, optimizer, schedule or loss config is a known field with a valid value."""
    for key, value in config.items():
        if key not in CONFIG_FIELDS:
            raise ModelFileError(f"{what}: bad config (unknown field {shown(key)})")
        try:
            CONFIG_FIELDS[key](value, key)
        except ModelFileError as exc:
            raise ModelFileError(f"{what}: bad config ({exc})") from None


# ------------------------------------------------------------------------------ the record
def _strings(value: Any, what: str) -> None:
    # Class names are printed as they are (barenet predict, show): a newline or an escape
    # sequence in one would forge output lines or drive the terminal.
    if not (isinstance(value, list) and 1 <= len(value) <= MAX_CLASSES
            and all(isinstance(c, str) and c and c.isprintable() for c in value)):
        _fail(what, f"a list of 1 to {MAX_CLASSES} non-empty printable strings", value)


def _input_shape(value: Any, what: str) -> None:
    if not (isinstance(value, list) and 1 <= len(value) <= 3 and all(is_int(d) and 1 <= d <= MAX_INPUT for d in value)
            and math.prod(value) <= MAX_INPUT):
        _fail(what, f"a list of 1 to 3 positive ints with at most {MAX_INPUT} elements in all", value)


def _history(value: Any, what: str) -> None:
    if not (isinstance(value, dict) and all(isinstance(v, list) and all(is_number(x) for x in v)
                                            for v in value.values())):
        _fail(what, "an object of lists of finite numbers", value)


def _string_map(value: Any, what: str) -> None:
    if not (isinstance(value, dict) and all(isinstance(v, str) for v in value.values())):
        _fail(what, "an object of strings", value)


def _maybe(check: Check) -> Check:
    def maybe(value: Any, what: str) -> None:
        if value is not None:
            check(value, what)
    return maybe


def _string(value: Any, what: str) -> None:
    if not isinstance(value, str):
        _fail(what, "a string", value)


TRAIN_CONFIG_FIELDS: dict[str, Check] = {
    "dataset": _string, "arch": _maybe(_string), "optimizer": _string, "seed": int_in(0, 2**63 - 1),
    "epochs": _maybe(int_in(1, MAX_COUNT)), "batch_size": _maybe(int_in(1, MAX_COUNT)),
    "lr": _maybe(number_in(0, BIG, open_lo=True)), "data_options": _string_map,
}


def _train_config(value: Any, what: str) -> None:
    if not isinstance(value, dict):
        _fail(what, "an object", value)
    for key, check in TRAIN_CONFIG_FIELDS.items():
        if key in value:
            check(value[key], f"{what}.{key}")


RECORD_FIELDS: dict[str, Check] = {
    "classes": _strings, "input_shape": _input_shape, "config": _train_config, "history": _history,
    "test_accuracy": number_in(0, 1), "saved": _string_map,
}


def check_record(record: dict[str, Any]) -> None:
    """The record fields barenet reads have their types; any other key is the caller's own."""
    for key, check in RECORD_FIELDS.items():
        if key in record:
            check(record[key], f"record.{key}")


def check_forward_sizes(model: Any, record: dict[str, Any]) -> None:
    """With a recorded input shape: the layers accept it, no output is over ``MAX_ACTIVATION``
    elements per sample, and the last output has one value per recorded class (or one value
    for two classes: a binary model)."""
    if "input_shape" not in record:
        return
    shape = tuple(record["input_shape"])
    try:
        rows = model.summary_rows(shape)
    except (ValueError, TypeError, ZeroDivisionError) as exc:
        raise ModelFileError(f"the architecture does not accept its recorded input shape {shape}: "
                             f"{' '.join(str(exc).split())}") from None
    inputs = [shape] + [out for _, out, _ in rows[:-1]]
    for layer, (label, out, _), given in zip(model.layers, rows, inputs):
        # A window layer also unrolls its input: C * kh * kw values for each output position.
        kh, kw = getattr(layer, "kernel_size", (1, 1))
        unrolled = given[0] * kh * kw * math.prod(out[1:]) if len(given) == 3 and len(out) == 3 else 0
        if max(math.prod(out), unrolled) > MAX_ACTIVATION or min(out, default=1) < 1:
            raise ModelFileError(f"{label} would output {out} per sample from the recorded input {shape} "
                                 f"({max(math.prod(out), unrolled)} values with its windows unrolled); the "
                                 f"limit is {MAX_ACTIVATION}")
    classes = record.get("classes")
    out = tuple(rows[-1][1]) if rows else shape
    if classes is not None and out != (len(classes),) and not (out == (1,) and len(classes) == 2):  # 1 = binary
        raise ModelFileError(f"the model outputs {out} per sample but the record names "
                             f"{len(classes)} classes")


OVERFLOW_MARGIN = 1e-6  # refuse bounds above this fraction of the float type's largest value


def check_output_bound(model: Any) -> None:
    """No layer can overflow for inputs in [0, 1]: interval bounds from the weights.

    With |x| <= M elementwise, a Dense output obeys |y_j| <= M * sum_i |W_ij| + |b_j| and a
    Conv2D output |y_f| <= M * sum |W_f| + |b_f| (zero padding adds nothing); ReLU, pooling,
    Flatten and Dropout at inference keep M, LeakyReLU scales it by max(1, |slope|), and
    Sigmoid, Tanh and Softmax bring it back to 1. Shapes: W (in, out) or (F, C, kh, kw).
    """
    bound = 1.0
    for i, layer in enumerate(model.layers):
        if isinstance(layer, (Dense, Conv2D)):
            W, b = (np.abs(layer.params[k]).astype(np.float64) for k in ("W", "b"))
            fan_in = W.sum(axis=0) if isinstance(layer, Dense) else W.reshape(len(W), -1).sum(axis=1)
            with np.errstate(over="ignore"):
                bound = float(np.max(fan_in * bound + b, initial=0.0))
            largest = float(np.finfo(layer.params["W"].dtype).max)
            if not bound <= largest * OVERFLOW_MARGIN:
                raise ModelFileError(f"{layer.label}: with inputs in [0, 1] its outputs could reach {bound:.3g}, "
                                     f"near or past {layer.params['W'].dtype}'s largest value: its weights are "
                                     "too large to predict with")
        elif isinstance(layer, LeakyReLU):
            bound *= max(1.0, abs(layer.negative_slope))
        elif isinstance(layer, (Sigmoid, Tanh, Softmax)):
            bound = 1.0
