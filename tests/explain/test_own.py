"""``barenet explain --input/--weights``: the learner's numbers, in the learner's names, checked.

The printed names and numbers are compared with a hand computation (weights chosen so the
arithmetic is short, written out in the comments), with the question's own code
(examples/question_original.py: its forward pass as asked, and one training step with its
gradients fixed), and with the zoo's worked example on the same seed.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from barenet.cli.main import main
from barenet.data.ox import canonical
from barenet.explain import explain, explain_own, render
from barenet.nn.layers import Softmax
from barenet.zoo import get_arch

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "question_original.py"
WEIGHTS = ROOT / "examples" / "question_weights.json"
POOLED_O = "0.46931818,0.44129729,0.54988949,0.54295118"  # the question's O letter, pooled
PASS, FAIL = "✓", "✗"
NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2", "w9", "w10", "w11", "w12")


@functools.lru_cache(maxsize=None)
def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "barenet", "explain", *args], capture_output=True,
                          encoding="utf-8", env=env, timeout=60, cwd=ROOT)


def checked(out: str) -> dict[str, tuple[str, float, float, float]]:
    """Check rows by the learner's name: (barenet's name, formula, barenet, numerical)."""
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) > 6 and parts[0].startswith("dL/d") and parts[-1] in (PASS, FAIL):
            assert parts[1].startswith("(") and parts[1].endswith(")"), line
            rows[parts[0][4:]] = (parts[1][1:-1], float(parts[-5]), float(parts[-4]), float(parts[-3]))
    return rows


def shown(out: str) -> dict[str, tuple[float, str]]:
    """Forward lines "name = ... = value   barenet: name" -> (value, barenet's name)."""
    found, name = {}, None
    for line in out.splitlines():
        start = re.match(r"^  (\w+) = ", line)
        name = start.group(1) if start else name  # "sum_h1 = w1*x1 ..." continues on the next line
        end = re.search(r" = (\S+)\s+barenet: (\S+)$", line)
        if end and name:
            found[name] = (float(end.group(1)), end.group(2))
    return found


def example(fixes: int) -> dict:
    """examples/question_original.py's globals with ``--fixes N`` (its training loop does not run)."""
    argv = sys.argv
    sys.argv = [str(EXAMPLE), "--fixes", str(fixes)]
    try:
        return runpy.run_path(str(EXAMPLE), run_name="question_original")
    finally:
        sys.argv = argv


# -- a hand computation ------------------------------------------------------------------
def simple_weights() -> dict[str, float]:
    """Hidden weights and biases 0, w9 = w12 = 1, w10 = w11 = 0: o1 hears h1 only, o2 h2 only."""
    w = {n: 0.0 for n in NAMES}
    w["w9"] = w["w12"] = 1.0
    return w


def test_question_network_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(simple_weights()))
    res = run_cli("--input", "0.2,0.4,0.6,0.8", "--weights", str(path), "--sample", "O")
    assert res.returncode == 0, res.stderr
    # sum_h1 = sum_h2 = 0, so h1 = h2 = 1/2; sum_o1 = w9 h1 = 1/2 = sum_o2; o1 = o2 = s = sigmoid(1/2).
    s = 1 / (1 + math.exp(-0.5))
    # y_pred = softmax([s, s]) = [1/2, 1/2]; y_true = [1, 0]; L = ((1 - 1/2)^2 + (0 - 1/2)^2) / 2 = 1/4.
    values = shown(res.stdout)
    assert values["h1"][0] == pytest.approx(0.5) and values["h1"][1] == "h[0]"
    assert values["o1"][0] == pytest.approx(s, rel=1e-5) and values["o1"][1] == "o[0]"
    assert values["sum_h2"][0] == 0 and values["sum_h2"][1] == "z2[1]"
    assert re.search(r"^  L = 0\.25$", res.stdout, flags=re.M)
    # dL/dy_pred = y_pred - y_true = [-1/2, 1/2]; the softmax Jacobian at [1/2, 1/2] is [[1/4, -1/4], [-1/4, 1/4]],
    # so dL/do1 = -1/2 * 1/4 + 1/2 * (-1/4) = -1/4 and dL/do2 = 1/4; dL/dsum_o = dL/do * s (1 - s).
    d = 0.25 * s * (1 - s)
    hand = {"y_pred[0]": -0.5, "y_pred[1]": 0.5, "o1": -0.25, "o2": 0.25, "sum_o1": -d, "sum_o2": d,
            # dL/dw9 = dL/dsum_o1 h1, dL/dw10 = dL/dsum_o1 h2, dL/dw11 = dL/dsum_o2 h1, dL/dw12 = dL/dsum_o2 h2
            "w9": -d / 2, "w10": -d / 2, "w11": d / 2, "w12": d / 2,
            # dL/dh1 = dL/dsum_o1 w9 + dL/dsum_o2 w11 = -d; dL/dh2 = d; dL/dsum_h = dL/dh * 1/2 * 1/2
            "h1": -d, "h2": d, "sum_h1": -d / 4, "sum_h2": d / 4, "b1": -d / 4, "b2": d / 4,
            # dL/dw1 = dL/dsum_h1 x1, ..., dL/dw5 = dL/dsum_h2 x1; dL/dx = 0, as w1 ... w8 are 0
            **{f"w{m}": -d / 4 * x for m, x in zip((1, 2, 3, 4), (0.2, 0.4, 0.6, 0.8))},
            **{f"w{m + 4}": d / 4 * x for m, x in zip((1, 2, 3, 4), (0.2, 0.4, 0.6, 0.8))},
            "x1": 0.0, "x2": 0.0, "x3": 0.0, "x4": 0.0}
    rows = checked(res.stdout)
    assert set(rows) == set(hand) and len(rows) == 28 == res.stdout.count(PASS)
    for name, value in hand.items():
        for got in rows[name][1:]:
            assert got == pytest.approx(value, rel=1e-5, abs=1e-12), name
    assert rows["w1"][0] == "W1[0,0]" and rows["w5"][0] == "W1[0,1]" and rows["b2"][0] == "b1[1]"
    assert rows["w10"][0] == "W2[1,0]" and rows["w11"][0] == "W2[0,1]" and rows["sum_o2"][0] == "z[1]"


