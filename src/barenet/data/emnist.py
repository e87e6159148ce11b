"""EMNIST letters from the standard IDX files, read from a folder the user names.

Nothing is downloaded: fetch the EMNIST "letters" files yourself (e.g. from NIST's
``gzip.zip``) and pass the folder as ``path=``. The loader looks for

    emnist-letters-{train,test}-images-idx3-ubyte[.gz]
    emnist-letters-{train,test}-labels-idx1-ubyte[.gz]

gzipped or raw (a raw file wins when both exist). IDX format: a big-endian uint32 magic
(0x00000803 for uint8 images with 3 dims, 0x00000801 for uint8 labels with 1 dim),
one big-endian uint32 per dim, then the uint8 data in C order.

EMNIST stores each image transposed (column-major); it is transposed back to upright
here. Labels 1..26 become 0..25, classes "A".."Z". The split is the files' own; ``seed``
only sets the order in which samples are listed.
"""

from __future__ import annotations

import gzip
import math
import os
import string
import zlib
from typing import BinaryIO

import numpy as np

from .base import Dataset, check_split, seeded_order

CLASSES = list(string.ascii_uppercase)
IMAGES_MAGIC, LABELS_MAGIC = 0x00000803, 0x00000801
MAX_IDX_BYTES = 1 << 28  # 256 MiB: the letters' train images are 124800 x 28 x 28 + 16 bytes (98 MB)


def read_idx(path: str | os.PathLike, magic: int, limit: int = MAX_IDX_BYTES) -> np.ndarray:
    """Parse one IDX file of uint8 data (gzipped or raw), checking magic and length.

    Shape: -> an array whose shape is the file's dims, e.g. (N, 28, 28) or (N,), dtype uint8.
    A gzipped file is inflated as a stream, never more than its header's dims call for plus
    one byte, and never more than ``limit`` bytes in all, so a small ``.gz`` that inflates to
    gigabytes costs no more memory than a real file. Raises ValueError naming the file on a
    bad magic, a truncated file or gzip stream, trailing bytes, or dims over ``limit``.
    """
    with open(path, "rb") as f:
        zipped = f.read(2) == b"\x1f\x8b"  # gzip's own magic: decide by content, not by the file name
        f.seek(0)
        stream = gzip.GzipFile(fileobj=f, mode="rb") if zipped else f
        try:
            dims, data = _read_idx_stream(stream, path, magic, limit)
        except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError; a cut-off stream is EOFError
            if not zipped:
                raise
            raise ValueError(f"{path}: corrupt or truncated gzip data ({e})") from e
    return np.frombuffer(data, np.uint8).reshape(dims)


def _read_idx_stream(stream: BinaryIO, path: str | os.PathLike, magic: int, limit: int) -> tuple[tuple, bytes]:
    """(dims, data) from an IDX stream, reading no more than the dims call for (+1 to see the end)."""
    head = stream.read(4)
    if len(head) < 4 or int.from_bytes(head, "big") != magic:
        found = f"0x{int.from_bytes(head, 'big'):08x}" if len(head) == 4 else "fewer than 4 bytes"
        raise ValueError(f"{path}: not an IDX file of the expected kind: magic should be 0x{magic:08x}, "
                         f"found {found}")
    ndim = magic & 0xFF  # the magic's last byte counts the dims
    raw_dims = stream.read(4 * ndim)
    header = 4 + 4 * ndim
    if len(raw_dims) < 4 * ndim:
        raise ValueError(f"{path}: truncated IDX header ({4 + len(raw_dims)} bytes, expected at least {header})")
    dims = tuple(int(d) for d in np.frombuffer(raw_dims, ">u4"))
    expected = header + math.prod(dims)
    if expected > limit:
        raise ValueError(f"{path}: IDX dims {dims} need {expected} bytes, over the {limit}-byte limit for one "
                         "file (EMNIST letters' largest file is about 98 MB)")
    data = stream.read(expected - header)
    if len(data) < expected - header:
        raise ValueError(f"{path}: IDX file truncated: dims {dims} need {expected} bytes, found "
                         f"{header + len(data)}")
    if stream.read(1):
        raise ValueError(f"{path}: IDX file has trailing bytes: dims {dims} need {expected} bytes")
    return dims, data


def find_file(folder: str | os.PathLike, stem: str) -> str:
    """The path of ``stem`` or ``stem.gz`` inside ``folder``; FileNotFoundError if neither exists."""
    for name in (stem, stem + ".gz"):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(f"EMNIST file {stem}(.gz) not found in {os.fspath(folder)!r}; download the EMNIST "
                            f"letters IDX files and pass their folder as path=")


def load(split: str = "train", *, seed: int = 0, path: str | os.PathLike | None = None) -> Dataset:
    """EMNIST letters (124800 train, 20800 test in the official files) from the folder ``path``.

    Shape: X (N, 1, H, W) float32 in [0, 1] (28x28 for EMNIST), upright; y (N,) int64 in 0..25.
    """
    check_split(split)
    if path is None:
        raise ValueError("emnist-letters reads local files: pass path= the folder holding "
                         "emnist-letters-train-images-idx3-ubyte(.gz) and its siblings")
    if not os.path.isdir(path):
        raise FileNotFoundError(f"EMNIST folder {os.fspath(path)!r} does not exist")
    images = read_idx(find_file(path, f"emnist-letters-{split}-images-idx3-ubyte"), IMAGES_MAGIC)
    labels = read_idx(find_file(path, f"emnist-letters-{split}-labels-idx1-ubyte"), LABELS_MAGIC)
    if len(images) != len(labels):
        raise ValueError(f"EMNIST {split}: {len(images)} images but {len(labels)} labels in {os.fspath(path)!r}")
    if len(labels) and (labels.min() < 1 or labels.max() > 26):
        raise ValueError(f"EMNIST {split}: letters labels must lie in 1..26, found {labels.min()}..{labels.max()}")
    order = seeded_order(len(labels), seed)
    # Permute while still uint8 (4x less to copy), then undo EMNIST's transposition.
    X = images[order].transpose(0, 2, 1)[:, None].astype(np.float32) / 255.0
    y = labels[order].astype(np.int64) - 1
    return Dataset(X, y, list(CLASSES), "emnist-letters")
