"""A seeded mutation fuzzer over model files: every case either loads and predicts finite values, or
raises ``ModelFileError``; no other exception, warning text or hang.

Two base files (a small CNN with Adam state, a Dropout stream and a record; an MLP with SGD
momentum and no record) are mutated in eight ways. Most mutations are re-digested, so only the
loader's own checks can stop them; the raw ones are not, so they test the digest and framing:

- ``value``: a JSON node replaced by a value from ``JUNK`` (types, bounds, huge numbers);
- ``delete`` / ``insert``: a key or list item removed, or a junk key or a duplicate item added;
- ``text``: one character of the header's JSON text changed;
- ``number``: a float in the array section set to NaN, an infinity, or a value from tiny to huge;
- ``bytes``: bytes of the array section overwritten with random ones;
- ``length``: the header-length field changed (so the header and array section shift);
- ``raw``: a byte flipped, the file cut short, or bytes appended, without a new digest.

A model that loads predicts on random inputs in [0, 1] of its input shape, and every
probability must be finite. The counts by operator and outcome are printed (``-s``).
"""

from __future__ import annotations

import hashlib
import json
import struct
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

import barenet as bn
from barenet.nn.errors import ModelFileError

from modelfile_helpers import PREFIX, pack, unpack

CASES = 3000
JUNK = [None, True, False, 0, 1, -1, 2, 3, 255, 256, 257, 2**31, 2**63, 2**64, 10**6, 10**30, -(10**9), 0.5, -0.0,
        1e-320, 1e308, -1e308, 2.5, "", "O", "float16", "float64", "int64", "Dense", "ReLU", "glorot_uniform",
        "os.system", [], [0], [1], [1, 1], [3, 3], [0, 0], [1, 2, 3], [[]], [-1, 5], {}, {"a": 1},
        {"type": "ReLU", "config": {}}, ["A", "B"]]
SPECIAL = [np.nan, np.inf, -np.inf, 3e38, 1e20, 1e10, -1e-45, 0.0, 1e-30, -7.5]


def _bases(folder: Path) -> dict[str, tuple[bytes, tuple]]:
    """name -> (file bytes, the input shape it was built for)."""
    rng = np.random.default_rng(0)
    cnn = bn.Sequential([bn.Conv2D(1, 2, 3, padding=1), bn.ReLU(), bn.MaxPool2D(2), bn.Flatten(), bn.Dropout(0.1),
                         bn.Dense(2 * 4 * 4, 3), bn.Softmax()], seed=0)
    X = rng.random((12, 1, 8, 8)).astype(np.float32)
    cnn.fit(X, rng.integers(0, 3, 12), loss=bn.SoftmaxCrossEntropy(), optimizer=bn.Adam(0.01, schedule=bn.StepLR(1)),
            epochs=1, batch_size=4, seed=0)
    bn.save(cnn, folder / "cnn.bnm", record={"classes": ["a", "b", "c"], "input_shape": [1, 8, 8],
                                             "config": {"dataset": "toy", "epochs": 1}})
    mlp = bn.Sequential([bn.Dense(4, 5), bn.LeakyReLU(0.1), bn.Dense(5, 2), bn.Sigmoid()], seed=1)
    mlp.fit(rng.random((8, 4)).astype(np.float32), np.eye(2)[rng.integers(0, 2, 8)], loss=bn.MSE(),
            optimizer=bn.SGD(0.1, momentum=0.9), epochs=1, batch_size=4, seed=0)
    bn.save(mlp, folder / "mlp.bnm")
    return {"cnn": ((folder / "cnn.bnm").read_bytes(), (1, 8, 8)), "mlp": ((folder / "mlp.bnm").read_bytes(), (4,))}


def _nodes(node: Any, path: tuple = ()) -> list[tuple]:
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    return [path] + [p for key, child in items for p in _nodes(child, path + (key,))]


def _at(root: Any, path: tuple) -> Any:
    for key in path:
        root = root[key]
    return root


def _redigest(content: bytes) -> bytes:
    return content + hashlib.sha256(content).digest()


def _header_edit(raw: bytes, rng: np.random.Generator, op: str) -> bytes:
    _, header, body = unpack(raw)
    paths = _nodes(header)
    path = paths[rng.integers(1, len(paths))]
    parent, key = _at(header, path[:-1]), path[-1]
    if op == "value":
        parent[key] = JUNK[rng.integers(len(JUNK))]
    elif op == "delete":
        del parent[key]
    else:  # insert: a junk key into the nearest object, or a duplicate list item
        target = _at(header, path)
        if isinstance(target, list) and target:
            target.append(target[rng.integers(len(target))])
        elif isinstance(parent, dict):
            parent[f"extra{rng.integers(3)}"] = JUNK[rng.integers(len(JUNK))]
        else:
            parent.insert(int(key), JUNK[rng.integers(len(JUNK))])
    return pack(header, body)


def _text_edit(raw: bytes, rng: np.random.Generator) -> bytes:
    _, version, H = PREFIX.unpack_from(raw)
    head = bytearray(raw[PREFIX.size:PREFIX.size + H])
    head[rng.integers(len(head))] = ord(rng.choice(list('0123456789-.,:{}[]"eE ')))
    return _redigest(raw[:PREFIX.size] + bytes(head) + raw[PREFIX.size + H:-32])


