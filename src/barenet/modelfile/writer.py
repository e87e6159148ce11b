"""Writing model files: ``save(model, path)`` in the format of ``format.py``."""

from __future__ import annotations

import datetime
import json
import os
import platform
from typing import Any

import numpy as np

from .._version import __version__
from ..nn.errors import ModelFileError
from ..nn.losses import LOSSES, Loss
from ..nn.model import Sequential
from ..nn.optim import OPTIMIZERS, SCHEDULES
from .atomic import atomic_write
from .format import BIT_GENERATORS, DTYPES, FORMAT_VERSION, MAGIC, MAX_HEADER_BYTES, PREFIX, with_digest
from .reader import parse_header
from .restore import restore


def save(model: Sequential, path: str | os.PathLike[str], *, record: dict[str, Any] | None = None,
         weights_only: bool = False) -> None:
    """Write ``model`` and its training state to ``path`` atomically, in the format of ``format.py``.

    ``weights_only=True`` leaves the optimizer out (``"optimizer": null``, no slot arrays):
    a smaller file for shipping, which predicts the same but cannot ``--resume``.

    ``record`` is any JSON-able dict (metrics, data set name, notes); without one, the
    model's own ``record`` (filled by ``load`` and by the training job) is kept. Raises ``ValueError`` for state that
    a model file cannot hold (an optimizer or loss outside the registries, a record that
    is not JSON), or that ``load`` would refuse (non-finite weights, a record field of the
    wrong type), before anything is written.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"save: model must be a barenet Sequential, received {type(model).__name__}")
    arrays: list[tuple[str, np.ndarray]] = []
    header = {
        "architecture": model.get_config(),
        "arrays": [],
        "optimizer": None if weights_only else _describe_optimizer(model, arrays),
        "loss": _describe_loss(model.loss),
        "epoch": int(model.epoch),
        "rng": _describe_rngs(model),
        "record": _stamped(record if record is not None else model.record),
    }
    weights = [(f"layers.{i}.{name}", p) for i, layer in enumerate(model.layers) for name, p in layer.params.items()]
    chunks, offset = [], 0
    for name, arr in weights + arrays:
        data = _as_le_bytes(name, arr)
        header["arrays"].append({"name": name, "dtype": arr.dtype.name, "shape": list(arr.shape),
                                 "offset": offset, "nbytes": data.nbytes})
        chunks.append(data)
        offset += data.nbytes
    head = _to_json(header)
    if len(head) > MAX_HEADER_BYTES:
        raise ValueError(f"save: the header is {len(head)} bytes, over the {MAX_HEADER_BYTES}-byte limit; "
                         "make the record smaller")
    _check_loadable(head, chunks)
    atomic_write(path, with_digest([PREFIX.pack(MAGIC, FORMAT_VERSION, len(head)), head, *chunks]))


def _check_loadable(head: bytes, chunks: list[np.ndarray]) -> None:
    """Run the loader's own checks on what is about to be written; ValueError if it would refuse it.

    A file that ``load`` refuses is lost work, and written over a good file it would destroy
    that one too: NaN weights after a bad manual edit, a record whose ``classes`` is a string,
    weights so large the model overflows on any picture. Costs one copy of the arrays.
    """
    try:
        restore(parse_header(head), memoryview(b"".join(chunks)))
    except ModelFileError as exc:
        raise ValueError(f"save: load would refuse this model, so nothing was written: {exc}") from None


def _as_le_bytes(name: str, arr: Any) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.dtype.name not in DTYPES:
        raise ValueError(f"save: array {name} has dtype {arr.dtype}; model files hold only {sorted(DTYPES)}")
    return np.ascontiguousarray(arr, dtype=DTYPES[arr.dtype.name]).reshape(-1).view(np.uint8)


def _describe_optimizer(model: Sequential, arrays: list) -> dict[str, Any] | None:
    opt = model.optimizer
    if opt is None:
        return None
    kind = type(opt).__name__
    if OPTIMIZERS.get(kind) is not type(opt):
        raise ValueError(f"save: optimizer {kind} is not in OPTIMIZERS {sorted(OPTIMIZERS)}; it cannot be saved")
    if opt.schedule is not None and SCHEDULES.get(type(opt.schedule).__name__) is not type(opt.schedule):
        raise ValueError(f"save: schedule {type(opt.schedule).__name__} is not in SCHEDULES {sorted(SCHEDULES)}")
    state = []
    for (i, param), slots in sorted(opt.state.items()):
        entry = {"layer": int(i), "param": param, "scalars": {}, "arrays": []}
        for slot, value in slots.items():
            if isinstance(value, np.ndarray):
                entry["arrays"].append(slot)
                arrays.append((f"optimizer.{i}.{param}.{slot}", value))
            elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
                entry["scalars"][slot] = value.item() if isinstance(value, np.generic) else value
            else:
                raise ValueError(f"save: optimizer state {slot!r} of layer {i} is a {type(value).__name__}; "
                                 "model files hold arrays and numbers")
        state.append(entry)
    return {"type": kind, "config": opt.get_config(), "lr": float(opt.lr), "state": state}


def _describe_loss(loss: Loss | None) -> dict[str, Any] | None:
    if loss is None:
        return None
    kind = type(loss).__name__
    if LOSSES.get(kind) is not type(loss):
        raise ValueError(f"save: loss {kind} is not in LOSSES {sorted(LOSSES)}; it cannot be saved")
    return {"type": kind, "config": loss.get_config()}


def _rng_state(rng: np.random.Generator, where: str) -> dict[str, Any]:
    state = rng.bit_generator.state
    if state.get("bit_generator") not in BIT_GENERATORS:
        raise ValueError(f"save: {where} uses {state.get('bit_generator')}; model files hold only "
                         f"{sorted(BIT_GENERATORS)} generators")
    return state


def _describe_rngs(model: Sequential) -> dict[str, Any]:
    layers = [{"layer": i, "state": _rng_state(layer.rng, layer.label)}
              for i, layer in enumerate(model.layers) if isinstance(getattr(layer, "rng", None), np.random.Generator)]
    return {"model": _rng_state(model.rng, "the model's rng"), "layers": layers}


def _stamped(record: Any) -> dict[str, Any]:
    if record is not None and not isinstance(record, dict):
        raise ValueError(f"save: record must be a dict, received {type(record).__name__}")
    saved = {"barenet": __version__, "numpy": np.__version__, "python": platform.python_version(),
             "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    return {**(record or {}), "saved": saved}


def _to_json(header: dict[str, Any]) -> bytes:
    def plain(obj: Any) -> Any:
        if isinstance(obj, np.generic):
            return obj.item()
        raise TypeError(f"{type(obj).__name__} is not JSON data")

    try:
        return json.dumps(header, default=plain, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"save: the record and configs must be finite JSON data: {exc}") from None
    except RecursionError:  # a record nested thousands deep; the loader would refuse it anyway
        raise ValueError("save: the record is nested too deeply to write as JSON") from None
