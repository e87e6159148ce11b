"""Safe model files: ``save(model, path)`` and ``load(path)``.

One file holds everything needed to predict with a model or to resume training it
exactly: the architecture, every weight, the optimizer (its settings and its state),
the loss, the random streams, the epoch count and a free-form training record.
Loading never executes code: there is no pickle, no eval and no import by name. Type
names are looked up only in the fixed registries ``LAYERS``, ``OPTIMIZERS``,
``SCHEDULES`` and ``LOSSES``, and every array is checked against the model rebuilt
from the architecture.

Format 1, every integer little-endian::

    offset      bytes  content
    0           8      magic b"BARENET\\0"
    8           2      format version, uint16 (this module writes FORMAT_VERSION)
    10          4      header length H, uint32, at most MAX_HEADER_BYTES
    14          H      header: one UTF-8 JSON object (keys below)
    14+H        D      array section: each array's raw little-endian C-order bytes, back to back
    14+H+D      32     SHA-256 of every byte before it

A file is at most MAX_FILE_BYTES long. The header is a JSON object with exactly these keys:

- ``architecture``: ``Sequential.get_config()``, ``{"layers": [{"type": ..., "config": {...}}]}``.
- ``arrays``: a list of ``{"name", "dtype", "shape", "offset", "nbytes"}``, one per array,
  in file order. ``offset`` counts from the start of the array section; the arrays tile
  the section exactly, with no gap, overlap or extra byte. ``dtype`` is one of
  ``float32``, ``float64`` or ``int64``. Weights are named ``layers.{i}.{param}``
  and optimizer slots ``optimizer.{i}.{param}.{slot}``.
- ``optimizer``: null, or ``{"type", "config", "lr", "state"}`` where ``type`` is an
  ``OPTIMIZERS`` name, ``config`` its ``get_config()``, ``lr`` the current rate and
  ``state`` a list of ``{"layer": i, "param": "W", "scalars": {"step": 3}, "arrays": ["m", "v"]}``.
- ``loss``: null, or ``{"type", "config"}`` with a ``LOSSES`` name.
- ``epoch``: the number of completed training epochs.
- ``rng``: ``{"model": state, "layers": [{"layer": i, "state": state}]}`` where each
  state is a ``bit_generator.state`` dict (PCG64 or PCG64DXSM, integers only).
- ``record``: the caller's JSON dict, plus ``"saved"``: barenet, numpy and python
  versions and a UTC timestamp, filled in (or replaced) by each ``save``.

Any problem while loading, including a missing file, raises ``ModelFileError`` with a
one-line message that starts with the path. This module checks the bytes (magic, version,
sizes, digest, JSON); ``barenet.io_restore`` checks the contents and rebuilds the model. The SHA-256 catches accidental damage (any
flipped byte, any truncation); it is not a signature, so a deliberately forged file can
carry a valid digest, and the registry and shape checks are what keep such a file from
doing harm. A crafted architecture can still name very large layers, which ``load``
allocates before the weight checks run; load files you would trust with that much memory.

Saving is atomic: the file is written to a temporary file in the same folder, flushed
and fsynced, then moved over the target with ``os.replace``; if anything fails, the
temporary file is removed and any previous file at ``path`` is left untouched.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import platform
import struct
import tempfile
from typing import Any, Iterable, Iterator

import numpy as np

from .errors import ModelFileError
from .io_restore import BIT_GENERATORS, DTYPES, need, restore
from .losses import LOSSES, Loss
from .model import Sequential
from .optim import OPTIMIZERS, SCHEDULES

MAGIC = b"BARENET\x00"
FORMAT_VERSION = 1
PREFIX = struct.Struct("<8sHI")  # magic, format version, header length
DIGEST_BYTES = 32
MAX_HEADER_BYTES = 1 << 20  # 1 MiB of JSON describes far more than any barenet model needs
MAX_FILE_BYTES = 1 << 32  # 4 GiB; load reads the whole file into memory
HEADER_KEYS = {"architecture", "arrays", "optimizer", "loss", "epoch", "rng", "record"}


# ---------------------------------------------------------------------------- saving
def save(model: Sequential, path: str | os.PathLike[str], *, record: dict[str, Any] | None = None,
         weights_only: bool = False) -> None:
    """Write ``model`` and its training state to ``path`` atomically, in the format above.

    ``weights_only=True`` leaves the optimizer out (``"optimizer": null``, no slot arrays):
    a smaller file for shipping, which predicts the same but cannot ``--resume``.

    ``record`` is any JSON-able dict (metrics, data set name, notes); without one, the
    model's own ``record`` (set by ``load``) is kept. Raises ``ValueError`` for state that
    a model file cannot hold (an optimizer or loss outside the registries, a record that
    is not JSON) before anything is written.
    """
    arrays: list[tuple[str, np.ndarray]] = []
    header = {
        "architecture": model.get_config(),
        "arrays": [],
        "optimizer": None if weights_only else _describe_optimizer(model, arrays),
        "loss": _describe_loss(model.loss),
        "epoch": int(model.epoch),
        "rng": _describe_rngs(model),
        "record": _stamped(record if record is not None else getattr(model, "record", None)),
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
    atomic_write(path, _with_digest([PREFIX.pack(MAGIC, FORMAT_VERSION, len(head)), head, *chunks]))


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
    from . import __version__  # here, not at the top: barenet/__init__ imports this module

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


def atomic_write(path: str | os.PathLike[str], chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to a temp file beside ``path``, fsync it, and move it onto ``path``.

    A crash at any point leaves either the old file or the new one, never a mix, and no
    temp file behind. A file being replaced keeps its permission bits; a new one gets 0644.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o777 if os.path.isfile(path) else 0o644
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)


def _with_digest(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks, then the 32-byte SHA-256 of all of them: the model file's trailer."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        yield chunk
    yield digest.digest()


def _fsync_dir(folder: str) -> None:
    """Make the rename durable where the OS allows opening a folder (not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------- loading
def load(path: str | os.PathLike[str]) -> Sequential:
    """Read a model file written by ``save``; returns a Sequential ready to predict or train on.

    The model comes back with its weights, ``optimizer`` and ``loss`` (None if it was never
    trained), ``epoch``, the states of ``rng`` and of each layer's own ``rng``, and
    ``record``, so ``model.fit(X, y, loss=model.loss, optimizer=model.optimizer, ...)``
    continues the run exactly. Any problem raises ``ModelFileError``.
    """
    try:
        header, body = _read_verified(path)
        model = restore(header, body)
    except ModelFileError as exc:
        raise ModelFileError(f"{os.fspath(path)}: {exc}") from None
    return model


def _read_verified(path: str | os.PathLike[str]) -> tuple[dict[str, Any], memoryview]:
    """Check prefix, sizes and digest; return the parsed header and the array section."""
    try:
        with open(path, "rb") as f:
            prefix = f.read(PREFIX.size)
            H = _check_prefix(prefix)
            size = os.fstat(f.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise ModelFileError(f"the file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit")
            rest = memoryview(f.read(max(size - len(prefix), 0)))  # sized read: no 4 GiB buffer
    except FileNotFoundError:
        raise ModelFileError("no such file") from None
    except IsADirectoryError:
        raise ModelFileError("is a folder, not a model file") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read the file ({exc.strerror or exc})") from None
    if len(rest) < H + DIGEST_BYTES:
        raise ModelFileError(f"truncated: the file ends at byte {len(prefix) + len(rest)}, inside "
                             "the header or the digest")
    content, trailer = rest[:-DIGEST_BYTES], rest[-DIGEST_BYTES:]
    digest = hashlib.sha256(prefix)
    digest.update(content)
    if digest.digest() != trailer:
        raise ModelFileError(_why_digest_fails(bytes(content[:H]), len(prefix) + len(rest)))
    return _parse_header(bytes(content[:H])), content[H:]


def _check_prefix(prefix: bytes) -> int:
    """Magic, version and header length from the first 14 bytes; returns the header length."""
    if len(prefix) < len(MAGIC) or prefix[: len(MAGIC)] != MAGIC:
        if len(prefix) < len(MAGIC) and MAGIC.startswith(prefix) and prefix:
            raise ModelFileError("truncated: the file ends inside the magic bytes")
        raise ModelFileError("not a barenet model file" + ("" if prefix else " (it is empty)"))
    if len(prefix) < PREFIX.size:
        raise ModelFileError("truncated: the file ends inside the format version or header length")
    _, version, H = PREFIX.unpack(prefix)
    if version > FORMAT_VERSION:
        raise ModelFileError(f"made by a newer barenet (format {version}); this barenet reads up to "
                             f"{FORMAT_VERSION}; upgrade barenet to load it")
    if version < 1:
        raise ModelFileError(f"unknown format version {version}")
    if H > MAX_HEADER_BYTES:
        raise ModelFileError(f"header length {H} is over the {MAX_HEADER_BYTES}-byte limit")
    return H


def _why_digest_fails(head: bytes, size: int) -> str:
    """Say 'truncated' when an intact-looking header describes a longer file."""
    try:
        entries = json.loads(head.decode("utf-8"))["arrays"]
        expected = PREFIX.size + len(head) + sum(int(e["nbytes"]) for e in entries) + DIGEST_BYTES
    except (ValueError, TypeError, KeyError, OverflowError, RecursionError):
        expected = 0
    if size < expected:
        return f"truncated: the file has {size} bytes, its header describes {expected}"
    return "corrupted or tampered (SHA-256 mismatch)"


def _parse_header(head: bytes) -> dict[str, Any]:
    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not allowed")

    try:
        header = json.loads(head.decode("utf-8"), parse_constant=no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFileError(f"the header is not valid JSON ({exc})") from None
    header = need(header, dict, "header")
    if set(header) != HEADER_KEYS:
        raise ModelFileError(f"the header has keys {sorted(header)}, expected {sorted(HEADER_KEYS)}")
    return header
