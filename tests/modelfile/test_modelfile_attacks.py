"""Model files built to do harm: pickles, unknown types, huge headers, flipped bytes, truncations, forgeries.

Each must be rejected with ModelFileError, and none may have a side effect.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

import barenet as bn
import barenet.modelfile.format as bformat
from barenet.nn.errors import ModelFileError

from modelfile_helpers import MAGIC, PREFIX, assert_rejected, forge, pack, unpack
from modelfile_helpers import set_field as _set


# -------------------------------------------------------------------------- attacks
class Payload:
    """Unpickling this creates ``marker``: proof that a loader unpickled it."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple:
        return (open, (self.marker, "w"))


def test_pickle_payloads_never_run(tmp_path: Path, model_file: Path) -> None:
    control = tmp_path / "control" / "ran"
    control.parent.mkdir()
    pickle.loads(pickle.dumps(Payload(control))).close()
    assert control.exists()  # the payload is live when unpickled
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Payload(marker))
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(payload)
    assert_rejected(raw, "not a barenet model file")
    _, header, body = unpack(model_file.read_bytes())
    as_header = tmp_path / "header.bnm"
    as_header.write_bytes(pack(None, b"", head=payload))
    assert_rejected(as_header, "not valid JSON")
    for dtype in ("object", "O", "|O", "<U3", "V8", "float16", ">f4", ["O"]):
        def put_pickle(h: dict, b: bytes) -> tuple[dict, bytes]:
            h["arrays"].append({"name": "layers.0.evil", "dtype": dtype, "shape": [1],
                                "offset": len(b), "nbytes": len(payload)})
            return h, b + payload
        assert_rejected(forge(model_file, put_pickle), "dtype")
    assert not marker.exists()


@pytest.mark.parametrize("kind", ["os.system", "Evil", "__import__", "Layer", "Sequential", "", None, ["Dense"]])
def test_unknown_layer_type_is_rejected(model_file: Path, kind: Any) -> None:
    def evil(h: dict, b: bytes) -> None:
        h["architecture"]["layers"][1] = {"type": kind, "config": {"command": "touch pwned"}}
    assert_rejected(forge(model_file, evil), "layer 1 has unknown type")


@pytest.mark.parametrize("where, kind, match", [
    ("optimizer", "os.system", "unknown optimizer type"),
    ("loss", "Evil", "unknown loss type"),
    ("schedule", "eval", "unknown schedule"),
    ("rng", "MT19937", "bad random state"),
])
def test_unknown_types_elsewhere_are_rejected(model_file: Path, where: str, kind: str, match: str) -> None:
    def evil(h: dict, b: bytes) -> None:
        if where == "schedule":
            h["optimizer"]["config"]["schedule"]["type"] = kind
        elif where == "rng":
            h["rng"]["layers"][0]["state"]["bit_generator"] = kind
        else:
            h[where]["type"] = kind
    assert_rejected(forge(model_file, evil), match)


@pytest.mark.parametrize("length", [bformat.MAX_HEADER_BYTES + 1, 2**32 - 1])
def test_oversized_header_is_refused_before_reading_it(tmp_path: Path, length: int) -> None:
    path = tmp_path / "big.bnm"
    path.write_bytes(PREFIX.pack(MAGIC, 1, length) + b"{}" + bytes(32))
    assert_rejected(path, "over the 1048576-byte limit")


def _loads(path: Path) -> bool:
    try:
        bn.load(path)
        return True
    except ModelFileError:
        return False


