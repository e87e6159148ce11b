"""The model-file format: its layout, limits and allowlists, in one place.

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
one-line message that starts with the path. ``reader.py`` checks the bytes: only a regular
file is opened, its size must be exactly what the header declares before the array section
is read (in bounded chunks), then the digest and the JSON. ``restore.py`` checks the
contents and rebuilds the model, with every config field type- and range-checked
(``fields.py``) and every weight finite. The SHA-256 catches accidental damage (any flipped
byte, any truncation); it is not a signature, so a deliberately forged file can carry a
valid digest, and the registry, field and shape checks are what keep such a file from doing
harm: no layer is built before its parameter shapes match arrays in the file, and window
sizes, strides and paddings are bounded, so a file cannot make ``load`` or a prediction
allocate much more than the file's own size.

Saving is atomic (``atomic.py``, used by ``writer.py``): the file is written to a temporary
file in the same folder, flushed and fsynced, then moved over the target with
``os.replace``; if anything fails, the temporary file is removed and any previous file at
``path`` is left untouched. A process killed mid-save leaves its temporary file; the next
save to the same path removes it.
"""

from __future__ import annotations

import hashlib
import re
import struct
from typing import Any, Iterable, Iterator

import numpy as np

from .._jsonable import MAX_INT_DIGITS, bounded_int
from ..nn.errors import ModelFileError

MAGIC = b"BARENET\x00"
FORMAT_VERSION = 1
PREFIX = struct.Struct("<8sHI")  # magic, format version, header length
DIGEST_BYTES = 32
MAX_HEADER_BYTES = 1 << 20  # 1 MiB of JSON describes far more than any barenet model needs
MAX_FILE_BYTES = 1 << 32  # 4 GiB; load holds the whole array section in memory
READ_CHUNK = 1 << 24  # the array section is read and hashed 16 MiB at a time
HEADER_KEYS = {"architecture", "arrays", "optimizer", "loss", "epoch", "rng", "record"}
MAX_NDIM = 8
DTYPES = {"float32": np.dtype("<f4"), "float64": np.dtype("<f8"), "int64": np.dtype("<i8")}
BIT_GENERATORS = {"PCG64": np.random.PCG64, "PCG64DXSM": np.random.PCG64DXSM}
SLOT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")


def json_int(text: str) -> int:
    """``json.loads``'s ``parse_int``: a whole number of at most MAX_INT_DIGITS digits, else ModelFileError."""
    return bounded_int(text, lambda digits: ModelFileError(
        f"the header holds a whole number with {digits} digits; model files hold at most {MAX_INT_DIGITS}"))


def need(value: Any, kind: type, what: str) -> Any:
    """``value`` if it has JSON type ``kind`` (bool never counts as int), else ModelFileError."""
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ModelFileError(f"{what} must be {kind.__name__}, found {type(value).__name__}")
    return value


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: a message quotes what a file holds, never all of it."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def known(name: Any, registry: dict[str, Any]) -> bool:
    """Whether ``name`` is a string key of ``registry`` (unhashable JSON never reaches ``in``)."""
    return isinstance(name, str) and name in registry


def with_digest(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks, then the 32-byte SHA-256 of all of them: the model file's trailer."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        yield chunk
    yield digest.digest()
