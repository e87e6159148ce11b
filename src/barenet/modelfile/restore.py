"""Rebuild a model and its training state from a verified model-file header.

``reader.py`` checks the file's magic, version, sizes and SHA-256, then hands the
parsed JSON header and the array section to ``restore``. Everything here treats
the header as untrusted data: types come only from the registries ``LAYERS``,
``OPTIMIZERS``, ``SCHEDULES`` and ``LOSSES``; arrays only in allowlisted dtypes; every
weight and optimizer slot must match the shape and dtype of the parameter that the
rebuilt architecture creates; and every array must belong to something. Each problem
raises ``ModelFileError`` with a one-line message. See ``format.py`` for the format.

Every config value is type- and range-checked first (``fields.py``), every float
array must be finite, and with a recorded input shape the rebuilt model must accept it
within the size limits and give finite outputs on a blank input, so a model that loads can
also predict.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..nn.errors import ModelFileError, NonFiniteError
from ..nn.layers import LAYERS
from ..nn.losses import LOSSES, Loss
from ..nn.model import Sequential
from ..nn.optim import OPTIMIZERS, SCHEDULES, Optimizer, optimizer_from_config
from .fields import MAX_COUNT, MAX_LAYERS, check_config, check_forward_sizes, check_output_bound, check_record, is_number
from .format import BIT_GENERATORS, DTYPES, MAX_NDIM, SLOT_NAME, known, need, shown


def restore(header: dict[str, Any], body: memoryview) -> Sequential:
    """The model described by ``header`` (keys as in ``format.py``), with arrays from ``body``."""
    arrays = _read_arrays(header["arrays"], body)
    model = _build_model(header["architecture"], arrays)
    _restore_weights(model, arrays)
    check_output_bound(model)
    model.optimizer = _build_optimizer(header["optimizer"], model, arrays)
    model.loss = _build_loss(header["loss"])
    model.epoch = need(header["epoch"], int, "epoch")
    if not 0 <= model.epoch <= MAX_COUNT:
        raise ModelFileError(f"epoch must be >= 0 and <= {MAX_COUNT}, found {model.epoch}")
    _restore_rngs(model, need(header["rng"], dict, "rng"))
    model.record = need(header["record"], dict, "record")
    if arrays:
        raise ModelFileError(f"array {shown(next(iter(arrays)))} belongs to nothing in the model")
    check_record(model.record)
    check_forward_sizes(model, model.record)
    _check_blank_prediction(model, model.record)
    return model


def _check_blank_prediction(model: Sequential, record: dict[str, Any]) -> None:
    """One forward pass on a blank input of the recorded shape: it must run and give finite values."""
    if "input_shape" not in record:
        return
    x = np.zeros((1, *record["input_shape"]), dtype=np.float32)
    try:
        with np.errstate(all="ignore"):  # an overflow shows as inf below, not as a warning
            y = model.predict_proba(x)
    except NonFiniteError:
        y = np.array(np.nan)
    except (ValueError, TypeError, FloatingPointError) as exc:
        raise ModelFileError(f"the model cannot predict from its recorded input shape "
                             f"{tuple(record['input_shape'])}: {' '.join(str(exc).split())}") from None
    if not np.isfinite(y).all():
        raise ModelFileError("the model gives NaN or infinite outputs on a blank input (weights too large)")


def _read_arrays(entries: Any, body: memoryview) -> dict[str, np.ndarray]:
    """Check the array table tiles the array section exactly; return fresh, writable arrays."""
    arrays, offset = {}, 0
    for k, entry in enumerate(need(entries, list, "arrays")):
        entry = need(entry, dict, f"arrays[{k}]")
        if set(entry) != {"name", "dtype", "shape", "offset", "nbytes"}:
            raise ModelFileError(f"arrays[{k}] has keys {shown(sorted(entry), 120)}, "
                                 "expected name, dtype, shape, offset, nbytes")
        name, dtype = need(entry["name"], str, f"arrays[{k}].name"), entry["dtype"]
        if not known(dtype, DTYPES):
            raise ModelFileError(f"array {shown(name)} has dtype {shown(dtype)}; only {sorted(DTYPES)} are allowed")
        shape = tuple(need(d, int, f"a dimension of array {shown(name)}") for d in need(entry["shape"], list, name))
        if len(shape) > MAX_NDIM or not all(0 <= d < 2**31 for d in shape) or name in arrays:
            raise ModelFileError(f"array {shown(name)} has a bad shape {shown(shape)} or a duplicate name")
        nbytes = math.prod(shape) * DTYPES[dtype].itemsize
        at = need(entry["offset"], int, f"offset of {shown(name)}")
        size = need(entry["nbytes"], int, f"nbytes of {shown(name)}")
        if size != nbytes or at != offset or offset + nbytes > len(body):
            raise ModelFileError(f"array {shown(name)} does not fit the array section (offset {at}, {size} bytes; "
                                 f"expected offset {offset}, {nbytes} bytes)")
        flat = np.frombuffer(body, dtype=DTYPES[dtype], count=math.prod(shape), offset=offset)
        arrays[name] = flat.reshape(shape).astype(DTYPES[dtype].newbyteorder("="), copy=True)
        if arrays[name].dtype.kind == "f" and not np.isfinite(arrays[name]).all():
            raise ModelFileError(f"array {shown(name)} holds NaN or infinite values")
        offset += nbytes
    if offset != len(body):
        raise ModelFileError(f"the array section has {len(body) - offset} bytes no array accounts for")
    return arrays


def _checked_build(what: str, build: Callable[[], Any]) -> Any:
    try:
        return build()
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError, MemoryError) as exc:
        raise ModelFileError(f"{what}: bad config ({type(exc).__name__}: {exc})") from None


def _build_model(arch: Any, arrays: dict[str, np.ndarray]) -> Sequential:
    arch = need(arch, dict, "architecture")
    if set(arch) != {"layers"}:
        raise ModelFileError(f"architecture has keys {shown(sorted(arch), 120)}, expected ['layers']")
    specs = need(arch.get("layers"), list, "architecture.layers")
    if len(specs) > MAX_LAYERS:
        raise ModelFileError(f"architecture has {len(specs)} layers; the limit is {MAX_LAYERS}")
    layers = []
    for i, spec in enumerate(specs):
        spec = need(spec, dict, f"layer {i}")
        kind = spec.get("type")
        if not known(kind, LAYERS):
            raise ModelFileError(f"layer {i} has unknown type {shown(kind)}; known types are {sorted(LAYERS)}")
        config = need(spec.get("config"), dict, f"layer {i} ({kind}) config")
        if set(spec) != {"type", "config"}:
            raise ModelFileError(f"layer {i} has keys {shown(sorted(spec), 120)}, expected ['config', 'type']")
        check_config(config, f"layer {i} ({kind})")
        _check_declared_shapes(i, kind, config, arrays)
        layers.append(_checked_build(f"layer {i} ({kind})", lambda: LAYERS[kind].from_config(dict(config))))
    return _checked_build("architecture", lambda: Sequential(layers))


def _check_declared_shapes(i: int, kind: str, config: dict, arrays: dict[str, np.ndarray]) -> None:
    """Before layer i is built, its config's parameter shapes must be those of arrays in the file.

    Building allocates the parameters, so a config naming a huge layer would otherwise cost
    that memory (and the time to fill it) before any weight check ran.
    """
    shapes = _checked_build(f"layer {i} ({kind})", lambda: LAYERS[kind].param_shapes(config))
    for name, shape in shapes.items():
        arr = arrays.get(f"layers.{i}.{name}")
        if arr is None or arr.shape != tuple(shape):
            found = "is missing" if arr is None else f"has shape {arr.shape}"
            raise ModelFileError(f"weight {shown(name)} of layer {i} ({kind}) {found} in the file; "
                                 f"its config implies {tuple(shape)}")


def _take(arrays: dict[str, np.ndarray], name: str, like: np.ndarray, what: str) -> np.ndarray:
    """Remove array ``name`` and check that it matches ``like`` in shape and dtype."""
    if name not in arrays:
        raise ModelFileError(f"{what} is missing from the file")
    arr = arrays.pop(name)
    if arr.shape != like.shape or arr.dtype != like.dtype:
        raise ModelFileError(f"{what} has shape {arr.shape} and dtype {arr.dtype} in the file; the "
                             f"architecture expects {like.shape} and {like.dtype}")
    return arr


def _restore_weights(model: Sequential, arrays: dict[str, np.ndarray]) -> None:
    for i, layer in enumerate(model.layers):
        for name, p in layer.params.items():
            layer.params[name] = _take(arrays, f"layers.{i}.{name}", p, f"weight {shown(name)} of {layer.label}")


def _build_optimizer(spec: Any, model: Sequential, arrays: dict[str, np.ndarray]) -> Optimizer | None:
    if spec is None:
        return None
    spec = need(spec, dict, "optimizer")
    if set(spec) != {"type", "config", "lr", "state"}:
        raise ModelFileError(f"optimizer has keys {shown(sorted(spec), 120)}, expected config, lr, state, type")
    kind, config = spec["type"], need(spec["config"], dict, "optimizer config")
    if not known(kind, OPTIMIZERS):
        raise ModelFileError(f"unknown optimizer type {shown(kind)}; known types are {sorted(OPTIMIZERS)}")
    sched = config.get("schedule")
    if sched is not None and (not isinstance(sched, dict) or not known(sched.get("type"), SCHEDULES)):
        raise ModelFileError(f"optimizer {kind} has an unknown schedule; known types are {sorted(SCHEDULES)}")
    check_config(config, f"optimizer {kind}")
    opt = _checked_build(f"optimizer {kind}", lambda: optimizer_from_config(kind, config))
    lr = spec["lr"]
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (math.isfinite(lr) and lr > 0):
        raise ModelFileError(f"optimizer lr must be a positive number, found {shown(lr)}")
    opt.lr = float(lr)
    for k, entry in enumerate(need(spec["state"], list, "optimizer state")):
        _restore_slots(opt, model, need(entry, dict, f"optimizer state[{k}]"), arrays)
    return opt


def _restore_slots(opt: Optimizer, model: Sequential, entry: dict, arrays: dict[str, np.ndarray]) -> None:
    """One optimizer state entry: JSON scalars plus arrays shaped like the parameter."""
    if set(entry) != {"layer", "param", "scalars", "arrays"}:
        raise ModelFileError(f"optimizer state entry has keys {shown(sorted(entry), 120)}, "
                             "expected arrays, layer, param, scalars")
    i, param = need(entry["layer"], int, "optimizer state layer"), entry["param"]
    if not 0 <= i < len(model.layers) or not isinstance(param, str) or param not in model.layers[i].params:
        raise ModelFileError(f"optimizer state for layer {i}, parameter {shown(param)}: "
                             "the model has no such parameter")
    if (i, param) in opt.state:
        raise ModelFileError(f"optimizer state for layer {i}, parameter {shown(param)} appears twice")
    layer, slots = model.layers[i], {}
    for slot, value in need(entry["scalars"], dict, "optimizer state scalars").items():
        if not SLOT_NAME.match(slot) or not is_number(value) or abs(value) > MAX_COUNT:
            raise ModelFileError(f"optimizer state {shown(slot)} for {shown(param)} of {layer.label} must be a number "
                                 f"of at most {MAX_COUNT}")
        slots[slot] = value
    for slot in need(entry["arrays"], list, "optimizer state arrays"):
        if not isinstance(slot, str) or not SLOT_NAME.match(slot) or slot in slots:
            raise ModelFileError(f"optimizer state for {shown(param)} of {layer.label} "
                                 f"has a bad slot name {shown(slot)}")
        slots[slot] = _take(arrays, f"optimizer.{i}.{param}.{slot}", layer.params[param],
                            f"optimizer state {shown(slot)} for {shown(param)} of {layer.label}")
    _check_slots(opt, slots, f"optimizer state for {shown(param)} of {layer.label}")
    opt.state[(i, param)] = slots


def _check_slots(opt: Optimizer, slots: dict[str, Any], what: str) -> None:
    """A parameter's state is empty (never stepped) or exactly the optimizer's SLOTS, of their kinds."""
    expected = type(opt).SLOTS
    if not slots:
        return
    if set(slots) != set(expected):
        raise ModelFileError(f"{what} has slots {shown(sorted(slots), 120)}; "
                             f"{type(opt).__name__} keeps {sorted(expected)}")
    for slot, kind in expected.items():
        value = slots[slot]
        ok = isinstance(value, np.ndarray) if kind == "array" else isinstance(value, int) and value >= 0
        if not ok:
            raise ModelFileError(f"{what}: {shown(slot)} must be {'an array' if kind == 'array' else 'a count >= 0'}")


def _build_loss(spec: Any) -> Loss | None:
    if spec is None:
        return None
    spec = need(spec, dict, "loss")
    kind, config = spec.get("type"), need(spec.get("config"), dict, "loss config")
    if not known(kind, LOSSES) or set(spec) != {"type", "config"}:
        raise ModelFileError(f"unknown loss type {shown(kind)}; known types are {sorted(LOSSES)}")
    check_config(config, f"loss {kind}")
    return _checked_build(f"loss {kind}", lambda: LOSSES[kind](**config))


def _generator(state: Any, where: str) -> np.random.Generator:
    """A Generator in ``state``; only allowlisted bit generators and integer fields."""
    state = need(state, dict, f"{where} state")
    inner = state.get("state")
    ok_inner = isinstance(inner, dict) and set(inner) == {"state", "inc"}
    fields = [inner["state"], inner["inc"]] if ok_inner else [None]
    fields += [state.get("has_uint32"), state.get("uinteger")]
    well_formed = set(state) == {"bit_generator", "state", "has_uint32", "uinteger"} and \
        all(isinstance(v, int) and not isinstance(v, bool) for v in fields)
    if not (well_formed and known(state["bit_generator"], BIT_GENERATORS)):
        raise ModelFileError(f"{where} has a bad random state; expected a {' or '.join(BIT_GENERATORS)} state")
    bit_gen = BIT_GENERATORS[state["bit_generator"]]()
    try:
        bit_gen.state = state
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise ModelFileError(f"{where} has a bad random state ({exc})") from None
    return np.random.Generator(bit_gen)


def _restore_rngs(model: Sequential, spec: dict[str, Any]) -> None:
    if set(spec) != {"model", "layers"}:
        raise ModelFileError(f"rng has keys {shown(sorted(spec), 120)}, expected layers, model")
    model.rng = _generator(spec["model"], "the model's rng")
    wanted = {i for i, layer in enumerate(model.layers) if isinstance(getattr(layer, "rng", None), np.random.Generator)}
    found = set()
    for entry in need(spec["layers"], list, "rng layers"):
        entry = need(entry, dict, "an rng layers entry")
        i = entry.get("layer")
        if not isinstance(i, int) or i not in wanted or i in found or set(entry) != {"layer", "state"}:
            raise ModelFileError(f"rng state for layer {shown(i)}: that layer has no random stream, "
                                 "or it appears twice")
        model.layers[i].rng = _generator(entry["state"], model.layers[i].label)
        found.add(i)
    if found != wanted:
        raise ModelFileError(f"no rng state for layer(s) {shown(sorted(wanted - found), 120)}")
