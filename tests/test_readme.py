"""The README keeps its promises: CI runs its test command, and its example runs as shown."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def fenced(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", README, re.M | re.S)


def test_the_first_command_installs_and_trains_and_the_second_runs_the_tests():
    first, second = (block.strip() for block in fenced("sh")[:2])
    assert first.endswith("pip install -e . && barenet train")
    assert "pip install -e '.[test]'" in second and second.endswith("python -m pytest -q")


def test_ci_runs_exactly_the_readme_test_command():
    second = fenced("sh")[1].strip()
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert second in ci


def test_the_example_has_15_lines_and_runs(tmp_path):
    code = fenced("python")[0]
    assert len(code.strip().splitlines()) == 15
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert float(first.split()[0]) == 1.0  # validation accuracy on the bars
    assert "BAD" not in done.stdout and done.stdout.count("ok ") == 7  # gradcheck: input + 6 tensors


def test_the_documented_error_message_is_the_real_one():
    import numpy as np

    import barenet as bn

    shown = re.search(r"`(Dense\(4, 2\) at layer 4: [^`]+)`", README).group(1)
    model = bn.Sequential([bn.Conv2D(1, 1, 3), bn.Sigmoid(), bn.MaxPool2D(2), bn.Dropout(0.0), bn.Dense(4, 2)])
    try:
        model.predict(np.zeros((8, 1, 6, 6)))
    except bn.ShapeError as exc:
        assert str(exc) == shown
    else:
        raise AssertionError("no ShapeError")
