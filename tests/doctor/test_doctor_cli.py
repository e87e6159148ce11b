"""barenet doctor on the question's own setup and its fix, and from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from barenet.doctor import fixed_setup, question_network, question_setup


# -- the question's setup and its fix -----------------------------------------------------------
def test_question_network_is_the_questions():
    model = question_network(0)
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D", "Sigmoid", "MaxPool2D", "Flatten", "Dense", "Sigmoid", "Dense", "Sigmoid", "Softmax"]
    assert model.forward(np.zeros((1, 1, 6, 6), np.float32)).shape == (1, 2)


def test_question_setup_is_diagnosed():
    setup = question_setup(0)
    report = setup.diagnose()
    assert {"double-squash", "mse-on-softmax", "labels-need-one-hot", "loss-plateau"} <= set(report.codes)
    assert report.of("error")[0].code == "double-squash"
    assert "one-hot" in report.context["targets"]  # the probe ran with the fixed targets


def test_fixed_setup_is_clean():
    report = fixed_setup(0).diagnose()
    assert report.ok, str(report)
    assert set(report.codes) <= {"two-class-softmax", "lr-range"}


# -- the command line ---------------------------------------------------------------------------
def barenet(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "barenet", "doctor", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env={**os.environ, "BARENET_DEBUG": ""})


def test_cli_question():
    run = barenet("--question")
    assert run.returncode == 1, run.stderr  # it reports errors, so the exit status says so
    assert run.stderr == ""
    for code in ("double-squash", "mse-on-softmax", "labels-need-one-hot", "loss-plateau"):
        assert code in run.stdout
    assert "Fix:" in run.stdout


def test_cli_arch_json():
    run = barenet("--arch", "seed-softmax", "--dataset", "ox", "--lr", "0.05", "--optimizer", "adam", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["ok"] and {f["code"] for f in report["findings"]} <= {"two-class-softmax", "lr-range"}


def test_cli_model_file(tmp_path):
    from barenet.modelfile import save

    setup = fixed_setup(0)
    setup.model.fit(setup.X, setup.y, loss=setup.loss, optimizer=setup.optimizer, epochs=2, batch_size=8, seed=0)
    path = str(tmp_path / "ox.barenet")
    save(setup.model, path, record={"config": {"dataset": "ox", "seed": 0}, "classes": ["O", "X"],
                                    "input_shape": [1, 6, 6]})
    run = barenet(path, "--steps", "10", "--no-lr-test")
    assert run.returncode == 0, run.stderr
    assert "SoftmaxCrossEntropy" in run.stdout and "lr-range" not in run.stdout
    run = barenet(path, "--dataset", "digits", "--steps", "10")  # 8x8 digits do not fit a 6x6 model
    assert run.returncode == 1 and "[error] shape-mismatch" in run.stdout and "probe-skipped" in run.stdout


@pytest.mark.parametrize("args, message", [
    ((), "exactly one of"),
    (("--arch", "nope"), "unknown architecture"),
    (("--question", "--lr", "3"), "drop --lr"),
    (("no-such-file.barenet",), "no-such-file"),
])
def test_cli_errors_are_one_line(tmp_path, args, message):
    run = barenet(*args, cwd=str(tmp_path))
    assert run.returncode == 1 and run.stdout == ""
    assert message in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr


def test_cli_model_file_options(tmp_path, capsys):
    from barenet.cli.main import main
    from barenet.modelfile import save

    setup = fixed_setup(0)
    bare = str(tmp_path / "bare.barenet")
    save(setup.model, bare, record={})  # never trained: no loss, no optimizer, no dataset
    assert main(["doctor", bare]) == 1
    assert "records no loss" in capsys.readouterr().err
    setup.model.fit(setup.X, setup.y, loss=setup.loss, optimizer=setup.optimizer, epochs=1, seed=0)
    path = str(tmp_path / "nameless.barenet")
    save(setup.model, path, record={})
    assert main(["doctor", path]) == 1
    assert "pass --dataset" in capsys.readouterr().err
    for extra, shown in ((["--lr", "0.003"], "Adam(lr=0.003"), (["--optimizer", "sgd"], "SGD(lr=0.05, momentum=0.9")):
        assert main(["doctor", path, "--dataset", "ox", "--steps", "0", *extra]) == 0
        assert shown in capsys.readouterr().out
