"""The ``barenet`` command line end to end, in subprocesses, as a user runs it.

train -> predict on a PNG written here -> evaluate -> show, exact resume, plots, and the
one-line errors for every mistake a user can make.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

import barenet as bn


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "barenet", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def assert_one_line_error(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def draw(path: Path, letter: str, dark_on_light: bool = True) -> Path:
    """A 64x64 picture of an O or an X, drawn with a thick pen."""
    ink, paper = (0, 255) if dark_on_light else (255, 0)
    im = Image.new("L", (64, 64), paper)
    d = ImageDraw.Draw(im)
    if letter == "O":
        d.ellipse((10, 10, 54, 54), outline=ink, width=7)
    else:
        d.line((12, 12, 52, 52), fill=ink, width=7)
        d.line((12, 52, 52, 12), fill=ink, width=7)
    im.save(path)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """`barenet train` with no arguments, as the README's first command runs it."""
    cwd = tmp_path_factory.mktemp("train")
    return cwd, run("train", cwd=cwd)


def test_train_with_no_arguments_learns_the_question_letters(trained):
    cwd, done = trained
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Epoch 1 loss:" in out and "accuracy:" in out
    assert "Test accuracy: 1.0000 (100/100)" in out  # the target for ox: 100%
    assert "true\\pred" in out and "Saved model to runs/ox-seed-softmax.barenet" in out
    model = bn.load(cwd / "runs" / "ox-seed-softmax.barenet")
    assert model.record["classes"] == ["O", "X"] and model.record["test_accuracy"] == 1.0


@pytest.mark.parametrize("letter, dark", [("O", True), ("X", True), ("O", False), ("X", False)])
def test_predict_reads_a_png_in_either_polarity(trained, tmp_path, letter, dark):
    cwd, _ = trained
    png = draw(tmp_path / f"{letter}.png", letter, dark)
    done = run("predict", "runs/ox-seed-softmax.barenet", str(png), cwd=cwd)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == letter
    probs = {name: float(p) for name, p in (line.split(": ") for line in lines[1:])}
    assert set(probs) == {"O", "X"} and abs(sum(probs.values()) - 1) < 1e-3 and probs[letter] > 0.5


def test_predict_ink_option_on_the_questions_tight_letters(trained, tmp_path):
    cwd, _ = trained
    from barenet.data import ox

    for k, name in enumerate("OX"):
        glyph = ox.canonical()[k]
        png = tmp_path / f"{name}.png"  # the question's letter, black on white, 6x6, no margin, scaled 10x
        Image.fromarray((255 * (1 - glyph)).astype(np.uint8)).resize((60, 60), Image.Resampling.NEAREST).save(png)
        for ink in ("auto", "dark"):
            done = run("predict", "runs/ox-seed-softmax.barenet", str(png), "--ink", ink, cwd=cwd)
            assert done.returncode == 0, done.stderr
            assert done.stdout.splitlines()[0] == name
    auto = run("predict", "runs/ox-seed-softmax.barenet", str(tmp_path / "O.png"), cwd=cwd).stdout
    flipped = run("predict", "runs/ox-seed-softmax.barenet", str(tmp_path / "O.png"), "--ink", "light", cwd=cwd)
    assert flipped.returncode == 0 and flipped.stdout != auto  # told the other polarity, it reads another picture
    bad = run("predict", "runs/ox-seed-softmax.barenet", str(tmp_path / "O.png"), "--ink", "blue", cwd=cwd)
    assert bad.returncode != 0 and "invalid choice" in bad.stderr


