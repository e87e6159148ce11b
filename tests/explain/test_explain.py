"""``barenet explain``: the worked example runs, every gradient check passes, and the checker can fail.

The CLI runs in a subprocess, as a user would run it. The number of check marks is
compared with a count taken from the model itself (every parameter, plus every layer
output except the pooled 2x2, which is dL/df again), so a step that stops checking,
or checks twice, fails here.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from barenet.cli.main import main
from barenet.data.ox import canonical
from barenet.explain import explain, render
from barenet.nn.layers import Dense, MaxPool2D, Sigmoid
from barenet.zoo import get_arch

PASS, FAIL = "✓", "✗"
ARCHS = ["seed-softmax", "seed-1out"]
SAMPLES = ["O", "X"]
FORMATS = ["text", "markdown"]


@functools.lru_cache(maxsize=None)
def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``barenet explain ARGS`` in a fresh interpreter; cached, as several tests read one run."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "barenet", "explain", *args], capture_output=True,
                          encoding="utf-8", env=env, timeout=60)


def expected_checks(arch: str) -> int:
    """Parameters plus the elements of every layer output explain checks."""
    model = get_arch(arch).build((1, 6, 6), 2, seed=0)
    outputs = sum(int(np.prod(shape)) for layer, (_, shape, _) in zip(model.layers, model.summary_rows((1, 6, 6)))
                  if not isinstance(layer, MaxPool2D))
    return model.n_params + outputs


def reference_loss(arch: str, sample: str, seed: int) -> float:
    """The loss of the same network and letter, computed directly (float32, as barenet trains)."""
    spec, label = get_arch(arch), SAMPLES.index(sample)
    model = spec.build((1, 6, 6), 2, seed=seed)
    return spec.make_loss().forward(model.forward(canonical()[label][None, None]), np.array([label]))


def printed_loss(out: str) -> float:
    values = re.findall(r"^\s*L = (-?[0-9.]+(?:e[-+]?[0-9]+)?)\s*$", out, flags=re.M)
    assert len(values) == 1, values
    return float(values[0])


def test_expected_check_counts_are_what_the_worked_example_shows() -> None:
    # 26 parameters + dz 2 + dh 2 + dz2 2 + df 4 + da1 16 + dz1 16; one output: 23 + do 1 + dz 1 + ...
    assert expected_checks("seed-softmax") == 68
    assert expected_checks("seed-1out") == 65


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("arch", ARCHS)
def test_cli_shows_every_step_and_every_check_passes(arch: str, sample: str, fmt: str) -> None:
    res = run_cli("--arch", arch, "--sample", sample, "--format", fmt, "--seed", "0")
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    out = res.stdout
    sections = (["FORWARD PASS", "BACKWARD PASS", "SUMMARY"] if fmt == "text"
                else ["# Worked example", "## Forward pass", "## Backward pass", "## Summary", "| element |"])
    steps = ["Convolution 3x3", "Max pooling 2x2", "pooled[0,0] = max(", "Hidden layer", "L = ",
             "dL/dW2[", "dL/dh[", "dL/dz2[", "dL/dW1[", "dL/df[", "dL/da1[", "dL/dz1[", "dL/dK[", "dL/dbK"]
    for key in sections + steps:
        assert key in out, key
    assert FAIL not in out
    assert out.count(PASS) == expected_checks(arch)
    if arch == "seed-softmax":
        assert "dL/dz[j] = p[j] - y[j]" in out and "why one-hot targets and softmax + cross-entropy fit" in out
    else:
        assert "dL/do = 2 (o - y)" in out and "dL/dz = dL/do * o (1 - o)" in out


@pytest.mark.parametrize("arch,sample,seed", [("seed-softmax", "O", 0), ("seed-softmax", "X", 3),
                                              ("seed-1out", "X", 0), ("seed-1out", "O", 7)])
def test_printed_loss_equals_the_loss_recomputed_from_the_same_seed(arch: str, sample: str, seed: int) -> None:
    res = run_cli("--arch", arch, "--sample", sample, "--format", "text", "--seed", str(seed))
    assert res.returncode == 0, res.stderr
    assert printed_loss(res.stdout) == pytest.approx(reference_loss(arch, sample, seed), rel=1e-5)


def test_hand_worked_softmax_loss_and_output_gradient() -> None:
    # L = -log p[label] and dL/dz = p - y, from the logits the trace itself reports.
    e = explain("seed-softmax", "X", seed=0)
    z = np.array([c.numeric for c in e.checks[:2]])  # dL/dz[0], dL/dz[1] = p - y
    assert z.sum() == pytest.approx(0.0, abs=1e-9)  # p sums to 1 and so does y
    assert e.loss == pytest.approx(-np.log(1 + z[1]), rel=1e-9)  # p[1] = dL/dz[1] + 1


def test_output_is_deterministic_for_a_seed_and_changes_with_it() -> None:
    first, again = render(explain(seed=5)), render(explain(seed=5))
    assert first == again
    assert render(explain(seed=6)) != first


def test_api_counts_and_format_check() -> None:
    e = explain("seed-1out", "o", seed=2)  # the letter is case-insensitive
    assert e.sample == "O" and e.ok and len(e.checks) == 65
    assert render(e).count(PASS) == render(e, "markdown").count(PASS) == 65
    with pytest.raises(ValueError, match="format"):
        render(e, "latex")


def _drop_sigmoid_factor(self: Sigmoid, dy: np.ndarray) -> np.ndarray:
    return dy * self._need_cache()  # forgets the (1 - y) of y (1 - y)


def test_a_broken_sigmoid_backward_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Sigmoid, "backward", _drop_sigmoid_factor)
    e = explain("seed-softmax", "O", seed=0)
    status = {c.name: c.ok for c in e.checks}
    # Above the hidden sigmoid nothing changes; from dL/dz2 down every nonzero value is wrong.
    assert status["dL/dz[0]"] and status["dL/dW2[1,1]"] and status["dL/dh[0]"]
    assert not status["dL/dz2[0]"] and not status["dL/dW1[0,0]"] and not status["dL/dK[2,0]"]
    assert all(c.formula == pytest.approx(c.numeric, rel=1e-6, abs=1e-15) for c in e.checks)  # the hand rule is fine
    text = render(e)
    assert text.count(FAIL) == len(e.failures) > 10
    assert text.count(PASS) + text.count(FAIL) == 68


def test_a_gradient_off_by_one_part_in_1e5_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Dense.backward

    def slightly_off(self: Dense, dy: np.ndarray) -> np.ndarray:
        dx = original(self, dy)
        self.grads["W"] = self.grads["W"] * (1 + 1e-5)
        return dx

    monkeypatch.setattr(Dense, "backward", slightly_off)
    e = explain("seed-1out", "X", seed=0)
    assert {c.name.split("[")[0] for c in e.failures} == {"dL/dW1", "dL/dW2"}


def test_gradient_sent_to_pool_losers_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # Share dy over each window, as average pooling would: the zero rows must now fail.
    monkeypatch.setattr(MaxPool2D, "backward", lambda self, dy: np.kron(dy, np.ones((1, 1, 2, 2))) / 4)
    e = explain("seed-softmax", "X", seed=0)
    losers = [c for c in e.checks if c.name.startswith("dL/da1[") and c.numeric == 0]
    assert len(losers) == 12 and not any(c.ok for c in losers)


def test_cli_exits_nonzero_when_a_check_fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(Sigmoid, "backward", _drop_sigmoid_factor)
    assert main(["explain", "--sample", "X"]) == 1
    captured = capsys.readouterr()
    assert FAIL in captured.out
    assert len(captured.err.strip().splitlines()) == 1 and "disagree" in captured.err


@pytest.mark.parametrize("args,word", [(("--sample", "Q"), "sample"), (("--arch", "mlp"), "architecture"),
                                       (("--arch", "nope"), "architecture"), (("--format", "latex"), "format")])
def test_bad_values_give_one_line_on_stderr(args: tuple, word: str) -> None:
    res = run_cli(*args)
    assert res.returncode != 0
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and word in lines[0] and "Traceback" not in res.stderr
