"""Check the letter recognizer's accuracy targets by running ``barenet train`` as a user would.

    python scripts/accuracy.py            # all three, then the held-out letters evaluation
    python scripts/accuracy.py --only ox  # one of them
    python scripts/accuracy.py --heldout-only [--model M]   # only the held-out evaluation

The held-out evaluation (scripts/heldout) reads Debian fonts-* families and letters drawn
along stroke paths that training never uses, with the shipped letters model (or --model),
and reports accuracy per style, per letter and the most common confusions.

Targets: ox with seed-softmax 100% test accuracy in under 5 s; letters with lenet >= 95% on
fonts that training never sees; digits with mlp >= 97%. The time is the wall time of the
whole ``barenet train`` process, imports and data included. Exits 1 if a target is missed.
The tests (tests/test_cli.py) check the three accuracies on every CI run; the time target is
checked only here, since timings do not belong in tests.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import barenet as bn

# dataset -> (architecture, minimum test accuracy, maximum seconds or None)
TARGETS = {"ox": ("seed-softmax", 1.0, 5.0), "letters": ("lenet", 0.95, None), "digits": ("mlp", 0.97, None)}


def check(dataset: str, folder: Path) -> tuple[float, float, bool]:
    """Train one dataset; return (test accuracy, seconds, target met)."""
    arch, min_acc, max_s = TARGETS[dataset]
    out = folder / f"{dataset}.barenet"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "barenet", "train", "--dataset", dataset, "--arch", arch,
                           "--out", str(out), "--quiet"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return 0.0, seconds, False
    acc = float(bn.load(out).record["test_accuracy"])
    return acc, seconds, acc >= min_acc and (max_s is None or seconds < max_s)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(TARGETS), help="check one dataset")
    parser.add_argument("--heldout-only", action="store_true", help="only the held-out letters evaluation")
    parser.add_argument("--model", help="letters model for the held-out evaluation (default: the shipped one)")
    args = parser.parse_args()
    if args.heldout_only:
        return heldout(args.model)
    names = [args.only] if args.only else list(TARGETS)
    ok = True
    print(f"{'dataset':<10}{'arch':<14}{'test accuracy':>14}{'target':>13}{'seconds':>10}  met")
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            acc, seconds, met = check(name, Path(tmp))
            arch, min_acc, max_s = TARGETS[name]
            target = f">={min_acc:.0%}" + (f",<{max_s:.0f}s" if max_s else "")
            print(f"{name:<10}{arch:<14}{acc:>14.4f}{target:>13}{seconds:>10.1f}  {'yes' if met else 'NO'}")
            ok &= met
    if not args.only:
        ok &= heldout(args.model) == 0
    return 0 if ok else 1


def heldout(model: str | None) -> int:
    """Run scripts/heldout/evaluate.py on ``model``; its exit status (0: every target met)."""
    script = Path(__file__).resolve().parent / "heldout" / "evaluate.py"
    return subprocess.run([sys.executable, str(script)] + ([model] if model else [])).returncode


if __name__ == "__main__":
    sys.exit(main())