def _body_edit(raw: bytes, rng: np.random.Generator, op: str) -> bytes:
    _, header, body = unpack(raw)
    floats = [e for e in header["arrays"] if e["dtype"] == "float32" and e["nbytes"]]
    body = bytearray(body)
    for _ in range(int(rng.integers(1, 4))):
        entry = floats[rng.integers(len(floats))]
        at = entry["offset"] + 4 * int(rng.integers(entry["nbytes"] // 4))
        if op == "number":
            value = SPECIAL[rng.integers(len(SPECIAL))] if rng.random() < 0.6 else \
                rng.standard_normal() * 10.0 ** rng.uniform(-3, 37)
            body[at:at + 4] = np.float32(value).tobytes()
        else:
            body[at:at + 4] = rng.bytes(4)
    return pack(header, bytes(body))


def _length_edit(raw: bytes, rng: np.random.Generator) -> bytes:
    magic, version, H = PREFIX.unpack_from(raw)
    new = max(0, H + int(rng.choice([-1, 1, -8, 8, -100, 100, 2**20, 2**31])))
    return _redigest(struct.pack("<8sHI", magic, version, min(new, 2**32 - 1)) + raw[PREFIX.size:-32])


def _raw_edit(raw: bytes, rng: np.random.Generator) -> bytes:
    kind = rng.integers(3)
    if kind == 0:
        i = int(rng.integers(len(raw)))
        return raw[:i] + bytes([raw[i] ^ int(rng.integers(1, 256))]) + raw[i + 1:]
    if kind == 1:
        return raw[:int(rng.integers(len(raw)))]
    return raw + rng.bytes(int(rng.integers(1, 64)))


OPERATORS: dict[str, Callable[[bytes, np.random.Generator], bytes]] = {
    "value": lambda raw, rng: _header_edit(raw, rng, "value"),
    "delete": lambda raw, rng: _header_edit(raw, rng, "delete"),
    "insert": lambda raw, rng: _header_edit(raw, rng, "insert"),
    "text": _text_edit,
    "number": lambda raw, rng: _body_edit(raw, rng, "number"),
    "bytes": lambda raw, rng: _body_edit(raw, rng, "bytes"),
    "length": _length_edit,
    "raw": _raw_edit,
}


def _predicts_finite(model: bn.Sequential, shape: tuple, rng: np.random.Generator) -> bool | None:
    """Predict on random inputs in [0, 1]: True if every probability is finite.

    The recorded input shape is used if there is one (the loader checked the model against
    it, so any error is a failure); otherwise the base file's shape, which a mutated
    architecture may refuse with a ShapeError: None then.
    """
    recorded = "input_shape" in model.record
    X = rng.random((3, *(tuple(model.record["input_shape"]) if recorded else shape))).astype(np.float32)
    try:
        return bool(np.isfinite(model.predict_proba(X)).all())
    except bn.ShapeError:
        if recorded:
            raise
        return None


def _try(path: Path, shape: tuple, rng: np.random.Generator) -> tuple[str, str | None]:
    """("refused" or "loaded", what went wrong or None) for one mutated file."""
    try:
        model = bn.load(path)
    except ModelFileError as exc:
        return "refused", "a multi-line message" if "\n" in str(exc) else None
    except Exception as exc:  # noqa: BLE001  (any other exception is what this test hunts)
        return "failed", f"{type(exc).__name__}: {exc}"
    try:
        finite = _predicts_finite(model, shape, rng)
    except Exception as exc:  # noqa: BLE001
        return "loaded", f"loaded, then predict raised {type(exc).__name__}: {exc}"
    return "loaded", "loaded, predicts NaN or inf" if finite is False else None


def test_mutated_model_files_load_cleanly_or_raise_model_file_error(tmp_path: Path) -> None:
    bases, rng = _bases(tmp_path), np.random.default_rng(12)
    outcomes: Counter = Counter()
    failures: list[str] = []
    names = list(OPERATORS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy warning during load or predict is a failure too
        for k in range(CASES):
            base = ("cnn", "mlp")[k % 2]
            op = names[(k // 2) % len(names)]
            path = tmp_path / f"case{k}.bnm"
            try:
                path.write_bytes(OPERATORS[op](bases[base][0], rng))
            except (KeyError, IndexError, ValueError, TypeError):  # a mutation that does not apply here
                outcomes[(op, "skipped")] += 1
                continue
            outcome, problem = _try(path, bases[base][1], rng)
            outcomes[(op, outcome)] += 1
            if problem:
                failures.append(f"case {k} ({base}, {op}): {problem}")
            path.unlink()
    tried = sum(n for (op, result), n in outcomes.items() if result != "skipped")
    print(f"\n{tried} mutated files tried; by operator: "
          + ", ".join(f"{op} {outcomes[(op, 'refused')]} refused / {outcomes[(op, 'loaded')]} loaded"
                      for op in names))
    assert failures == [], f"{len(failures)} of {tried} cases failed, e.g. {failures[:5]}"
    assert tried >= CASES * 0.9
    for op in names:  # every operator did reach the loader, and most cases were refused
        assert outcomes[(op, "refused")] > 0, op
    assert sum(n for (op, result), n in outcomes.items() if result == "refused") > tried // 2


@pytest.mark.parametrize("op", list(OPERATORS))
def test_each_operator_changes_the_file(tmp_path: Path, op: str) -> None:
    raw = _bases(tmp_path)["cnn"][0]
    rng = np.random.default_rng(3)
    assert any(OPERATORS[op](raw, rng) != raw for _ in range(5))
    assert json.loads(raw[PREFIX.size:PREFIX.size + PREFIX.unpack_from(raw)[2]])["epoch"] == 1
