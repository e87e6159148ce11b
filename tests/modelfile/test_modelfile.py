"""Model files: round trips, exact resume, missing files, and atomic saves under injected crashes."""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

import barenet as bn
import barenet.modelfile.atomic as batomic
import barenet.modelfile.fields as bfields
import barenet.modelfile.format as bformat
import barenet.modelfile.reader as breader
import barenet.modelfile.restore as brestore
import barenet.modelfile.writer as bwriter
from modelfile_helpers import assert_rejected, assert_same_state, data, tiny_model, unpack


# ---------------------------------------------------------------------- round trips
def test_untrained_model_round_trips(tmp_path: Path) -> None:
    model = bn.Sequential([bn.Conv2D(1, 2, 3, padding=1), bn.ReLU(), bn.MaxPool2D(2), bn.Flatten(),
                           bn.Dense(8, 3, dtype="float64"), bn.Softmax()], seed=3)
    bn.save(model, tmp_path / "m.bnm")
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
    bn.save(first, tmp_path / "half.bnm")
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
               "stat", "struct", "tempfile", "time", "typing", "fcntl", "numpy"}
    for module in (bformat, breader, bwriter, brestore, bfields, batomic):
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


@pytest.mark.parametrize("spoil, match", [
    (lambda m: m.layers[0].params["W"].fill(np.nan), "array 'layers.0.W' holds NaN"),
    (lambda m: m.optimizer.state[(0, "W")]["m"].fill(np.inf), "holds NaN or infinite"),
    (lambda m: m.record.update(classes="OX"), "record.classes must be"),
    (lambda m: m.record.update(classes=["O", "X\nbarenet: all good"]), "printable"),
    (lambda m: m.record.update(input_shape=[1, 0, 6]), "record.input_shape must be"),
    (lambda m: m.record.update(test_accuracy=1.5), "record.test_accuracy must be"),
])
def test_a_save_that_load_would_refuse_writes_nothing_and_keeps_the_old_file(model_file: Path, spoil: Callable,
                                                                             match: str) -> None:
    before = model_file.read_bytes()
    model = bn.load(model_file)
    spoil(model)
    with pytest.raises(ValueError, match=f"save: load would refuse this model, so nothing was written: .*{match}"):
        bn.save(model, model_file)
    assert model_file.read_bytes() == before and os.listdir(model_file.parent) == [model_file.name]


def test_weights_only_save_drops_the_optimizer_and_predicts_the_same(model_file, tmp_path):
    full = bn.load(model_file)
    slim = tmp_path / "slim.barenet"
    bn.save(full, slim, weights_only=True)
    back = bn.load(slim)
    assert full.optimizer is not None and back.optimizer is None
    assert slim.stat().st_size < model_file.stat().st_size  # Adam's two slots per weight are gone
    for a, b in zip(full.layers, back.layers):
        for k in a.params:
            assert np.array_equal(a.params[k], b.params[k])
    assert back.record == full.record
    from barenet.job.train import TrainConfig, resume_config  # a weights-only file cannot be resumed

    with pytest.raises(ValueError, match="no training state"):
        resume_config(back, TrainConfig(epochs=1))