def test_barenet_network_by_hand() -> None:
    e = explain_own("seed-softmax", "X", inputs=[0.2, 0.4, 0.6, 0.8], weights=simple_weights())
    # o1 = w9 h1 = 1/2 = o2 (logits); y_pred = [1/2, 1/2]; y_true = [0, 1]; L = -log(1/2) = log 2.
    assert e.ok and e.loss == pytest.approx(math.log(2))
    rows = checked(render(e))
    # dL/do = y_pred - y_true = [1/2, -1/2]; dL/dw9 = 1/2 h1 = 1/4, dL/dw11 = -1/2 h1 = -1/4;
    # dL/dh1 = 1/2 w9 = 1/2, dL/dsum_h1 = 1/2 * 1/4 = 1/8, dL/dw3 = 1/8 x3, dL/dw7 = -1/8 x3.
    hand = {"o1": 0.5, "o2": -0.5, "w9": 0.25, "w10": 0.25, "w11": -0.25, "w12": -0.25, "h1": 0.5, "h2": -0.5,
            "sum_h1": 0.125, "b2": -0.125, "w3": 0.125 * 0.6, "w7": -0.125 * 0.6, "x4": 0.0}
    for name, value in hand.items():
        assert rows[name][1:] == pytest.approx((value,) * 3, rel=1e-6, abs=1e-12), name
    assert len(rows) == 24 and "sum_o1" not in rows and rows["o1"][0] == "z[0]"


# -- the question's own code -------------------------------------------------------------
def test_weights_file_is_the_question_codes_network() -> None:
    net = example(0)["network"]
    assert json.loads(WEIGHTS.read_text()) == {k: float(v) for k, v in vars(net).items()}


def test_forward_numbers_equal_the_question_codes_printout() -> None:
    res = run_cli("--input", POOLED_O, "--weights", str(WEIGHTS))
    assert res.returncode == 0, res.stderr
    assert "the question's second network as its code computes it" in res.stdout
    g = example(0)
    y_pred = g["network"].feedforward(g["data"][0])  # the question's feedforward, bugs and all
    line = re.search(r"y_pred = softmax\(\[o1, o2\]\) = .* = \[(\S+), (\S+)\]\s+barenet: p$", res.stdout, re.M)
    assert [float(line.group(1)), float(line.group(2))] == pytest.approx(y_pred, rel=1e-5)
    loss = g["mse_loss"](np.array([1, 0]), y_pred)  # with the one-hot target of fix 1
    assert float(re.search(r"^  L = (\S+)$", res.stdout, re.M).group(1)) == pytest.approx(loss, rel=1e-5)
    for name in NAMES:  # every weight printed with its own name and barenet's
        assert re.search(rf"^  {name} *= +{float(vars(g['network'])[name]):.6g}   (W[12]|b1)\[", res.stdout, re.M)