def test_every_flipped_byte_and_every_truncation_is_detected(tmp_path: Path, model_file: Path) -> None:
    raw = model_file.read_bytes()
    assert len(raw) > 1000 and _loads(model_file)  # the sweep covers header, arrays and trailer
    probe = tmp_path / "probe.bnm"
    probe.write_bytes(raw + b"\x00")
    fd = os.open(probe, os.O_RDWR)  # edit one file in place: rewriting 5000 files is slow on ext4
    try:
        loaded = ["appended byte"] if _loads(probe) else []
        os.ftruncate(fd, len(raw))
        for i in range(len(raw)):
            os.pwrite(fd, bytes([raw[i] ^ 0xFF]), i)
            loaded += [f"flip at {i}"] if _loads(probe) else []
            os.pwrite(fd, raw[i : i + 1], i)
        for n in range(len(raw) - 1, -1, -1):
            os.ftruncate(fd, n)
            loaded += [f"truncation to {n}"] if _loads(probe) else []
    finally:
        os.close(fd)
    assert loaded == [], f"{len(loaded)} damaged files loaded, e.g. {loaded[:3]}"
    probe.write_bytes(raw[: len(raw) // 2])
    assert_rejected(probe, "truncated")
    probe.write_bytes(raw[:100] + bytes([raw[100] ^ 1]) + raw[101:])
    assert_rejected(probe, r"corrupted or tampered \(SHA-256 mismatch\)")


@pytest.mark.parametrize("version, match", [
    (2, r"made by a newer barenet \(format 2\); this barenet reads up to 1"),
    (65535, r"format 65535"),
    (0, "unknown format version 0"),
])
def test_format_version_is_checked(model_file: Path, version: int, match: str) -> None:
    assert_rejected(forge(model_file, lambda h, b: None, version=version), match)


def _resize_array(name: str, shape: list, dtype: str = "float32") -> Callable:
    def edit(h: dict, b: bytes) -> tuple[dict, bytes]:
        arrays = {e["name"]: np.frombuffer(b, e["dtype"], int(np.prod(e["shape"])), e["offset"]).reshape(e["shape"])
                  for e in h["arrays"]}
        arrays[name] = np.zeros(shape, dtype)
        h["arrays"], body = [], b""
        for key, arr in arrays.items():
            h["arrays"].append({"name": key, "dtype": arr.dtype.name, "shape": list(arr.shape),
                                "offset": len(body), "nbytes": arr.nbytes})
            body += arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        return h, body
    return edit


@pytest.mark.parametrize("edit, match", [
    (_set(["architecture", "layers", 0, "config", "out_features"], 4),
     r"weight 'W' of layer 0 \(Dense\) has shape \(2, 3\) in the file; its config implies \(2, 4\)"),
    (_resize_array("layers.2.W", [3, 3]), r"weight 'W' of layer 2 \(Dense\) has shape \(3, 3\)"),
    (_resize_array("layers.0.b", [3], "float64"), r"'b' of Dense\(2, 3\) at layer 0 .* dtype float64"),
    (_resize_array("optimizer.2.W.m", [2, 3]), r"optimizer state 'm' for 'W' of Dense\(3, 2\) at layer 2"),
    (_resize_array("extra", [1]), "array 'extra' belongs to nothing"),
    (_set(["arrays", 0, "name"], "layers.0.X"), r"weight 'W' of layer 0 \(Dense\) is missing"),
    (_set(["arrays", 0, "shape"], [2, 2]), "does not fit the array section"),
    (lambda h, b: (h, b + b"\x00" * 4), r"has extra bytes: the file has (\d+) bytes, its header describes"),
    (_set(["arrays", 0, "shape"], [-1, 3]), "bad shape"),
    (_set(["architecture", "layers", 0, "config", "in_features"], -2),
     r"layer 0 \(Dense\): bad config \(in_features must be an int in \[1, 16777216\], found -2\)"),
    (_set(["architecture", "layers", 0, "config", "in_features"], 10**6),  # would be 12 MB, not in the file
     r"weight 'W' of layer 0 \(Dense\) has shape \(2, 3\) in the file; its config implies \(1000000, 3\)"),
    (_set(["architecture", "layers", 0, "config", "in_features"], "many"), r"layer 0 \(Dense\): bad config"),
    (_set(["architecture", "layers", 0, "config", "seed"], {"x": 1}), r"layer 0 \(Dense\): bad config"),
    (_set(["architecture", "layers"], []), "architecture: bad config"),
    (_set(["optimizer", "state", 0, "layer"], 1), "the model has no such parameter"),
    (_set(["optimizer", "state", 0, "scalars", "step"], "1"), "must be a number"),
    (_set(["optimizer", "state", 0, "scalars"], {}), r"has slots \['m', 'v'\]; Adam keeps \['m', 'step', 'v'\]"),
    (_set(["optimizer", "state", 0, "scalars", "step"], -1), "'step' must be a count >= 0"),
    (_set(["optimizer", "state", 0, "scalars", "step"], 1.5), "'step' must be a count >= 0"),
    (_set(["optimizer", "config", "lr"], -1.0), r"optimizer Adam: bad config"),
    (_set(["optimizer", "lr"], True), "lr must be a positive number"),
    (_set(["loss", "config"], {"label_smoothing": 2}), "loss SoftmaxCrossEntropy: bad config"),
    (_set(["rng", "model", "state", "state"], -5), "bad random state"),
    (_set(["rng", "model", "state", "inc"], 1.5), "bad random state"),
    (_set(["rng", "layers"], []), r"no rng state for layer\(s\) \[1\]"),
    (_set(["epoch"], -1), "epoch must be >= 0"),
    (_set(["epoch"], 1.0), "epoch must be int"),
    (_set(["record"], [1]), "record must be dict"),
    (_set(["record", "x"], float("nan")), "NaN is not allowed"),
    (_set(["surprise"], 1), "the header has keys"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_forged_contents_are_rejected(model_file: Path, edit: Callable, match: str) -> None:
    assert_rejected(forge(model_file, edit), match)


JUNK = [None, True, 0, -1, 2**70, 1.5, 1e308, "", "O", "float16", "Dense", "os.system", [], [1], [[]], {}, {"a": 1}]


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    return [path] + [p for key, child in items for p in _leaves(child, path + (key,))]


def test_random_header_edits_load_or_raise_model_file_error(tmp_path: Path, model_file: Path) -> None:
    """Seeded fuzzing with valid digests: each edit loads or gives ModelFileError, nothing else."""
    _, header, body = unpack(model_file.read_bytes())
    paths, rng, outcomes = _leaves(header)[1:], np.random.default_rng(0), {"loaded": 0, "rejected": 0}
    for k in range(400):
        forged = json.loads(json.dumps(header))
        path = paths[rng.integers(len(paths))]
        parent = forged
        for key in path[:-1]:
            parent = parent[key]
        if rng.random() < 0.2:
            del parent[path[-1]]
        else:
            parent[path[-1]] = JUNK[rng.integers(len(JUNK))]
        target = tmp_path / f"fuzz{k}.bnm"  # new files: rewriting one file is slow on ext4
        target.write_bytes(pack(forged, body))
        try:
            bn.load(target)
            outcomes["loaded"] += 1
        except ModelFileError:
            outcomes["rejected"] += 1
    assert outcomes["rejected"] > 300, outcomes




@pytest.mark.parametrize("digits", [5000, 200_000])
def test_a_number_with_too_many_digits_is_named(tmp_path: Path, model_file: Path, digits: int) -> None:
    """Python's json refuses a whole number over 4,300 digits with its own words (set_int_max_str_digits)."""
    _, header, body = unpack(model_file.read_bytes())
    head = json.dumps({**header, "epoch": 0}).encode().replace(b'"epoch": 0', b'"epoch": ' + b"7" * digits)
    path = tmp_path / "digits.bnm"
    path.write_bytes(pack(None, body, head=head))
    error = assert_rejected(path, f"the header holds a whole number with {digits} digits; model files hold at most")
    assert "sys." not in str(error)


@pytest.mark.parametrize("where", ["layer type", "dtype", "unknown key"])
def test_a_long_value_in_the_header_is_quoted_cut_short(model_file: Path, where: str) -> None:
    """Found by fuzzing: a 100,000-character value came back whole in the one-line message."""
    long = "a" * 100_000

    def edit(h: dict, b: bytes) -> None:
        if where == "layer type":
            h["architecture"]["layers"][0]["type"] = long
        elif where == "dtype":
            h["arrays"][0]["dtype"] = long
        else:
            h["architecture"]["layers"][0][long] = 1

    error = assert_rejected(forge(model_file, edit), "'aaaa")
    assert len(str(error)) < len(str(model_file)) + 300


def test_a_repeated_key_in_the_header_is_refused(tmp_path: Path, model_file: Path) -> None:
    """Found by fuzzing: JSON with a key twice loaded its last value, unlike what a reader of the text sees first."""
    _, header, body = unpack(model_file.read_bytes())
    head = json.dumps(header).replace('"epoch": ', '"epoch": 0, "epoch": ', 1).encode()
    path = tmp_path / "twice.bnm"
    path.write_bytes(pack(None, body, head=head))
    assert_rejected(path, "the header repeats the key 'epoch' in one object")


def test_save_refuses_a_record_whose_keys_collide_in_json(tmp_path: Path) -> None:
    """{1: ..., "1": ...} dumps as one key twice, which load refuses, so save must not write it."""
    path = tmp_path / "m.bnm"
    with pytest.raises(ValueError, match="load would refuse.*repeats the key '1'"):
        bn.save(bn.Sequential([bn.Dense(2, 2)]), path, record={1: "a", "1": "b"})
    assert not path.exists()
