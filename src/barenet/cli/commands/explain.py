"""``barenet explain``: one forward and one backward pass on one letter, every gradient checked."""

from __future__ import annotations

import argparse
import sys

from ._common import non_negative_int

ORDER = 50
HELP = "one forward and backward pass on the letter O or X, with every number and gradient check"


def configure(p: argparse.ArgumentParser) -> None:
    # Choices are checked by barenet.explain, not argparse, so a bad value is one line on stderr.
    p.add_argument("--arch", default="seed-softmax", help="seed-softmax (default) or seed-1out")
    p.add_argument("--sample", default="O", help="the letter to run: O (default) or X")
    p.add_argument("--format", default="text", help="text (default), markdown, or html (a fragment for a page)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of the initial weights (default 0)")


def run(args: argparse.Namespace) -> int:
    from ...explain import explain, render

    expl = explain(arch=args.arch, sample=args.sample, seed=args.seed)
    text = render(expl, args.format)
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        "✓✗".encode(encoding)
    except (UnicodeEncodeError, LookupError):  # a terminal without the check marks: keep going
        text = text.encode(encoding, "replace").decode(encoding)
    sys.stdout.write(text)
    if not expl.ok:
        print(f"barenet explain: {len(expl.failures)} of {len(expl.checks)} gradient values disagree with "
              "central differences", file=sys.stderr)
        return 1
    return 0