@pytest.mark.parametrize("arch,fixes", [("question", 4), ("seed-softmax", 5)])
def test_gradients_equal_one_step_of_the_fixed_question_code(arch: str, fixes: int) -> None:
    # Fixes 1-4 give the question's network right gradients; fix 5 turns it into barenet's network.
    e = explain_own(arch, "O", inputs=POOLED_O, weights=str(WEIGHTS))
    g = example(fixes)
    net = g["network"]
    before = {k: float(v) for k, v in vars(net).items()}
    net.train(g["data"][:1], g["all_y_trues"][:1], learn_rate=0.01, epochs=1)
    implied = {k: (before[k] - float(v)) / 0.01 for k, v in vars(net).items()}
    rows = checked(render(e))
    for name in NAMES:
        assert rows[name][1] == pytest.approx(implied[name], rel=1e-5), name
    text = render(e)
    for name in NAMES:  # the one-step preview prints the weights the code now holds
        assert re.search(rf"^  {name} .* = {float(vars(net)[name]):.6g}$", text, re.M), name


def test_own_mode_matches_the_zoo_worked_example_on_the_same_seed() -> None:
    # No --input, no --weights: the canonical letter and seed-softmax's weights, so every gradient
    # must equal the zoo explain's, element for element, under barenet's names.
    own, zoo = explain_own("seed-softmax", "X", seed=3), explain("seed-softmax", "X", seed=3)
    assert own.ok and own.loss == pytest.approx(zoo.loss, rel=1e-12)
    zoo_rows = {c.name: c.numeric for c in zoo.checks}
    pairs = {"w1": "dL/dW1[0,0]", "w7": "dL/dW1[2,1]", "b2": "dL/db1[1]", "w10": "dL/dW2[1,0]",
             "w11": "dL/dW2[0,1]", "h2": "dL/dh[1]", "sum_h1": "dL/dz2[0]", "o2": "dL/dz[1]", "x3": "dL/df[2]"}
    mine_rows = {c.name.split()[0][4:]: c.numeric for c in own.checks}
    for mine, theirs in pairs.items():
        assert mine_rows[mine] == pytest.approx(zoo_rows[theirs], rel=1e-7), mine


# -- inputs ------------------------------------------------------------------------------
def front(letter: np.ndarray, seed: int) -> np.ndarray:
    """x1 ... x4 by loops: conv 3x3 with seed-softmax's kernel, sigmoid, max of each 2x2 block."""
    conv = get_arch("seed-softmax").build((1, 6, 6), 2, seed=seed).layers[0].params
    K, bK = conv["W"][0, 0].astype(float), float(conv["b"][0])
    a1 = np.array([[1 / (1 + math.exp(-(bK + np.sum(K * letter[i:i + 3, j:j + 3])))) for j in range(4)]
                   for i in range(4)])
    return np.array([a1[r:r + 2, c:c + 2].max() for r in (0, 2) for c in (0, 2)])


def test_a_6x6_letter_as_36_values_and_as_a_text_file(tmp_path: Path) -> None:
    letter = canonical()[1].astype(float)
    values = ",".join(f"{v:g}" for v in letter.ravel())
    (tmp_path / "x.txt").write_text("\n".join(" ".join(f"{v:g}" for v in row) for row in letter))
    a = explain_own("question", "X", inputs=values, seed=2)
    b = explain_own("question", "X", inputs=str(tmp_path / "x.txt"), seed=2)
    assert a.ok and render(a) == render(b)
    text = render(a)
    assert "Your letter, pooled to x1 ... x4" in text and "K and bK come from seed 2" in " ".join(text.split())
    got = [float(m) for m in re.findall(r"^ *x\d = (\S+) +barenet: f\[\d\]$", text, re.M)]
    assert got == pytest.approx(front(letter, 2), rel=1e-5)


def test_a_picture_file_as_input(tmp_path: Path) -> None:
    from PIL import Image

    from barenet.data.images import load_image

    letter = canonical()[0]
    Image.fromarray(((1 - letter) * 255).astype(np.uint8)).resize((60, 60), Image.NEAREST).save(tmp_path / "o.png")
    res = run_cli("--input", str(tmp_path / "o.png"), "--sample", "O", "--format", "markdown")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("# Worked example: the question's network, in the question's names, on an O")
    assert res.stdout.count(PASS) == 28
    pooled = front(load_image(tmp_path / "o.png", 6)[0, 0].astype(float), 0)
    got = [float(m) for m in re.findall(r"^ *x\d = (\S+) +barenet: f\[\d\]$", res.stdout, re.M)]
    assert got == pytest.approx(pooled, rel=1e-5)


