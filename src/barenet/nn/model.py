"""The Sequential model: a list of layers run in order."""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import numpy as np

from .callbacks import History
from .checks import check_X, check_Xy, labels_of
from .errors import NonFiniteError
from .fit import fit
from .layers import LAYERS, Layer, MaxPool2D, Sigmoid, Softmax, sigmoid, softmax
from .layers.base import shape_str
from .losses import Loss
from .tables import html_paragraph, html_table, text_table


# Inference runs a large batch in sub-batches whose largest layer output holds about this many
# values (1 MiB of float32, ~55 LeNet samples): each output is still in cache when the next
# layer reads it, and the allocator reuses the memory instead of mapping fresh pages, which
# made a batch of 1,024 30% slower per sample than one of 64 (benchmarks/README.md).
INFERENCE_FLOATS = 2**18


def _own(layer: Layer) -> bool:
    """Whether ``layer`` is exactly one of barenet's registered layer classes, not a subclass."""
    return LAYERS.get(type(layer).__name__) is type(layer)


class Sequential:
    """Layers applied in order: ``y = f_L(... f_2(f_1(x)))``; backward runs them in reverse.

    ``seed`` draws every layer's initial weights from one Generator, in layer order, and
    seeds the stream that shuffles batches, so one seed fixes a whole training run: the
    same seed gives bit-identical weights on the same machine with the same NumPy build
    and the same number of BLAS threads. Matrix products are summed in an order that
    depends on the BLAS library, its CPU kernel and its thread count, so a different
    thread count (e.g. OPENBLAS_NUM_THREADS=1 against the default) or another machine
    gives weights that differ in the last bits, and after training, slightly different
    accuracies.
    """

    def __init__(self, layers: Iterable[Layer], seed: int | None = None) -> None:
        self.layers: list[Layer] = list(layers)
        if not self.layers:
            raise ValueError("Sequential: needs at least one layer")
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: item {i} is {type(layer).__name__}, not a barenet Layer")
            layer.where = f"layer {i}"
        self.epoch = 0  # completed training epochs, kept across fit calls and in model files
        self.stop_training = False
        self.outputs: list[np.ndarray] = []  # each layer's output in the last training forward
        self.input_grads: list[np.ndarray] = []  # dL/d(input) per layer, when backward is asked to keep them
        self.loss: Loss | None = None
        self.optimizer: Any = None
        self.rng = np.random.default_rng()
        # Free-form facts about how the model was made (data set, metrics, versions): model
        # files keep it, ``load`` restores it, and the training job fills it in.
        self.record: dict[str, Any] = {}
        self.last_input_shape: tuple | None = None  # per-sample shape of the last input forward ran on
        if seed is not None:
            self.initialize(seed)

    def initialize(self, seed: int) -> None:
        """Redraw all weights from ``seed`` and reset the training streams."""
        rng = np.random.default_rng(seed)
        for layer in self.layers:
            layer.init_params(rng)
        self.rng = np.random.default_rng(rng.integers(2**63))

    def reseed(self, seed: int) -> None:
        """Reset the batch-shuffling stream and every layer's own stream (Dropout masks)."""
        self.rng = np.random.default_rng(seed)
        for layer in self.layers:
            if isinstance(getattr(layer, "rng", None), np.random.Generator):
                layer.rng = np.random.default_rng(self.rng.integers(2**63))

    # -- passes --------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False, keep_outputs: bool = False) -> np.ndarray:
        """Run every layer. Shape: (N, ...) -> the last layer's output (N, K).

        A training forward keeps each layer's cache for ``backward`` and each layer's output
        in ``self.outputs`` (the NaN guard names the first non-finite one). An inference
        forward keeps nothing, so its intermediate arrays are freed as it goes, unless
        ``keep_outputs=True`` asks for ``self.outputs`` (the draw-a-letter page shows them).
        Plain inference takes two shortcuts that give the same numbers (``_infer``).
        """
        shape = tuple(x.shape[1:]) if isinstance(x, np.ndarray) else None
        self.outputs = []
        for layer in self.layers:  # the last pass's caches go first, so its memory serves this one
            layer.clear_cache()
        if not (training or keep_outputs):
            x = self._infer(x)
        else:
            for layer in self.layers:
                x = layer.forward(x, training=training)
                self.outputs.append(x)
        if shape is not None:
            self.last_input_shape = shape  # only once every layer has accepted it
        return x

    def _infer(self, x: np.ndarray) -> np.ndarray:
        """Inference as one pass would compute it, faster:

        - a large batch runs in sub-batches whose layer outputs hold ~INFERENCE_FLOATS values
          each (every layer treats samples independently at inference), so they are still in
          cache when the next layer reads them and their memory is reused, not remapped;
        - an activation that is non-decreasing (ReLU, Sigmoid, Tanh, LeakyReLU with a slope
          >= 0) and followed by a MaxPool2D runs after it: f(max x) = max f(x), on k_h*k_w
          times fewer values.
        A shape error is raised again by one plain pass, so it names the whole batch and the
        first layer that refuses it, as it would without the shortcuts.
        """
        layers = self._inference_order()
        try:
            step = self._inference_step(x)
            if len(x) > step:
                step = -(-len(x) // -(-len(x) // step))  # balanced parts
            out = []
            for start in range(0, max(len(x), 1), step):
                part = x[start : start + step]
                for layer in layers:
                    part = layer.forward(part, training=False)
                out.append(part)
            return out[0] if len(out) == 1 else np.concatenate(out)
        except ValueError:
            for layer in self.layers:
                x = layer.forward(x, training=False)
            return x

    def _inference_order(self) -> list[Layer]:
        """The layers, with each (non-decreasing activation, MaxPool2D) pair swapped."""
        layers = list(self.layers)
        for i in range(len(layers) - 1):
            monotone = _own(layers[i]) and getattr(layers[i], "non_decreasing", False)
            if monotone and type(layers[i + 1]) is MaxPool2D:
                layers[i], layers[i + 1] = layers[i + 1], layers[i]
        return layers

    def _inference_step(self, x: Any) -> int:
        """Samples per inference sub-batch: each layer's output then holds at most ~INFERENCE_FLOATS values.

        The output shapes come from the layers' ``output_shape``; when x does not fit them,
        the whole batch runs at once and the layers' own checks report the mismatch. So it
        does when a layer is not one of barenet's own, which might mix samples (batch norm).
        """
        if not all(_own(layer) for layer in self.layers):
            return max(1, len(x))
        shape, most = tuple(np.shape(x)[1:]), 1
        try:
            for layer in self.layers:
                shape = tuple(layer.output_shape(shape))
                most = max(most, math.prod(shape))
        except (ValueError, TypeError, IndexError):
            return max(1, len(x))
        return max(1, INFERENCE_FLOATS // most)

    def backward(self, dy: np.ndarray, need_input_grad: bool = True,
                 keep_input_grads: bool = False) -> np.ndarray | None:
        """Backpropagate dL/d(output) through every layer, filling grads; returns dL/d(input).

        It needs a training forward first (``forward(x, training=True)``). Training needs no
        gradient for the data itself: with ``need_input_grad=False`` the walk stops at the
        first layer with parameters, which fills its grads through ``backward_params`` when
        it has one (saving, for a first Conv2D, its col2im), and None is returned.
        ``keep_input_grads=True`` keeps every layer's dL/d(input) in ``self.input_grads``
        (``explain`` shows them); otherwise each is freed once the layer below has used it.
        """
        first = next((i for i, layer in enumerate(self.layers) if layer.params), 0)
        grads: list[np.ndarray | None] = [None] * len(self.layers)
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            if not need_input_grad and i == first and hasattr(layer, "backward_params"):
                layer.backward_params(dy)
                dy = None
                break
            dy = layer.backward(dy)
            if keep_input_grads:
                grads[i] = dy
            if not need_input_grad and i == first:
                break
            if dy is None and i > 0:  # the layer below would fail on None and name itself: name this one
                raise TypeError(f"{layer.label}: backward returned None; it must return dL/d(input), "
                                "the gradient that the layer below receives")
        self.input_grads = grads if keep_input_grads else []
        return dy

    __call__ = forward

    # -- training and inference ----------------------------------------------------
    def fit(self, X: Any, y: Any, *, loss: Loss, optimizer: Any, epochs: int = 1, batch_size: int = 32,
            validation_data: tuple[Any, Any] | None = None, validation_split: float = 0.0,
            shuffle: bool = True, seed: int | None = None, callbacks: Iterable[Any] = ()) -> History:
        """Train with mini-batches; see ``barenet.nn.fit.fit`` for the details."""
        return fit(self, X, y, loss=loss, optimizer=optimizer, epochs=epochs, batch_size=batch_size,
                   validation_data=validation_data, validation_split=validation_split, shuffle=shuffle,
                   seed=seed, callbacks=callbacks)

    def _forward_batches(self, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        return np.concatenate([self.forward(X[i : i + batch_size]) for i in range(0, len(X), batch_size)])

    def _finite_outputs(self, X: np.ndarray, owner: str) -> np.ndarray:
        """``_forward_batches``, but NaN or inf in the outputs of finite X is a NonFiniteError.

        Huge finite inputs (or weights) overflow inside a layer; the argmax of NaN would be a
        silent answer of class 0. The message names the first such sample and layer.
        """
        with np.errstate(over="ignore", invalid="ignore"):  # the error below says it once
            out = self._forward_batches(X)
        bad = ~np.isfinite(out.reshape(len(out), -1)).all(axis=1)
        if not bad.any():
            return out
        i = int(np.flatnonzero(bad)[0])
        with np.errstate(all="ignore"):
            self.forward(X[i : i + 1], keep_outputs=True)
        outputs, self.outputs = self.outputs, []
        k = next((j for j, o in enumerate(outputs) if not np.isfinite(o).all()), len(outputs) - 1)
        raise NonFiniteError(f"{owner}: {self.layers[k].label} gives NaN or inf for sample {i}, whose values "
                             f"are finite but reach {float(np.abs(X[i]).max()):.3g}; scale the input "
                             "(pictures: values in [0, 1]) or check the weights")

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (N, K); a single output gives two columns [1 - p, p].

        Outputs that are already probabilities (a last Softmax or Sigmoid layer) pass through;
        logits get a softmax (K >= 2) or a sigmoid (K = 1). NonFiniteError if an output is
        NaN or inf (an input too large for the weights).
        """
        X = check_X(X, "Sequential.predict_proba")
        return self.proba_from_output(self._finite_outputs(X, "Sequential.predict_proba"))

    def proba_from_output(self, out: np.ndarray) -> np.ndarray:
        """Class probabilities (N, K) from raw outputs, as ``predict_proba`` computes them."""
        out = out.reshape(len(out), -1)
        last = self.layers[-1]
        if out.shape[1] == 1:
            p = out if isinstance(last, Sigmoid) else sigmoid(out)
            return np.hstack([1 - p, p])
        return out if isinstance(last, Softmax) else softmax(out)

    def predict(self, X: Any) -> np.ndarray:
        """Class labels, shape (N,): the argmax, or p >= 0.5 for a single sigmoid output."""
        return self.labels_from_output(self._finite_outputs(check_X(X, "Sequential.predict"), "Sequential.predict"))

    def evaluate(self, X: Any, y: Any, loss: Loss | None = None) -> dict[str, float]:
        """Mean loss and accuracy on (X, y) in inference mode: ``{"loss": ..., "accuracy": ...}``."""
        X, y = check_Xy(X, y, "Sequential.evaluate")
        loss = loss or self.loss
        if loss is None:
            raise ValueError("Sequential.evaluate: pass loss=..., or fit the model first")
        out = self._forward_batches(X)
        return {"loss": loss.forward(out, y), "accuracy": float(np.mean(self.labels_from_output(out) == labels_of(y)))}

    def labels_from_output(self, out: np.ndarray) -> np.ndarray:
        """Predicted labels from raw outputs: argmax, or a 0.5 threshold for one output."""
        out = out.reshape(len(out), -1)
        if out.shape[1] == 1:
            threshold = 0.5 if isinstance(self.layers[-1], Sigmoid) else 0.0
            return (out[:, 0] >= threshold).astype(np.int64)
        return out.argmax(axis=1)

    # -- description ---------------------------------------------------------------
    @property
    def n_params(self) -> int:
        return sum(layer.n_params for layer in self.layers)

    def get_config(self) -> dict[str, Any]:
        """The architecture as plain data: ``{"layers": [{"type": "Dense", "config": {...}}, ...]}``."""
        return {"layers": [{"type": type(layer).__name__, "config": layer.get_config()} for layer in self.layers]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Sequential":
        """Rebuild from ``get_config`` data; only layer types in the ``LAYERS`` registry are allowed."""
        layers = []
        for i, spec in enumerate(config.get("layers", [])):
            kind = spec.get("type") if isinstance(spec, dict) else None
            if kind not in LAYERS:
                raise ValueError(f"Sequential.from_config: layer {i} has unknown type {kind!r}; "
                                 f"known types are {sorted(LAYERS)}")
            layers.append(LAYERS[kind].from_config(dict(spec.get("config", {}))))
        return cls(layers)

    @property
    def input_shape(self) -> tuple | None:
        """The per-sample input shape, when known: the training record's ``"input_shape"``
        (what the model was made for; model files keep it), else the shape of the last input
        ``forward`` ran on (``fit``, ``predict`` and ``evaluate`` all run it), else None."""
        shape = self.record.get("input_shape") if isinstance(self.record, dict) else None
        if isinstance(shape, (list, tuple)) and all(isinstance(d, int) for d in shape):
            return tuple(shape)
        return getattr(self, "last_input_shape", None)

    def summary_rows(self, input_shape: tuple | None = None) -> list[tuple[str, tuple | None, int]]:
        """Rows (layer label, per-sample output shape, parameter count), one per layer.

        The shapes follow ``input_shape``, or ``self.input_shape`` when it is not given; with
        neither, every shape is None. A shape a layer cannot take raises its ShapeError.
        """
        shape = tuple(input_shape) if input_shape is not None else self.input_shape
        rows = []
        for layer in self.layers:
            shape = layer.output_shape(shape) if shape is not None else None
            rows.append((layer.label, shape, layer.n_params))
        return rows

    def _table(self, input_shape: tuple | None) -> tuple[list[list[str]], list[str], str]:
        """Cells (index, layer, output shape, parameters), the totals row, and a headline."""
        shape = tuple(input_shape) if input_shape is not None else self.input_shape
        rows = self.summary_rows(shape)
        cells = [[str(i), layer.short_label, "?" if out is None else shape_str(out), f"{n:,}"]
                 for i, (layer, (_, out, n)) in enumerate(zip(self.layers, rows))]
        per_sample = "" if shape is None else f"{sum(int(np.prod(out)) for _, out, _ in rows):,} values per sample"
        total = ["", "Total", per_sample, f"{self.n_params:,}"]
        head = f"Sequential: {len(self.layers)} layers, {self.n_params:,} parameters, " + (
            f"input {shape_str(shape)}" if shape is not None else
            "input shape not known yet (run the model once, or pass input_shape)")
        return cells, total, head

    def _trained(self) -> str:
        if not self.epoch and self.loss is None:
            return "Not trained yet."
        return f"Trained {self.epoch} epochs with loss {self.loss!r} and optimizer {self.optimizer!r}."

    def summary(self, input_shape: tuple | None = None, print_fn: Callable[[str], Any] = print) -> None:
        """Print the layer table for a terminal, Keras-style: layer, output shape, parameters.

        Output shapes and the per-sample total need the input shape: ``input_shape`` (C, H, W)
        or (D,), else ``self.input_shape``; without one they show "?". ``summary_rows``
        gives the same rows as data.
        """
        cells, total, head = self._table(input_shape)
        head_row = ["#", "Layer", "Output shape", "Parameters"]
        lines = text_table(head_row, cells + [total], numeric=[True, False, False, True])
        width = max(len(line) for line in lines)
        nbytes = sum(p.nbytes for layer in self.layers for p in layer.params.values())
        for line in [head, "=" * width, lines[0], "-" * width, *lines[1:-1], "=" * width, lines[-1],
                     f"Parameter memory: {nbytes:,} bytes", self._trained()]:
            print_fn(line)

    def _repr_html_(self) -> str:
        """The layer table as HTML, for notebooks; the plain ``repr`` stays the constructor call."""
        cells, total, head = self._table(None)
        table = html_table(["#", "Layer", "Output shape", "Parameters"], cells + [total], caption=head,
                           row_classes=[""] * len(cells) + ["total"], numeric=[True, False, False, True])
        return table + html_paragraph(self._trained())

    def __repr__(self) -> str:
        inner = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return f"Sequential([\n{inner}\n])"
