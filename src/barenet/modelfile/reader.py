"""Reading model files: ``load(path)`` checks the bytes, then ``restore`` rebuilds the model.

Only a regular file is opened (a FIFO or a device is refused from ``stat``, so nothing
blocks); its size must be exactly what the header declares before the array section is
read, in bounded chunks, hashed as it arrives; then the digest and the JSON are checked.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from typing import Any, BinaryIO

from ..nn.errors import ModelFileError
from ..nn.model import Sequential
from .format import (DIGEST_BYTES, FORMAT_VERSION, HEADER_KEYS, MAGIC, MAX_FILE_BYTES, MAX_HEADER_BYTES, PREFIX,
                     READ_CHUNK, json_int, need, shown)
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
        raise ModelFileError(f"{_shown(path)}: {exc}") from None
    return model


def _shown(path: Any) -> str:
    """The path for a one-line message: as given if printable, else escaped (a NUL, a newline)."""
    try:
        name = os.fsdecode(os.fspath(path))
    except TypeError:
        return repr(path)
    return name if name.isprintable() else repr(name)


def _read_verified(path: str | os.PathLike[str]) -> tuple[dict[str, Any], memoryview]:
    """Check prefix, sizes and digest; return the parsed header and the array section.

    Nothing past the header is read until the file's size equals what the header describes,
    and the array section is then read in chunks of READ_CHUNK bytes into one buffer of
    exactly that size, hashed as it arrives.
    """
    with _open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise ModelFileError(f"the file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit")
        prefix = _read_exactly(f, min(PREFIX.size, size))
        H = _check_prefix(prefix)
        if size < PREFIX.size + H + DIGEST_BYTES:
            raise ModelFileError(f"truncated: the file ends at byte {size}, inside the header or the digest")
        head = _read_exactly(f, H)
        body_size = size - PREFIX.size - H - DIGEST_BYTES
        declared = _declared_body_bytes(head)
        if declared is not None and declared != body_size:
            expected = PREFIX.size + H + declared + DIGEST_BYTES
            kind = "truncated" if size < expected else "has extra bytes"
            raise ModelFileError(f"{kind}: the file has {size} bytes, its header describes {expected}")
        digest = hashlib.sha256(prefix)
        digest.update(head)
        body = _read_hashed(f, body_size, digest)
        trailer = _read_exactly(f, DIGEST_BYTES)
    if digest.digest() != trailer:
        raise ModelFileError("corrupted or tampered (SHA-256 mismatch)")  # sizes agree: bytes changed
    return parse_header(head), memoryview(body)


def _open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file; anything else is refused before opening.

    A FIFO would block ``open`` until a writer came, and a device could stream forever, so the
    type is checked with ``stat`` first, then again on the open descriptor (opened without
    blocking), in case the path was swapped in between.
    """
    try:
        name = os.fspath(path)
        info = os.stat(name)
    except TypeError:
        raise ModelFileError(f"the path must be a str or os.PathLike, received {type(path).__name__}") from None
    except ValueError:  # an embedded NUL byte: no file can have that name
        raise ModelFileError("the path contains a NUL byte; no file can have that name") from None
    except FileNotFoundError:
        raise ModelFileError("no such file") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read the file ({exc.strerror or exc})") from None
    _check_regular(info.st_mode)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ModelFileError(f"cannot read the file ({exc.strerror or exc})") from None
    try:
        _check_regular(os.fstat(fd).st_mode)
    except ModelFileError:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb", buffering=0)


def _check_regular(mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise ModelFileError("is a folder, not a model file")
    if not stat.S_ISREG(mode):
        kinds = [(stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                 (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]
        kind = next((label for test, label in kinds if test(mode)), "not a regular file")
        raise ModelFileError(f"is {kind}, not a model file; model files are regular files")


def _read_exactly(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:  # the file shrank while it was being read
        raise ModelFileError(f"truncated while reading: expected {n} bytes, got {len(data)}")
    return data


def _read_hashed(f: BinaryIO, n: int, digest: Any) -> bytearray:
    """Read n bytes into one buffer, READ_CHUNK at a time, feeding ``digest`` as they come."""
    try:
        buf = bytearray(n)
    except MemoryError:
        raise ModelFileError(f"not enough memory for its {n}-byte array section") from None
    view, at = memoryview(buf), 0
    while at < n:
        got = f.readinto(view[at : at + READ_CHUNK])
        if not got:
            raise ModelFileError(f"truncated while reading: the array section ended after {at} of {n} bytes")
        digest.update(view[at : at + got])
        at += got
    return buf


def _declared_body_bytes(head: bytes) -> int | None:
    """The array section's size as the header declares it, or None if the header cannot say."""
    try:
        entries = json.loads(head.decode("utf-8"), parse_int=json_int)["arrays"]
        total = sum(e["nbytes"] for e in entries)
    except (ModelFileError, ValueError, TypeError, KeyError, OverflowError, RecursionError):
        return None
    return total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None


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


def parse_header(head: bytes) -> dict[str, Any]:
    """The header's JSON object, with its top-level keys checked (``save`` parses what it writes the same way)."""
    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not allowed")

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        # A repeated key would show one value to a reader of the JSON and load the other.
        keys = [key for key, _ in pairs]
        if len(set(keys)) != len(keys):
            repeated = next(key for key in keys if keys.count(key) > 1)
            raise ModelFileError(f"the header repeats the key {shown(repeated)} in one object")
        return dict(pairs)

    try:
        header = json.loads(head.decode("utf-8"), parse_constant=no_constant, parse_int=json_int,
                            object_pairs_hook=unique_keys)
    except ModelFileError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFileError(f"the header is not valid JSON ({exc})") from None
    header = need(header, dict, "header")
    if set(header) != HEADER_KEYS:
        raise ModelFileError(f"the header has keys {shown(sorted(header), 120)}, expected {sorted(HEADER_KEYS)}")
    return header
