"""Run the held-out evaluation on a letters model: Debian fonts by style, and drawn letters.

    python scripts/heldout/evaluate.py [MODEL]     # default: the model shipped with barenet
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from heldout import debian_fonts, drawn  # noqa: E402
from heldout.report import Scores  # noqa: E402

# style group -> minimum accuracy (the targets, on fonts and strokes never used in training)
TARGETS = {"printed": 0.99, "handwriting": 0.95, "drawn": 0.95}
MIN_LETTER = 0.90


def evaluate(model) -> tuple[Scores, Scores, float]:
    """(scores per style, scores per group "printed"/"handwriting"/"script"/"drawn", seconds)."""
    start = time.perf_counter()
    styles, missing = debian_fonts.font_files()
    if missing:
        raise FileNotFoundError(f"held-out fonts missing: {', '.join(missing)}; install the Debian packages "
                                f"{' '.join(debian_fonts.PACKAGES)}")
    by_style, by_group = Scores(list(debian_fonts.LETTERS)), Scores(list(debian_fonts.LETTERS))
    for style, paths in styles.items():
        X, y, _ = debian_fonts.pictures(paths)
        pred = model.predict(X)
        by_style.add(style, y, pred)
        by_group.add("printed" if style in debian_fonts.PRINTED else style, y, pred)
    X, y = drawn.pictures()
    pred = model.predict(X)
    by_style.add("drawn", y, pred)
    by_group.add("drawn", y, pred)
    return by_style, by_group, time.perf_counter() - start


def main() -> int:
    import barenet as bn
    from barenet.web import DEFAULT_MODEL

    path = sys.argv[1] if len(sys.argv) > 1 else str(DEFAULT_MODEL)
    by_style, by_group, seconds = evaluate(bn.load(path))
    print(by_style.table())
    print()
    print(by_group.table())
    ok = True
    for group, target in TARGETS.items():
        met = by_group.accuracy(group) >= target
        ok &= met
        print(f"{group}: {by_group.accuracy(group):.1%} (target >= {target:.0%}) {'met' if met else 'NOT MET'}")
    letters = by_group.letter_accuracy()
    low = {k: v for k, v in letters.items() if v < MIN_LETTER}
    print(f"letters below {MIN_LETTER:.0%} (all groups together): {low or 'none'}")
    print(f"evaluated in {seconds:.1f} s")
    return 0 if ok and not low else 1


if __name__ == "__main__":
    sys.exit(main())
