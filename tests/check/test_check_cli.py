"""barenet check FILE.py: the convention, the exit status, JSON, and errors in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUESTION = str(ROOT / "examples" / "question_original.py")


def barenet(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "barenet", "check", *args], capture_output=True, text=True, check=False,
                          timeout=300, cwd=cwd, env={**os.environ, "BARENET_DEBUG": ""})


def test_the_questions_code_is_named_and_exits_1():
    run = barenet("--json", QUESTION)  # barenet's options come before the script; the rest is its argv
    assert run.returncode == 1, run.stderr
    result = json.loads(run.stdout)
    assert [f["code"] for f in result["gradients"]["findings"]] == ["shape"]
    assert [f["code"] for f in result["forward"]["findings"]] == ["softmax-on-sigmoid", "targets-not-one-hot"]
    assert len(result["gradients"]["findings"][0]["params"]) == 14


def test_all_fixes_applied_exits_0():
    run = barenet(QUESTION, "--fixes", "5")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().endswith("barenet check: everything agrees")


GRADS_SCRIPT = """
import numpy as np
rng = np.random.default_rng(0)
X, y = rng.random((8, 3)), rng.random((8, 1))
params = {{"W": rng.normal(size=(3, 1)), "b": np.zeros(1)}}

def loss_fn():
    return float(np.mean((X @ params["W"] + params["b"] - y) ** 2))

def grads():
    d = 2 * (X @ params["W"] + params["b"] - y) / {scale}
    return {{"W": X.T @ d, "b": d.sum(axis=0)}}

if __name__ == "__main__":
    raise SystemExit("training would run here")
"""


def test_a_grads_script(tmp_path):
    good, bad = tmp_path / "good.py", tmp_path / "bad.py"
    good.write_text(GRADS_SCRIPT.format(scale="len(X)"))
    bad.write_text(GRADS_SCRIPT.format(scale="1"))
    run = barenet(str(good))
    assert run.returncode == 0 and "all 4 gradient values agree" in run.stdout, run.stdout + run.stderr
    run = barenet(str(bad))
    assert run.returncode == 1 and "[batch-scale] W, b" in run.stdout


def test_arguments_reach_the_script(tmp_path):
    script = tmp_path / "args.py"
    script.write_text("import sys\nassert sys.argv[1:] == ['--fixes', '2'], sys.argv\n"
                      + GRADS_SCRIPT.format(scale="len(X)"))
    assert barenet(str(script), "--fixes", "2").returncode == 0


def one_line_error(run: subprocess.CompletedProcess, message: str) -> None:
    assert run.returncode == 1 and run.stdout == ""
    assert message in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr


def test_errors_are_one_line(tmp_path):
    one_line_error(barenet(str(tmp_path / "nope.py")), "no such file")
    one_line_error(barenet(str(tmp_path)), "not a regular file")  # a folder exists: not "no such file"
    script = tmp_path / "s.py"
    script.write_text("import numpy as np\nparams = {'w': 1.0}\n")
    one_line_error(barenet(str(script)), "defines no `loss_fn`")
    script.write_text("params = {'w': 1.0}\nloss_fn = lambda: params['w'] ** 2\n")
    one_line_error(barenet(str(script)), "neither `grads`")
    script.write_text("params = {'w': 1.0}\nloss_fn = lambda: params['w'] ** 2\nstep = lambda: None\n")
    one_line_error(barenet(str(script)), "defines no `lr`")
    script.write_text("x = 1 / 0\n")
    one_line_error(barenet(str(script)), "s.py, line 1: ZeroDivisionError")
    script.write_text(textwrap.dedent("""
        params = {'w': 1.0}
        def loss_fn():
            return params['w'] ** 2
        def grads():
            return {'w': undefined_name}
    """))
    one_line_error(barenet(str(script)), "line 6: NameError")
    script.write_text("def f(:\n")
    one_line_error(barenet(str(script)), "s.py, line 1")
    script.write_text("import sys\nsys.exit(3)\n")
    one_line_error(barenet(str(script)), "called sys.exit(3) while loading")


def test_the_rebuilt_question_fails_as_asked_and_learns_once_fixed():
    def script(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, QUESTION, *args], capture_output=True, text=True, timeout=300,
                              check=False)

    asked = script()
    assert asked.returncode == 1 and "every weight became an array" in asked.stdout  # the "shapes problem"
    fixed = script("--fixes", "5")
    assert fixed.returncode == 0, fixed.stderr
    probs = json.loads(fixed.stdout.splitlines()[-1].split(": ", 1)[1])
    assert probs[0][0] > 0.9 and probs[1][1] > 0.9   # O is read as O, X as X
