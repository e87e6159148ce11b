"""Model files: round trips, exact resume, atomic saves, and files built to do harm.

Forged files are written by the small packer below, independent of barenet.io, with a
valid SHA-256, so only the loader's own checks (registries, dtypes, shapes) can stop them.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import pickle
import struct
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

import barenet as bn
import barenet.io as bio
import barenet.io_restore as bio_restore
from barenet.errors import ModelFileError

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


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    """A tiny trained model with Adam state, a schedule, a Dropout stream and a record."""
    model = tiny_model()
    model.fit(*data(), loss=bn.SoftmaxCrossEntropy(), optimizer=bn.Adam(0.01, schedule=bn.StepLR(1)),
              epochs=1, batch_size=4, seed=0)
    path = tmp_path / "model.bnm"
    bn.save(model, path, record={"data": "toy"})
    return path


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


# ---------------------------------------------------------------------- round trips
def test_untrained_model_round_trips(tmp_path: Path) -> None:
    model = bn.Sequential([bn.Conv2D(1, 2, 3, padding=1), bn.ReLU(), bn.MaxPool2D(2), bn.Flatten(),
                           bn.Dense(8, 3, dtype="float64"), bn.Softmax()], seed=3)
    model.save(tmp_path / "m.bnm")
    loaded = bn.load(tmp_path / "m.bnm")
    assert_same_state(model, loaded)
    assert loaded.optimizer is None and loaded.loss is None and loaded.epoch == 0
    X = np.random.default_rng(1).standard_normal((5, 1, 4, 4))
    assert np.array_equal(model.predict_proba(X), loaded.predict_proba(X))
    saved = loaded.record["saved"]
    assert saved["barenet"] == bn.__version__ and saved["numpy"] == np.__version__
    assert saved["python"] and saved["time"].endswith("+00:00")


@pytest.mark.parametrize("optimizer, loss", [
    (lambda: bn.SGD(0.1, momentum=0.9, nesterov=True, weight_decay=1e-3), lambda: bn.SoftmaxCrossEntropy(0.1)),
    (lambda: bn.Adam(0.01, weight_decay=0.01, decoupled=True, schedule=bn.StepLR(1, 0.5)),
     lambda: bn.SoftmaxCrossEntropy()),
    (lambda: bn.RMSProp(0.01, schedule=bn.CosineLR(5)), lambda: bn.MSE()),
    (lambda: bn.SGD(0.1, schedule=bn.ExponentialLR(0.9)), lambda: bn.MSE()),
], ids=["sgd-nesterov", "adamw-step", "rmsprop-cosine", "sgd-exp"])
def test_trained_model_round_trips(tmp_path: Path, optimizer: Callable, loss: Callable) -> None:
    model = tiny_model()
    X, y = data()
    target = np.eye(2)[y] if isinstance(loss(), bn.MSE) else y
    model.fit(X, target, loss=loss(), optimizer=optimizer(), epochs=2, batch_size=4, seed=1)
    record = {"history": {"loss": [1.5, np.float32(0.5)]}, "notes": "ünïcode", "n": np.int64(3)}
    bn.save(model, tmp_path / "m.bnm", record=record)
    loaded = bn.load(tmp_path / "m.bnm")
    assert_same_state(model, loaded)
    assert {k: v for k, v in loaded.record.items() if k != "saved"} == \
        {"history": {"loss": [1.5, 0.5]}, "notes": "ünïcode", "n": 3}
    assert np.array_equal(model.predict_proba(X), loaded.predict_proba(X))


def test_resave_keeps_the_record_and_the_bytes_of_every_array(tmp_path: Path, model_file: Path) -> None:
    model = bn.load(model_file)
    bn.save(model, tmp_path / "again.bnm")
    again = bn.load(tmp_path / "again.bnm")
    assert again.record["data"] == "toy"
    assert unpack(model_file.read_bytes())[2] == unpack((tmp_path / "again.bnm").read_bytes())[2]
    assert_same_state(model, again)


def test_exact_resume_matches_one_uninterrupted_run(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 1, 6, 6)).astype(np.float32), rng.integers(0, 3, 40)

    def build() -> bn.Sequential:
        return bn.Sequential([bn.Conv2D(1, 2, 3), bn.ReLU(), bn.Dropout(0.3), bn.Flatten(), bn.Dense(32, 3)], seed=1)

    def fit(model: bn.Sequential, epochs: int, **kw: Any) -> None:
        model.fit(X, y, loss=kw.pop("loss", None) or bn.SoftmaxCrossEntropy(), batch_size=8, shuffle=True,
                  optimizer=kw.pop("optimizer", None) or bn.Adam(0.01, schedule=bn.StepLR(1, 0.5)),
                  epochs=epochs, **kw)

    straight = build()
    fit(straight, 4, seed=0)
    first = build()
    fit(first, 2, seed=0)
    first.save(tmp_path / "half.bnm")
    resumed = bn.load(tmp_path / "half.bnm")
    fit(resumed, 2, loss=resumed.loss, optimizer=resumed.optimizer)
    assert resumed.epoch == 4
    for a, b in zip(straight.layers, resumed.layers):
        for name in a.params:
            assert np.array_equal(a.params[name], b.params[name]), name
    assert_same_state(straight, resumed)
    # The check has teeth: the same resume with a fresh Dropout stream ends elsewhere.
    other = bn.load(tmp_path / "half.bnm")
    other.layers[2].rng = np.random.default_rng(123)
    fit(other, 2, loss=other.loss, optimizer=other.optimizer)
    assert not np.array_equal(other.layers[4].params["W"], straight.layers[4].params["W"])


# ------------------------------------------------------------------ missing and odd
def test_missing_file_and_folder_are_model_file_errors(tmp_path: Path) -> None:
    assert_rejected(tmp_path / "nope.bnm", "no such file")
    assert_rejected(tmp_path, "folder|cannot read")
    (tmp_path / "empty.bnm").write_bytes(b"")
    assert_rejected(tmp_path / "empty.bnm", "not a barenet model file")


def test_loader_source_imports_and_calls_nothing_that_runs_code() -> None:
    allowed = {"__future__", "contextlib", "datetime", "hashlib", "json", "math", "os", "platform", "re",
               "struct", "tempfile", "typing", "numpy"}
    for module in (bio, bio_restore):
        tree = ast.parse(Path(module.__file__).read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.level == 0}
        assert imported <= allowed, (module.__name__, imported - allowed)
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        attrs = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        assert not names & {"eval", "exec", "compile", "__import__", "pickle", "marshal"}, module.__name__
        assert not attrs & {"load", "loads_pickle", "import_module", "fromfile"} - {"loads"}, module.__name__


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


@pytest.mark.parametrize("length", [bio.MAX_HEADER_BYTES + 1, 2**32 - 1])
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


def _set(path: list, value: Any) -> Callable:
    def edit(h: dict, b: bytes) -> None:
        node = h
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


@pytest.mark.parametrize("edit, match", [
    (_set(["architecture", "layers", 0, "config", "out_features"], 4),
     r"weight 'W' of Dense\(2, 4\) at layer 0 has shape \(2, 3\)"),
    (_resize_array("layers.2.W", [3, 3]), r"weight 'W' of Dense\(3, 2\) at layer 2 has shape \(3, 3\)"),
    (_resize_array("layers.0.b", [3], "float64"), r"'b' of Dense\(2, 3\) at layer 0 .* dtype float64"),
    (_resize_array("optimizer.2.W.m", [2, 3]), r"optimizer state 'm' for 'W' of Dense\(3, 2\) at layer 2"),
    (_resize_array("extra", [1]), "array 'extra' belongs to nothing"),
    (_set(["arrays", 0, "name"], "layers.0.X"), "weight 'W' of Dense\\(2, 3\\) at layer 0 is missing"),
    (_set(["arrays", 0, "shape"], [2, 2]), "does not fit the array section"),
    (lambda h, b: (h, b + b"\x00" * 4), "4 bytes no array accounts for"),
    (_set(["arrays", 0, "shape"], [-1, 3]), "bad shape"),
    (_set(["architecture", "layers", 0, "config", "in_features"], -2), r"layer 0 \(Dense\): bad config"),
    (_set(["architecture", "layers", 0, "config", "seed"], {"x": 1}), r"layer 0 \(Dense\): bad config"),
    (_set(["architecture", "layers"], []), "architecture: bad config"),
    (_set(["optimizer", "state", 0, "layer"], 1), "the model has no such parameter"),
    (_set(["optimizer", "state", 0, "scalars", "step"], "1"), "must be a number"),
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


# --------------------------------------------------------------------- atomic saves
def _boom(*args: Any, **kwargs: Any) -> None:
    raise OSError("injected crash")


def test_failed_save_leaves_the_previous_file_and_no_temp_file(tmp_path: Path, model_file: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    before = model_file.read_bytes()
    model = tiny_model(seed=9)
    for target in ("replace", "fsync"):
        with monkeypatch.context() as m:
            m.setattr(os, target, _boom)
            with pytest.raises(OSError, match="injected crash"):
                bn.save(model, model_file)
        assert model_file.read_bytes() == before
        assert os.listdir(tmp_path) == ["model.bnm"]


def test_crash_mid_write_leaves_nothing_behind(tmp_path: Path, model_file: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real_fdopen, before = os.fdopen, model_file.read_bytes()

    class Crashing:
        def __init__(self, f: Any) -> None:
            self.f, self.writes = f, 0

        def __enter__(self) -> "Crashing":
            return self

        def __exit__(self, *exc: Any) -> None:
            self.f.close()

        def write(self, chunk: Any) -> int:
            self.writes += 1
            if self.writes == 3:
                raise KeyboardInterrupt
            return self.f.write(chunk)

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: Crashing(real_fdopen(fd, mode)))
    with pytest.raises(KeyboardInterrupt):
        bn.save(tiny_model(seed=9), model_file)
    with pytest.raises(KeyboardInterrupt):
        bn.save(tiny_model(seed=9), tmp_path / "new.bnm")
    monkeypatch.undo()
    assert model_file.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.bnm"]


def test_unsaveable_state_fails_before_writing(tmp_path: Path) -> None:
    class MyLoss(bn.SoftmaxCrossEntropy):
        pass

    cases = [({"loss": MyLoss()}, "not in LOSSES"), ({"optimizer": bn.Adam(schedule=lambda e, lr: lr)}, "SCHEDULES"),
             ({"record": {"x": object()}}, "JSON"), ({"record": {"x": float("inf")}}, "JSON")]
    for attrs, match in cases:
        model = tiny_model()
        record = attrs.pop("record", None)
        for key, value in attrs.items():
            setattr(model, key, value)
        with pytest.raises(ValueError, match=match):
            bn.save(model, tmp_path / "m.bnm", record=record)
    assert os.listdir(tmp_path) == []