def test_predict_several_images_labels_each(trained, tmp_path):
    cwd, _ = trained
    done = run("predict", "runs/ox-seed-softmax.barenet", str(draw(tmp_path / "a.png", "O")),
               str(draw(tmp_path / "b.png", "X")), cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("# ") and done.stdout.count("# ") == 2


def test_evaluate_and_show(trained):
    cwd, _ = trained
    done = run("evaluate", "runs/ox-seed-softmax.barenet", cwd=cwd)
    assert done.returncode == 0 and "ox test: accuracy 1.0000 (100/100)" in done.stdout
    done = run("show", "runs/ox-seed-softmax.barenet", cwd=cwd)
    assert done.returncode == 0
    assert "Conv2D(1, 1, (3, 3))" in done.stdout and "(N, 1, 4, 4)" in done.stdout  # shapes from the record
    assert [line.split() for line in done.stdout.splitlines() if line.lstrip().startswith("Total")][0][-1] == "26"


def test_resume_two_plus_two_epochs_equals_four(tmp_path):
    assert run("train", "--epochs", "2", "--out", "a.barenet", "--quiet", cwd=tmp_path).returncode == 0
    done = run("train", "--resume", "a.barenet", "--epochs", "2", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert run("train", "--epochs", "4", "--out", "b.barenet", "--quiet", cwd=tmp_path).returncode == 0
    a, b = bn.load(tmp_path / "a.barenet"), bn.load(tmp_path / "b.barenet")
    assert a.epoch == b.epoch == 4
    for la, lb in zip(a.layers, b.layers):
        for k in la.params:
            assert np.array_equal(la.params[k], lb.params[k])
    assert a.record["history"]["loss"] == b.record["history"]["loss"]


def test_plot_writes_every_picture(tmp_path):
    done = run("train", "--epochs", "3", "--plot", "plots", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("curves", "confusion", "filters", "misclassified"):
        png = tmp_path / "plots" / f"{name}.png"
        assert png.read_bytes()[:4] == b"\x89PNG", name


def test_seed_1out_trains_with_mse_on_one_sigmoid_output(tmp_path):
    done = run("train", "--arch", "seed-1out", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    model = bn.load(tmp_path / "runs" / "ox-seed-1out.barenet")
    assert isinstance(model.loss, bn.MSE) and model.layers[-2].out_features == 1
    assert model.record["test_accuracy"] >= 0.95


def test_letters_with_lenet_reads_unseen_fonts_at_95_percent(tmp_path):
    # 2 epochs instead of 8 keep CI short (the default split holds 82,680 letters, drawn in
    # about 45 s); print and pen together still read unseen fonts.
    done = run("train", "--dataset", "letters", "--epochs", "2", "--weights-only", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    model = bn.load(tmp_path / "runs" / "letters-lenet.barenet")
    assert model.record["test_accuracy"] >= 0.95  # the test split's 5 fonts are never seen in training
    assert model.optimizer is None  # --weights-only: no optimizer state in the file


def test_digits_with_the_mlp_reaches_97_percent(tmp_path):
    done = run("train", "--dataset", "digits", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert bn.load(tmp_path / "runs" / "digits-mlp.barenet").record["test_accuracy"] >= 0.97


def test_python_dash_m_and_help(tmp_path):
    done = run("--help", cwd=tmp_path)
    assert done.returncode == 0
    for name in ("train", "predict", "evaluate", "show", "explain", "doctor", "export"):
        assert name in done.stdout


@pytest.mark.parametrize("args, words", [
    (["predict", "missing.barenet", "x.png"], ["no such file"]),
    (["evaluate", "missing.barenet"], ["no such file"]),
    (["show", "missing.barenet"], ["no such file"]),
    (["train", "--dataset", "nope"], ["unknown dataset", "ox"]),
    (["train", "--arch", "nope"], ["unknown architecture", "lenet"]),
    (["train", "--resume", "missing.barenet"], ["no such model file"]),
    (["train", "--dataset", "emnist-letters", "--data-dir", "nowhere"], ["nowhere"]),
])
def test_user_errors_are_one_line(tmp_path, args, words):
    assert_one_line_error(run(*args, cwd=tmp_path), *words)


def test_unreadable_image_and_corrupt_model_are_one_line(trained, tmp_path):
    cwd, _ = trained
    text = tmp_path / "notes.png"
    text.write_text("this is not a picture")
    assert_one_line_error(run("predict", "runs/ox-seed-softmax.barenet", str(text), cwd=cwd), "notes.png")
    assert_one_line_error(run("predict", "runs/ox-seed-softmax.barenet", str(tmp_path / "gone.png"), cwd=cwd),
                          "gone.png")
    raw = bytearray((cwd / "runs" / "ox-seed-softmax.barenet").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    bad = tmp_path / "bad.barenet"
    bad.write_bytes(bytes(raw))
    assert_one_line_error(run("show", str(bad), cwd=cwd), "SHA-256")
    assert_one_line_error(run("predict", str(bad), str(draw(tmp_path / "o.png", "O")), cwd=cwd), "SHA-256")


def test_bad_out_and_plot_paths_fail_before_training(tmp_path):
    (tmp_path / "runs").mkdir()
    (tmp_path / "notes.txt").write_text("keep me")
    assert_one_line_error(run("train", "--epochs", "1", "--out", "runs", cwd=tmp_path), "'runs'", "is a folder")
    assert_one_line_error(run("train", "--epochs", "1", "--plot", "notes.txt", cwd=tmp_path),
                          "--plot 'notes.txt' is a file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "runs"] and not any((tmp_path / "runs").iterdir())
    assert (tmp_path / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("layers, shape", [
    (lambda: [bn.Dense(4, 2)], [4]),  # a model of feature vectors, saved from Python
    (lambda: [bn.Flatten(), bn.Dense(12, 2)], [3, 2, 2]),  # three channels
])
def test_predict_names_an_input_shape_that_is_not_one_grey_picture(tmp_path, layers, shape):
    model = bn.Sequential(layers(), seed=0)
    model.record = {"classes": ["a", "b"], "input_shape": shape}
    bn.save(model, tmp_path / "m.barenet")
    done = run("predict", "m.barenet", str(draw(tmp_path / "o.png", "O")), cwd=tmp_path)
    assert_one_line_error(done, "m.barenet", f"shape {tuple(shape)}", "one grey channel")


def test_a_reader_that_leaves_early_gets_no_error_line(trained):
    # ``barenet show m | head -0``: the pipe is closed before barenet writes; Unix tools stop quietly.
    cwd, _ = trained
    proc = subprocess.Popen([sys.executable, "-m", "barenet", "show", "runs/ox-seed-softmax.barenet"], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141 and err == "", err
