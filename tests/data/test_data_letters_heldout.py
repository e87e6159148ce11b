"""The shipped letters model on type and strokes that training never used (scripts/heldout).

Debian's ``fonts-*`` families (installed by .ci/run from .ci/packages) rendered with Pillow
as pictures, and letters drawn along stroke paths of their own, all read through
``load_image``. A missing font fails the test, naming the package list: the evaluation is
part of CI, not optional.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import barenet as bn
from barenet.web import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from heldout import debian_fonts, drawn  # noqa: E402
from heldout.evaluate import evaluate  # noqa: E402


# The targets, all met by the shipped model (99.8% printed, 96.1% handwriting, 100%
# drawn, the weakest letter 95.9%). Joined scripts have no target; 80.0% is guarded so it
# cannot slip unnoticed.
PRINTED_FLOOR, HANDWRITING_FLOOR, DRAWN_FLOOR, LETTER_FLOOR = 0.99, 0.95, 0.95, 0.90
SCRIPT_FLOOR = 0.78


@pytest.fixture(scope="module")
def scores():
    return evaluate(bn.load(DEFAULT_MODEL))


def test_the_held_out_fonts_are_not_training_fonts():
    from barenet.data import fonts

    styles, missing = debian_fonts.font_files()
    assert not missing, f"install the Debian packages in .ci/packages: missing {missing}"
    names = {Path(p).stem for paths in styles.values() for p in paths}
    assert not names & set(fonts.TRAIN_FONTS + fonts.TEST_FONTS)
    assert not any(n.startswith(("DejaVu", "STIX", "cm")) for n in names)
    ci = (ROOT / ".ci" / "packages").read_text().split()
    assert set(debian_fonts.PACKAGES) <= set(ci)


def test_drawn_paths_are_not_training_paths():
    from barenet.data.stroke_paths import PATHS

    assert set(drawn.SHAPES) == set(PATHS) == set(debian_fonts.LETTERS)
    paths = drawn.strokes("E", 0, 280)
    assert all(0 <= x <= 280 and 0 <= y <= 280 for s in paths for x, y in s)  # usable as mouse moves


def test_printed_fonts(scores):
    _, groups, _ = scores
    assert groups.accuracy("printed") >= PRINTED_FLOOR


def test_drawn_letters(scores):
    _, groups, _ = scores
    assert groups.accuracy("drawn") >= DRAWN_FLOOR


def test_handwriting_fonts(scores):
    _, groups, _ = scores
    assert groups.accuracy("handwriting") >= HANDWRITING_FLOOR


def test_joined_script_fonts(scores):
    _, groups, _ = scores
    assert groups.accuracy("script") >= SCRIPT_FLOOR


def test_every_style_reported_and_no_letter_collapses(scores):
    styles, groups, _ = scores
    assert set(styles.groups) == set(debian_fonts.STYLES) | {"drawn"}
    letters = groups.letter_accuracy()
    assert len(letters) == 26 and min(letters.values()) >= LETTER_FLOOR


def test_shipped_model_is_weights_only_and_small():
    model = bn.load(DEFAULT_MODEL)
    assert model.optimizer is None and DEFAULT_MODEL.stat().st_size < 1_000_000


def test_page_and_readme_state_the_measured_figures(scores):
    # The draw-a-letter page and the README quote these figures; they must be the ones measured.
    _, groups, _ = scores
    html = (ROOT / "src" / "barenet" / "web" / "static" / "index.html").read_text(encoding="utf-8")
    stated = dict(re.findall(r'data-figure="([a-z]+)">([0-9.]+)%', html))
    assert set(stated) == {"printed", "handwriting", "drawn"}
    for group, figure in stated.items():
        assert abs(100 * groups.accuracy(group) - float(figure)) <= 0.05 + 1e-9, (group, figure)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for group in ("printed", "handwriting", "script", "drawn"):
        correct, total = groups.groups[group]
        assert f"{100 * correct / total:.1f}% ({correct}/{total})" in readme, group
