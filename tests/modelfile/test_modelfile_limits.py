"""Model files that are not files, that lie about their size, or that load and would break later.

Special files (a FIFO, a device, a socket), a NUL in the path, a huge file with a valid prefix;
forged files with valid digests whose weights are NaN, whose layers ask for absurd memory,
or whose record fields have the wrong type. Each gives a one-line ``ModelFileError`` (and a
one-line CLI error), quickly and without reading what it does not need.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

import barenet as bn
from barenet.cli.main import main
from barenet.nn.errors import ModelFileError
from barenet.modelfile.fields import MAX_WINDOW

from modelfile_helpers import assert_rejected, forge, pack, unpack
from modelfile_helpers import set_field as _set


def load_within(path: Any, seconds: float = 10.0) -> BaseException | None:
    """Call ``bn.load(path)`` in a thread; fail the test if it has not returned in ``seconds``."""
    outcome: list = []

    def run() -> None:
        try:
            bn.load(path)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001  (handed back to the test)
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"load({path!r}) still blocked after {seconds} s"
    return outcome[0]


# ------------------------------------------------------------------------- special files
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "model.fifo"
    os.mkfifo(fifo)
    error = load_within(fifo)
    assert isinstance(error, ModelFileError) and "FIFO" in str(error) and str(error).startswith(str(fifo))


def test_a_symlink_to_a_fifo_is_refused_and_to_a_file_is_followed(tmp_path: Path, model_file: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "to-pipe").symlink_to(tmp_path / "pipe")
    (tmp_path / "to-model").symlink_to(model_file)
    assert isinstance(load_within(tmp_path / "to-pipe"), ModelFileError)
    assert load_within(tmp_path / "to-model") is None


@pytest.mark.parametrize("device, kind", [("/dev/zero", "character device"), ("/dev/null", "character device")])
def test_devices_are_refused(device: str, kind: str) -> None:
    error = load_within(device)
    assert isinstance(error, ModelFileError) and kind in str(error)


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        error = load_within(path)
    assert isinstance(error, ModelFileError) and "socket" in str(error)


@pytest.mark.parametrize("path, match", [
    ("model\x00.bnm", "NUL byte"), (b"model\x00.bnm", "NUL byte"), (12, "str or os.PathLike"),
])
def test_impossible_paths_are_model_file_errors(path: Any, match: str) -> None:
    with pytest.raises(ModelFileError, match=match) as info:
        bn.load(path)
    assert "\x00" not in str(info.value)  # the path is shown escaped, not with a raw NUL


def test_a_huge_file_with_a_valid_prefix_is_refused_before_its_body_is_read(tmp_path: Path,
                                                                              model_file: Path) -> None:
    raw = model_file.read_bytes()
    huge = tmp_path / "huge.bnm"
    with open(huge, "wb") as f:
        f.write(raw[:-32])
        f.truncate(1 << 32)  # sparse: 4 GiB on paper, nothing on disk
    tracemalloc.start()
    try:
        assert_rejected(huge, r"has extra bytes: the file has 4294967296 bytes, its header describes")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # the header only, never the 4 GiB


def test_a_file_shorter_than_its_header_says_is_truncated(tmp_path: Path, model_file: Path) -> None:
    raw = model_file.read_bytes()
    _, header, body = unpack(raw)
    short = tmp_path / "short.bnm"
    short.write_bytes(pack(header, body[:-8]))
    assert_rejected(short, "truncated: the file has")


@pytest.mark.parametrize("target", ["fifo", "nul"])
def test_cli_says_it_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture, target: str) -> None:
    path = str(tmp_path / "m.fifo")
    if target == "fifo":
        os.mkfifo(path)
    else:
        path = "m\x00.bnm"
    assert main(["show", path]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("barenet show: error:") and "\n" not in err and "internal error" not in err


# ------------------------------------------------------------------ forged, valid digests
def _lenet_like(tmp_path: Path) -> Path:
    model = bn.Sequential([bn.Conv2D(1, 2, 3, padding=1), bn.ReLU(), bn.MaxPool2D(2), bn.Flatten(),
                           bn.Dense(2 * 4 * 4, 3), bn.Softmax()], seed=0)
    path = tmp_path / "small.bnm"
    bn.save(model, path, record={"classes": ["a", "b", "c"], "input_shape": [1, 8, 8]})
    return path


def _put(name: str, index: int, value: float) -> Callable:
    """Set element ``index`` of array ``name`` (float32) to ``value`` in the array section."""
    def edit(h: dict, b: bytes) -> tuple[dict, bytes]:
        entry = next(e for e in h["arrays"] if e["name"] == name)
        at = entry["offset"] + 4 * index
        return h, b[:at] + np.float32(value).tobytes() + b[at + 4:]
    return edit


CONV = ["architecture", "layers", 0, "config"]
POOL = ["architecture", "layers", 2, "config"]
FORGED = {
    "NaN weight": (_put("layers.0.W", 3, np.nan), "'layers.0.W' holds NaN or infinite values"),
    "inf bias": (_put("layers.4.b", 1, np.inf), "'layers.4.b' holds NaN or infinite values"),
    "-inf weight": (_put("layers.4.W", 0, -np.inf), "holds NaN or infinite values"),
    "huge weight": (_put("layers.4.W", 5, 3e38), "too large to predict with"),
    "huge conv weight": (_put("layers.0.W", 0, 1e34), "too large to predict with"),
    "conv padding 10^6": (_set(CONV + ["padding"], [10**6, 10**6]), "padding must be an int or a pair"),
    "conv stride 10^6": (_set(CONV + ["stride"], 10**6), "stride must be"),
    "conv padding a string": (_set(CONV + ["padding"], "same"), "padding must be"),
    "conv padding 3 values": (_set(CONV + ["padding"], [1, 1, 1]), "padding must be"),
    "conv padding at the bound": (_set(CONV + ["padding"], [MAX_WINDOW, MAX_WINDOW]), "cannot predict"),
    "conv unrolled over the limit": (_set(["record", "input_shape"], [1, 4000, 4000]), "with its windows unrolled"),
    "pool window 10^6": (_set(POOL + ["kernel_size"], [10**6, 10**6]), "kernel_size must be"),
    "pool window too big for input": (_set(POOL + ["kernel_size"], [9, 9]), "recorded input shape|would output"),
    "dtype float16": (_set(CONV + ["dtype"], "float16"), "dtype must be one of"),
    "unknown field": (_set(CONV + ["groups"], 2), "unknown field 'groups'"),
    "input_shape 5": (_set(["record", "input_shape"], 5), "record.input_shape must be"),
    "input_shape huge": (_set(["record", "input_shape"], [1, 100000, 100000]), "record.input_shape must be"),
    "input_shape wrong": (_set(["record", "input_shape"], [1, 10, 10]), "cannot predict"),
    "classes a string": (_set(["record", "classes"], "abc"), "record.classes must be"),
    "classes too few": (_set(["record", "classes"], ["a", "b"]), "record names 2 classes"),
    "config epochs text": (_set(["record", "config"], {"epochs": "many"}), "record.config.epochs must be"),
    "config zero batch": (_set(["record", "config"], {"batch_size": 0}), "record.config.batch_size must be"),
    "history of text": (_set(["record", "history"], {"loss": ["low"]}), "record.history must be"),
    "accuracy 2": (_set(["record", "test_accuracy"], 2), "record.test_accuracy must be"),
    "epoch 2^40": (_set(["epoch"], 2**40), "epoch must be"),
    "2000 layers": (_set(["architecture", "layers"], [{"type": "ReLU", "config": {}}] * 2000), "2000 layers"),
}


@pytest.mark.parametrize("edit, match", FORGED.values(), ids=FORGED.keys())
def test_forged_files_that_would_break_later_are_refused(tmp_path: Path, edit: Callable, match: str) -> None:
    assert_rejected(forge(_lenet_like(tmp_path), edit), match)


def test_numbers_that_json_reads_as_infinity_are_refused(tmp_path: Path) -> None:
    # json.dumps writes inf as "Infinity", which the loader refuses as text; 1e999 is a JSON number that
    # Python reads as inf, so it must be caught as a value.
    _, header, body = unpack(_lenet_like(tmp_path).read_bytes())
    header["optimizer"] = {"type": "SGD", "config": {"lr": 0.5}, "lr": 0.5, "state": []}
    for old, new, match in [(b'"config":{"lr":0.5}', b'"config":{"lr":1e999}', "lr must be a finite number"),
                            (b'"lr":0.5,"state"', b'"lr":-1e999,"state"', "lr must be a positive number")]:
        head = json.dumps(header, separators=(",", ":")).encode()
        assert old in head
        path = tmp_path / "inf.bnm"
        path.write_bytes(pack(None, body, head=head.replace(old, new)))
        assert_rejected(path, match)


@pytest.mark.parametrize("name", ["NaN weight", "conv padding 10^6", "input_shape 5", "classes too few"])
def test_predict_on_a_forged_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture, name: str) -> None:
    from PIL import Image

    forged = forge(_lenet_like(tmp_path), FORGED[name][0])
    picture = tmp_path / "x.png"
    Image.new("L", (20, 20), 255).save(picture)
    assert main(["predict", str(forged), str(picture)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("barenet predict: error:") and "\n" not in err and "internal" not in err


def test_the_bounds_admit_every_file_barenet_writes(tmp_path: Path) -> None:
    model = bn.Sequential([bn.Conv2D(1, 2, 3, stride=2, padding=MAX_WINDOW), bn.LeakyReLU(0.1), bn.Dropout(0.2),
                           bn.AvgPool2D(2, stride=1), bn.Flatten()], seed=0)
    path = tmp_path / "wide.bnm"
    bn.save(model, path)
    assert bn.load(path).get_config() == model.get_config()


# ------------------------------------------------------------------------------ temp files
def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)
"""


