"""docs/tutorial.md runs as written: every command and code block, with the output it shows.

A ```console block is a ``$ command`` line and the lines it prints; a ```python block
followed by a ```text block is a script and its output. The shown lines must appear, in
order, in what the command really prints (``...`` skips lines). A command exits with status 0
unless its line ends in a comment ``# exit status N``. Tiny numbers in scientific
notation (gradient-check errors such as 2.04e-09) may differ in their digits between BLAS
builds, so they only need to be such a number.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
TINY = re.compile(r"\d\.\d+e-\d+")
STATUS = re.compile(r"\s+#\s*exit status (\d+)\s*$")


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """(language, lines) for each fenced block of the Markdown text, in order."""
    return [(lang, body.splitlines()) for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)]


def cases() -> list[tuple[str, list[str], list[str], int]]:
    """(id, argv, expected lines, exit status) for every runnable example in the tutorial."""
    found, bl = [], blocks(TUTORIAL.read_text())
    for i, (lang, lines) in enumerate(bl):
        if lang == "console":
            status = STATUS.search(lines[0])
            cmd = shlex.split(STATUS.sub("", lines[0]).removeprefix("$ "))
            argv = ([sys.executable, str(ROOT / cmd[1])] + cmd[2:] if cmd[0] == "python"
                    else [sys.executable, "-m", "barenet"] + cmd[1:])
            found.append((lines[0], argv, lines[1:], int(status.group(1)) if status else 0))
        elif lang == "python" and i + 1 < len(bl) and bl[i + 1][0] == "text":
            found.append((f"python block {i}", [sys.executable, "-c", "\n".join(lines)], bl[i + 1][1], 0))
    return found


def normalize(line: str) -> str:
    return TINY.sub("<tiny>", line.rstrip())


def assert_shown_in(expected: list[str], output: str) -> None:
    """Each shown line (but ``...``) is part of an output line, in the same order."""
    actual = [normalize(line) for line in output.splitlines()]
    at = 0
    for line in expected:
        if line.strip() == "...":
            continue
        want = normalize(line)
        while at < len(actual) and want not in actual[at]:
            at += 1
        assert at < len(actual), f"not in the output (or out of order): {line!r}"
        at += 1


def test_the_tutorial_has_the_examples_it_promises():
    ids = [c[0] for c in cases()]
    assert "$ python examples/question.py" in ids
    assert any(i.startswith("$ barenet explain") for i in ids)
    assert any(i.startswith("$ barenet doctor --question") for i in ids)
    assert sum(i.startswith("python block") for i in ids) == 3
    assert any(i.startswith("$ barenet explain --input") and "--weights" in i for i in ids)  # the learner's numbers
    checks = [c for c in cases() if c[0].startswith("$ barenet check examples/question_original.py")]
    assert len(checks) >= 3 and checks[0][3] == 1 and checks[-1][3] == 0  # from its bugs to a clean check


@pytest.mark.parametrize("name, argv, expected, status", cases(), ids=[c[0] for c in cases()])
def test_tutorial_example_runs_and_prints_what_it_shows(tmp_path, name, argv, expected, status):
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # `barenet check examples/...` as from the root
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == status, done.stderr
    assert_shown_in(expected, done.stdout)


def test_the_checker_rejects_output_that_differs():
    with pytest.raises(AssertionError, match="not in the output"):
        assert_shown_in(["Epoch 0 loss: 0.305", "Epoch 1000 loss: 0.121"], "Epoch 0 loss: 0.305\nEpoch 1000 loss: 0.122")
    with pytest.raises(AssertionError):
        assert_shown_in(["b", "a"], "a\nb")  # order matters
    assert_shown_in(["rel_error=2.04e-09", "...", "ok"], "rel_error=3.10e-09 x\nmiddle\nok")
    assert STATUS.search("$ barenet check x.py    # exit status 1").group(1) == "1"


def test_question_example_draws_the_loss_plot(tmp_path):
    png = tmp_path / "losses.png"
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "question.py"), "--epochs", "300",
                           "--plot", str(png)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (ROOT / "docs" / "img" / "question-losses.png").is_file()  # the picture the tutorial shows
