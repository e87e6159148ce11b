"""Reading model files: ``load(path)`` checks the bytes, then ``restore`` rebuilds the model."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from ..nn.errors import ModelFileError
from ..nn.model import Sequential
from .format import DIGEST_BYTES, FORMAT_VERSION, HEADER_KEYS, MAGIC, MAX_FILE_BYTES, MAX_HEADER_BYTES, PREFIX, need
from .restore import restore


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