def test_the_next_save_removes_temp_files_of_dead_writers_only(tmp_path: Path) -> None:
    target = tmp_path / "m.bnm"
    dead, live = tmp_path / ".m.bnm.dead1234.tmp", tmp_path / ".m.bnm.live5678.tmp"
    dead.write_bytes(b"half a model")
    other = tmp_path / ".other.bnm.x1y2z3w4.tmp"  # another target's: not ours to touch
    other.write_bytes(b"")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(live)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        bn.save(bn.Sequential([bn.Dense(2, 2)], seed=0), target)
        assert _temps(tmp_path) == sorted([live.name, other.name])  # the live writer keeps its file
    finally:
        holder.kill()
        holder.wait()
    bn.save(bn.Sequential([bn.Dense(2, 2)], seed=0), target)
    assert _temps(tmp_path) == [other.name]
    assert bn.load(target).get_config()["layers"][0]["type"] == "Dense"


WRITER = """
import sys, barenet as bn
model = bn.Sequential([bn.Dense(512, 512), bn.Dense(512, 512)], seed=0)
bn.save(model, sys.argv[1])
print("ready", flush=True)
while True:
    bn.save(model, sys.argv[1])
"""


def test_kill_9_during_saves_leaves_a_valid_file_and_the_next_save_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "m.bnm"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    leftovers = 0
    for k in range(6):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True,
                                  env=env)
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.15 + 0.07 * k)  # several saves in, at a different point of one each time
        writer.kill()
        writer.wait()
        leftovers += len(_temps(tmp_path))
        assert bn.load(target).n_params == 2 * (512 * 512 + 512)  # the old file or the new, never a mix
        bn.save(bn.load(target), target)
        assert _temps(tmp_path) == []
    print(f"temp files left by 6 kill -9 runs before the next save: {leftovers}")


def test_atomic_write_docstring_promises_what_it_does() -> None:
    from barenet.modelfile.atomic import atomic_write

    doc = " ".join(atomic_write.__doc__.split())
    assert "never a mix" in doc and "next call" in doc and "no temp file behind" not in doc