def test_a_kernel_in_the_weights_file_drives_the_front() -> None:
    w = {**simple_weights(), "K": [[0, 0, 0], [0, 1, 0], [0, 0, 0]], "bK": 0.0}  # a1 = sigmoid(inner pixels)
    e = explain_own("question", "O", inputs=canonical()[0], weights=w)
    got = [float(m) for m in re.findall(r"^ *x\d = (\S+) +barenet: f\[\d\]$", render(e), re.M)]
    inner = canonical()[0][1:5, 1:5]
    assert got == pytest.approx([1 / (1 + math.exp(-inner[r:r + 2, c:c + 2].max())) for r in (0, 2) for c in (0, 2)])
    assert "K and bK come from the weights given" in " ".join(render(e).split())


# -- the checker can fail, and bad input is one line -------------------------------------
def test_a_diagonal_softmax_backward_is_caught(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(Softmax, "backward", lambda self, dy: dy * self._cache * (1 - self._cache))
    assert main(["explain", "--input", POOLED_O, "--weights", str(WEIGHTS)]) == 1
    out = capsys.readouterr()
    rows = {line.split()[0]: line.split()[-1] for line in out.out.splitlines() if line.startswith("    dL/d")}
    assert rows["dL/dy_pred[0]"] == PASS and rows["dL/do1"] == FAIL and rows["dL/dw1"] == FAIL
    assert out.err.count("\n") == 1 and "disagree" in out.err


def bad_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.json"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("make_args,words", [
    (lambda p: ["--weights", bad_file(p, json.dumps({**simple_weights(), "W1": 1}))], ["unknown W1"]),
    (lambda p: ["--weights", bad_file(p, json.dumps({"w1": 1}))], ["missing w2", "b2"]),
    (lambda p: ["--weights", bad_file(p, json.dumps({**simple_weights(), "w3": "x"}))], ["w3", "finite number"]),
    (lambda p: ["--weights", bad_file(p, "{w1: 1")], ["not JSON"]),
    (lambda p: ["--weights", str(p / "nope.json")], ["does not exist"]),
    (lambda p: ["--input", "1,2,3"], ["expected 4 numbers", "received 3"]),
    (lambda p: ["--input", "1,2,nan,4"], ["'nan'", "finite"]),
    (lambda p: ["--input", POOLED_O, "--arch", "seed-1out"], ["architecture", "question, seed-softmax"]),
    (lambda p: ["--input", POOLED_O, "--weights", bad_file(p, json.dumps({**simple_weights(), "K": [[1]] * 3,
                                                                           "bK": 0}))], ["3x3"]),
    (lambda p: ["--input", POOLED_O, "--weights", bad_file(p, json.dumps({**simple_weights(),
                                                                           "K": [[1] * 3] * 3, "bK": 0}))],
     ["already", "4 pooled values"]),
])
def test_bad_own_numbers_give_one_line(tmp_path: Path, capsys, make_args, words) -> None:
    assert main(["explain", *make_args(tmp_path)]) == 1
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1 and out.err.startswith("barenet explain: error: ")
    for word in words:
        assert word in out.err, out.err


def test_arch_question_alone_runs_on_the_canonical_letter(capsys) -> None:
    assert main(["explain", "--arch", "question", "--sample", "X", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("barenet explain: the question's network, in the question's names, on an X")
    assert "on the canonical letter X, with the weights from seed 1" in " ".join(out.split())
    assert out.count(PASS) == 28 and "Your letter, pooled to x1 ... x4" in out


def test_weights_files_that_are_not_text_or_nest_too_deep_name_the_file(tmp_path, capsys):
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00{")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "digits.json").write_text('{"w1": ' + "9" * 5000 + "}")
    for name, words in (("binary.json", "is not UTF-8 text"), ("deep.json", "is nested too deeply"),
                        ("digits.json", "holds a whole number with 5000 digits")):
        assert main(["explain", "--weights", str(tmp_path / name)]) == 1
        err = capsys.readouterr().err.strip()
        assert name in err and words in err and "internal error" not in err and "\n" not in err and "sys." not in err
