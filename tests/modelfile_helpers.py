"""Shared pieces of the model-file tests: a tiny model, and an independent packer for forged files.

Forged files are written by the small packer below, independent of barenet.modelfile, with a
valid SHA-256, so only the loader's own checks (registries, dtypes, shapes) can stop them.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

import barenet as bn
from barenet.nn.errors import ModelFileError

PREFIX = struct.Struct("<8sHI")  # magic, format version, header length; see barenet/io.py
MAGIC = b"BARENET\x00"


# ------------------------------------------------------------------------- helpers
def unpack(raw: bytes) -> tuple[int, dict, bytes]:
    """(format version, header dict, array section) of a model file."""
    _, version, H = PREFIX.unpack_from(raw)
    return version, json.loads(raw[PREFIX.size : PREFIX.size + H]), raw[PREFIX.size + H : -32]


def pack(header: Any, body: bytes, version: int = 1, head: bytes | None = None) -> bytes:
    """A model file with a correct SHA-256 trailer."""
    head = json.dumps(header).encode() if head is None else head
    content = PREFIX.pack(MAGIC, version, len(head)) + head + body
    return content + hashlib.sha256(content).digest()


def forge(path: Path, edit: Callable[[dict, bytes], tuple[dict, bytes] | None], version: int = 1) -> Path:
    """Write ``path``'s file, edited by ``edit(header, body)`` (in place or by returning a pair), to a new file."""
    _, header, body = unpack(path.read_bytes())
    out = edit(header, body)
    if out is not None:
        header, body = out
    forged = path.with_name("forged.bnm")
    forged.write_bytes(pack(header, body, version))
    return forged


def assert_rejected(path: Path, match: str) -> ModelFileError:
    """``load(path)`` raises ModelFileError matching ``match`` and creates nothing."""
    before = sorted(os.listdir(path.parent))
    with pytest.raises(ModelFileError, match=match) as info:
        bn.load(path)
    assert sorted(os.listdir(path.parent)) == before
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)
    return info.value


def tiny_model(seed: int = 0) -> bn.Sequential:
    return bn.Sequential([bn.Dense(2, 3), bn.Dropout(0.25), bn.Dense(3, 2)], seed=seed)


def data(n: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 2)).astype(np.float32), rng.integers(0, 2, n)


def assert_same_state(a: bn.Sequential, b: bn.Sequential) -> None:
    assert a.get_config() == b.get_config()
    for la, lb in zip(a.layers, b.layers):
        assert la.params.keys() == lb.params.keys()
        for name in la.params:
            assert la.params[name].dtype == lb.params[name].dtype
            assert np.array_equal(la.params[name], lb.params[name])
    assert a.epoch == b.epoch
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    for la, lb in zip(a.layers, b.layers):
        if hasattr(la, "rng"):
            assert la.rng.bit_generator.state == lb.rng.bit_generator.state
    assert (a.loss is None) == (b.loss is None)
    if a.loss is not None:
        assert type(a.loss) is type(b.loss) and a.loss.get_config() == b.loss.get_config()
    assert (a.optimizer is None) == (b.optimizer is None)
    if a.optimizer is not None:
        oa, ob = a.optimizer, b.optimizer
        assert type(oa) is type(ob) and oa.get_config() == ob.get_config() and oa.lr == ob.lr
        assert oa.state.keys() == ob.state.keys()
        for key, slots in oa.state.items():
            assert slots.keys() == ob.state[key].keys()
            for slot, value in slots.items():
                other = ob.state[key][slot]
                assert type(other) is type(value) and np.array_equal(value, other)
                assert getattr(value, "dtype", None) == getattr(other, "dtype", None)


def set_field(path: list, value: Any) -> Callable:
    """A header edit for ``forge``: set the value at ``path`` (keys and list indices) to ``value``."""
    def edit(h: dict, b: bytes) -> None:
        node = h
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit
