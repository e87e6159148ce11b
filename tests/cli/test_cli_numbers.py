"""Numeric flags: argparse refuses zero, negatives, NaN, infinities and text where a number must be
positive or whole, in one line with exit status 2; 0 is never read as "the default"; and NumPy's
warnings never reach stderr.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys

import pytest

from barenet.cli.main import build_parser, command_modules, main
from barenet.cli.commands import _common
from barenet.job.train import TrainConfig

NOT_NUMBERS = ["abc", "", "nan", "inf", "-inf", "1e400"]
BAD = {
    "positive int": ["0", "-1", "2.5", "1e3", *NOT_NUMBERS],
    "non-negative int": ["-1", "-5", "0.5", *NOT_NUMBERS],
    "positive float": ["0", "-0", "-1e-9", *NOT_NUMBERS],
    "port": ["-1", "65536", "70000", "8080.0", *NOT_NUMBERS],
}
FLAGS = [  # (command line before the flag, flag, kind)
    (["train"], "--epochs", "positive int"), (["train"], "--batch-size", "positive int"),
    (["train"], "--lr", "positive float"), (["train"], "--seed", "non-negative int"),
    (["doctor", "--question"], "--steps", "non-negative int"), (["doctor", "--question"], "--batch-size", "positive int"),
    (["doctor", "--arch", "mlp"], "--lr", "positive float"), (["doctor", "--question"], "--seed", "non-negative int"),
    (["explain"], "--seed", "non-negative int"), (["serve"], "--port", "port"),
]
CASES = [(before, flag, value) for before, flag, kind in FLAGS for value in BAD[kind]]


@pytest.mark.parametrize("before, flag, value", CASES, ids=[f"{b[0]} {f} {v!r}" for b, f, v in CASES])
def test_bad_numbers_are_refused_by_argparse_in_one_line(before, flag, value, capsys):
    with pytest.raises(SystemExit) as info:
        main([*before, f"{flag}={value}"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"barenet {before[0]}: error: argument {flag}:")
    assert repr(value) in err and "usage:" not in err


@pytest.mark.parametrize("text", ["1,0,28", "a,b,c", "1,-28,28", "1,,28", ""])
def test_export_shape_must_be_positive_whole_numbers(text, capsys):
    with pytest.raises(SystemExit) as info:
        main(["export", "m.barenet", "--onnx", "m.onnx", f"--input-shape={text}"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "argument --input-shape" in err and err.count("\n") == 1


def test_good_numbers_parse_to_their_types():
    parser = build_parser(command_modules())
    args = parser.parse_args(["train", "--epochs", "3", "--batch-size", "16", "--lr", "1e-3", "--seed", "0"])
    assert (args.epochs, args.batch_size, args.lr, args.seed) == (3, 16, 1e-3, 0)
    assert type(args.epochs) is int and type(args.lr) is float
    args = parser.parse_args(["doctor", "--question", "--steps", "0", "--lr", "0.5"])
    assert args.steps == 0 and args.lr == 0.5  # 0 steps: only the static checks
    assert parser.parse_args(["serve", "--port", "0"]).port == 0


def test_other_argparse_errors_are_one_line_too(capsys):
    for argv in (["train", "--optimizer", "bogus"], ["train", "--no-such-flag"], ["nope"], []):
        with pytest.raises(SystemExit) as info:
            main(argv)
        err = capsys.readouterr().err
        assert info.value.code == 2 and err.count("\n") == 1 and "error:" in err, (argv, err)


@pytest.mark.parametrize("field, value", [("epochs", 0), ("batch_size", 0), ("lr", 0.0), ("lr", math.nan),
                                          ("lr", math.inf), ("epochs", 2.5), ("epochs", True), ("seed", -1)])
def test_zero_and_nonsense_in_a_train_config_are_errors_not_defaults(field, value):
    with pytest.raises(ValueError, match=f"TrainConfig.{field}"):
        TrainConfig(**{field: value})


def test_an_explicit_setting_wins_over_the_architecture_default(tmp_path):
    import io

    import barenet as bn
    from barenet.job.train import train

    result = train(TrainConfig(dataset="ox", epochs=1, batch_size=3, lr=0.5), out=str(tmp_path / "m.barenet"),
                   quiet=True, stream=io.StringIO())
    config = bn.load(tmp_path / "m.barenet").record["config"]
    assert result.model.epoch == 1 and (config["epochs"], config["batch_size"], config["lr"]) == (1, 3, 0.5)
    train(TrainConfig(dataset="ox"), out=str(tmp_path / "d.barenet"), quiet=True, stream=io.StringIO())
    assert bn.load(tmp_path / "d.barenet").record["config"]["epochs"] > 1  # None, only None, means the default


def test_numpy_warnings_stay_off_stderr(tmp_path):
    # lr 1e300 overflows in the update and the layers; NumPy would print RuntimeWarnings.
    done = subprocess.run([sys.executable, "-m", "barenet", "train", "--lr", "1e300", "--optimizer", "sgd",
                           "--epochs", "2", "--quiet", "--out", str(tmp_path / "m.barenet")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert "Warning" not in done.stderr and len(done.stderr.strip().splitlines()) <= 1, done.stderr


def test_the_type_functions_raise_argparse_errors():
    for check, text in [(_common.positive_int, "0"), (_common.non_negative_int, "-1"),
                        (_common.positive_float, "nan"), (_common.port, "65536"), (_common.positive_ints, "1,,2")]:
        with pytest.raises(argparse.ArgumentTypeError):
            check(text)


EMPTY = [  # (command line, the option given an empty string); each would otherwise mean its default
    (["train", "--out", ""], "--out"), (["train", "--resume", ""], "--resume"), (["train", "--plot", ""], "--plot"),
    (["train", "--data-dir", ""], "--data-dir"), (["train", "--dataset", ""], "--dataset"),
    (["train", "--arch", ""], "--arch"), (["doctor", ""], "model"), (["doctor", "--arch", ""], "--arch"),
    (["evaluate", "m.barenet", "--dataset", ""], "--dataset"), (["explain", "--weights", ""], "--weights"),
    (["explain", "--input", ""], "--input"), (["explain", "--sample", ""], "--sample"),
    (["export", "m.barenet", "--onnx", ""], "--onnx"), (["predict", "m.barenet", ""], "IMAGE"),
    (["predict", "", "x.png"], "model"), (["show", ""], "model"), (["serve", ""], "model"), (["check", ""], "script"),
]


@pytest.mark.parametrize("argv, option", EMPTY, ids=[" ".join(a) for a, _ in EMPTY])
def test_an_empty_path_or_name_is_refused_not_read_as_the_default(argv, option, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1
    assert f"argument {option}" in err and "received '' (an empty string)" in err
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written
