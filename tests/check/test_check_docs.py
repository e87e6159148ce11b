"""docs/check.md shows what really happens: its example prints what it shows, its fix passes,
and its gallery table lists exactly the cases that test_check_gallery.py runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from test_check_gallery import CASES
from test_tutorial import assert_shown_in, blocks

DOC = Path(__file__).resolve().parents[2] / "docs" / "check.md"


def example() -> tuple[str, list[str]]:
    found = blocks(DOC.read_text())
    i = next(i for i, (lang, _) in enumerate(found) if lang == "python")
    assert found[i + 1][0] == "text"
    return "\n".join(found[i][1]), found[i + 1][1]


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_example_prints_what_the_page_shows():
    code, shown = example()
    assert_shown_in(shown, run(code))


def test_the_fix_the_page_gives_passes():
    code, _ = example()
    bug = ("    dP = -Y / P / len(X)                                 # dL/dp\n"
           "    dz = dP * P * (1 - P)                                # the softmax derivative: its diagonal only\n")
    assert bug in code
    fixed = code.replace(bug, "    dz = (P - Y) / len(X)\n").replace("print(report.findings[0])", "")
    assert run(fixed + "\nprint(report.ok, report.findings)").strip().endswith("True []")


def test_the_gallery_table_is_the_gallery():
    rows = re.findall(r"^\| ([^|]+?) \|.*\| `([a-z-]+)` \|[^|]*\|$", DOC.read_text(), re.MULTILINE)
    assert [(name, code) for name, code in rows if name != "network"] == [(c.id, c.code) for c in CASES]
    assert f"{len(CASES)} bugs named correctly out of {len(CASES)}, no finding on the {len(CASES)} twins" in (
        " ".join(DOC.read_text().split()))
