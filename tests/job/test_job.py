"""The training job (barenet.job): new runs, resumes that honour or refuse each setting, progress sizing."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest

import barenet as bn
from barenet.job.progress import ProgressBar
from barenet.job.train import TrainConfig, train
from barenet.nn.fit import validation_size


def quiet_train(cfg: TrainConfig, **kw) -> object:
    return train(cfg, quiet=True, stream=io.StringIO(), **kw)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("job") / "ox.barenet"
    quiet_train(TrainConfig(epochs=2), out=str(path))
    return path


def test_a_new_run_records_its_settings_in_the_model(saved):
    model = bn.load(saved)
    config = model.record["config"]
    assert (config["dataset"], config["arch"], config["optimizer"], config["seed"]) == ("ox", "seed-softmax",
                                                                                       "adam", 0)
    assert config["epochs"] == 2 and model.epoch == 2 and len(model.record["history"]["loss"]) == 2


def test_a_fresh_model_has_an_empty_record_and_keeps_what_the_job_sets():
    assert bn.Sequential([bn.Dense(2, 2)]).record == {}


def test_resume_applies_a_new_learning_rate_and_batch_size(saved, tmp_path):
    out = tmp_path / "more.barenet"
    result = quiet_train(TrainConfig(epochs=1, lr=0.5, batch_size=3), resume=str(saved), out=str(out))
    model = bn.load(out)
    assert model.optimizer.base_lr == 0.5 and result.model.optimizer.lr == 0.5  # no schedule on seed-softmax
    assert model.record["config"]["batch_size"] == 3 and model.record["config"]["lr"] == 0.5
    assert model.epoch == 3 and len(model.record["history"]["loss"]) == 3


def test_resume_without_changes_equals_one_longer_run(saved, tmp_path):
    resumed = quiet_train(TrainConfig(epochs=2), resume=str(saved), out=str(tmp_path / "r.barenet"))
    whole = quiet_train(TrainConfig(epochs=4), out=str(tmp_path / "w.barenet"))
    for a, b in zip(resumed.model.layers, whole.model.layers):
        for name in a.params:
            np.testing.assert_array_equal(a.params[name], b.params[name])


@pytest.mark.parametrize("change", [{"optimizer": "sgd"}, {"dataset": "digits"}, {"arch": "seed-1out"},
                                    {"seed": 3}])
def test_resume_refuses_a_setting_that_would_start_a_different_run(saved, change):
    name = next(iter(change))
    with pytest.raises(ValueError, match=f"--{name.replace('_', '-')} .* train a new model instead"):
        quiet_train(TrainConfig(epochs=1, **change), resume=str(saved))


def test_the_same_setting_as_the_file_is_accepted_on_resume(saved, tmp_path):
    result = quiet_train(TrainConfig(epochs=1, optimizer="adam", dataset="ox", seed=0),
                         resume=str(saved), out=str(tmp_path / "same.barenet"))
    assert result.model.epoch == 3


@pytest.mark.parametrize("field", ["epochs", "batch_size", "lr"])
def test_zero_is_refused_never_read_as_the_default(field):
    with pytest.raises(ValueError, match=f"TrainConfig.{field} must be"):
        TrainConfig(**{field: 0})


def test_the_progress_bar_counts_the_batches_fit_runs(monkeypatch, tmp_path):
    seen = {}
    begin = ProgressBar.on_train_begin

    def spy(self, model):
        seen["total"], seen["steps"] = self.total, 0
        begin(self, model)

    def count(self, model, epoch, batch, logs):
        seen["steps"] += 1

    monkeypatch.setattr(ProgressBar, "on_train_begin", spy)
    monkeypatch.setattr(ProgressBar, "on_backward", count)
    quiet_train(TrainConfig(epochs=3, batch_size=7), out=str(tmp_path / "p.barenet"))
    assert seen["total"] == seen["steps"] > 0


class _Counter(bn.Callback):
    """Counts training batches; with batch_size=1 that is the number of training samples."""

    def on_train_begin(self, model):
        self.n = 0

    def on_backward(self, model, epoch, batch, logs):
        self.n += 1


@pytest.mark.parametrize("n, split", [(10, 0.1), (95, 0.1), (7, 0.5), (1000, 0.0), (3, 0.01), (25, 0.3)])
def test_validation_size_is_what_fit_holds_out(n, split):
    X, y = np.zeros((n, 2), np.float32), np.arange(n) % 2
    counter = _Counter()
    bn.Sequential([bn.Dense(2, 2)], seed=0).fit(X, y, loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(0.1),
                                                epochs=1, batch_size=1, validation_split=split,
                                                callbacks=[counter])
    assert validation_size(n, split) == n - counter.n


@pytest.mark.parametrize("make, out, match", [
    (lambda p: (p / "runs").mkdir(), "runs", "is a folder"),
    (lambda p: (p / "notes").write_text("x"), "notes/ox.barenet", "'.*notes' is a file, not a folder"),
    (lambda p: os.mkfifo(p / "pipe"), "pipe", "not a regular file"),
])
def test_an_unwritable_out_path_fails_before_any_training(tmp_path, make, out, match):
    make(tmp_path)
    stream = io.StringIO()
    with pytest.raises(OSError, match=match):
        train(TrainConfig(epochs=1), out=str(tmp_path / out), quiet=False, stream=stream)
    assert stream.getvalue() == ""  # no epoch ran: the error came before the work it would waste
