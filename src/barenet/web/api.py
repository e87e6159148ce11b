"""The model behind the web page: predictions and descriptions as JSON-ready dicts.

``Predictor`` holds one loaded ``Sequential``. A prediction asks the forward pass to keep
each layer's output in ``model.outputs`` (the page draws them), which is state in the model,
so predictions run one at a time under a lock; everything read from the model is copied
out before the lock is released.
"""

from __future__ import annotations

import base64
import os
import threading
from typing import Any

import numpy as np

from ..nn.layers import Conv2D
from ..nn.model import Sequential
from .inputs import model_input, parse_body

DECIMALS = 3  # the input picture is rounded to this many decimals


class Predictor:
    """A loaded model ready to answer ``/api/predict`` and ``/api/model``."""

    def __init__(self, model: Sequential, name: str = "model") -> None:
        record = getattr(model, "record", None) or {}
        if "classes" not in record or "input_shape" not in record:
            raise ValueError(f"{name}: the model file does not record its classes and input shape; "
                             "save it with barenet train")
        shape = tuple(int(d) for d in record["input_shape"])
        if len(shape) != 3:
            raise ValueError(f"{name}: the drawing page needs a model of pictures, shape (1, H, W); "
                             f"this one takes samples of shape {shape}")
        C, H, W = shape
        if C != 1:
            raise ValueError(f"{name}: the drawing page needs a one-channel (grayscale) model, "
                             f"this one takes {C} channels")
        self.model, self.name = model, name
        self.classes = [str(c) for c in record["classes"]]
        self.input_shape = (C, H, W)
        self._lock = threading.Lock()
        self._describe = self._description(record)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> "Predictor":
        """Load a model file written by ``barenet train``."""
        from ..modelfile import load

        return cls(load(path), name=os.path.basename(os.fspath(path)))

    # -- GET /api/model ----------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """The architecture, input shape, classes and parameter counts (``GET /api/model``)."""
        return self._describe

    def _description(self, record: dict[str, Any]) -> dict[str, Any]:
        rows = self.model.summary_rows(self.input_shape)
        layers = [{"name": _name(layer), "output_shape": list(shape), "parameters": int(n)}
                  for layer, (_, shape, n) in zip(self.model.layers, rows)]
        training = record.get("config", {}) if isinstance(record.get("config"), dict) else {}
        return {"name": self.name, "architecture": self.model.get_config(), "layers": layers,
                "input_shape": list(self.input_shape), "classes": self.classes,
                "parameters": int(self.model.n_params),
                "training": {k: training[k] for k in ("dataset", "arch", "epochs", "seed") if k in training},
                "epoch": int(self.model.epoch)}

    # -- POST /api/predict -------------------------------------------------------
    def predict_body(self, raw: bytes) -> dict[str, Any]:
        """Answer a raw request body (see ``inputs``); RequestError for a bad one."""
        x = model_input(parse_body(raw), self.input_shape[1:])
        return self.predict(x)

    def predict(self, x: np.ndarray) -> dict[str, Any]:
        """Class, probabilities and per-layer activity for one input. Shape: x (1, 1, H, W)."""
        with self._lock:
            proba = self.model.proba_from_output(self.model.forward(x, keep_outputs=True))[0]
            outputs = [out[0].copy() for out in self.model.outputs]  # (C_l, H_l, W_l) or (D_l,)
            self.model.outputs = []  # the copies are all the answer needs
        k = int(np.argmax(proba))
        return {"class": self.classes[k], "index": k, "classes": self.classes,
                "probabilities": [float(p) for p in proba],
                "input": np.round(x[0, 0].astype(np.float64), DECIMALS).tolist(),
                "layers": [layer_summary(layer, out) for layer, out in zip(self.model.layers, outputs)]}


def _name(layer: Any) -> str:
    """``Conv2D(1, 6, 5)``: the layer's label without its position."""
    suffix = f" at {layer.where}" if layer.where else ""
    return layer.label[: len(layer.label) - len(suffix)] if suffix else layer.label


def layer_summary(layer: Any, out: np.ndarray) -> dict[str, Any]:
    """One layer's output for one sample: name, shape, mean, max, fraction > 0, conv maps.

    Shape: out (C, H, W) or (D,). Conv layers also give ``maps`` (see ``map_levels``).
    """
    out = out.astype(np.float64)
    summary = {"name": _name(layer), "type": type(layer).__name__, "shape": list(out.shape),
               "mean": round(float(out.mean()), 4), "min": round(float(out.min()), 4),
               "max": round(float(out.max()), 4), "active": round(float((out > 0).mean()), 4)}
    if isinstance(layer, Conv2D):
        summary["maps"] = map_levels(out, summary["max"])
    return summary


def map_levels(out: np.ndarray, top: float) -> str:
    """Conv maps as the page paints them: base64 of C*H*W bytes in C order.

    Byte ``round(255 * clip(v, 0, top) / top)`` for each value v (negatives, which the ReLU
    after a conv would stop, are 0). Shape: out (C, H, W). Bytes rather than a JSON list of
    numbers: a 3-block network has ~44,000 map values, which as JSON numbers cost 330 KB
    and 15 ms per answer, as bytes 59 KB and well under a millisecond.
    """
    scale = 255.0 / top if top > 0 else 0.0
    levels = np.clip(np.rint(out * scale), 0, 255).astype(np.uint8)
    return base64.b64encode(levels.tobytes()).decode("ascii")
