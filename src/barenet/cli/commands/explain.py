"""``barenet explain``: one forward and one backward pass on one letter, every gradient checked."""

from __future__ import annotations

import argparse
import sys

from ._common import non_negative_int, nonempty_name, nonempty_path

ORDER = 50
HELP = "one forward and backward pass on the letter O or X, with every number and gradient check"


def configure(p: argparse.ArgumentParser) -> None:
    # Choices are checked by barenet.explain, not argparse, so a bad value is one line on stderr.
    p.add_argument("--arch", type=nonempty_name, default=None,
                   help="seed-softmax (default), seed-1out, or question (the question's own network: sigmoid "
                        "outputs, softmax, MSE; the default with --input or --weights)")
    p.add_argument("--sample", type=nonempty_name, default="O",
                   help="the letter to run, or the class of --input: O (default) or X")
    p.add_argument("--format", type=nonempty_name, default="text",
                   help="text (default), markdown, or html (a fragment for a page)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of the initial weights (default 0)")
    p.add_argument("--input", type=nonempty_name, default=None, metavar="VALUES|FILE",
                   help="your own input, in the question's names: x1,x2,x3,x4 (the 4 pooled values), 36 values "
                        "(a 6x6 letter, row by row), or a text or picture file of them (docs/check.md)")
    p.add_argument("--weights", type=nonempty_path, default=None, metavar="FILE",
                   help="your own weights: a JSON object of w1 ... w12, b1, b2 (json.dump(vars(network), f))")


def _explain(args: argparse.Namespace):
    from ...explain import ARCHS, explain, explain_own

    if args.arch is not None and args.arch not in ARCHS + ("question",):
        raise ValueError(f"unknown architecture {args.arch!r}; choose one of {', '.join(ARCHS)}, question")
    own = args.input is not None or args.weights is not None or args.arch == "question"
    if not own:
        return explain(arch=args.arch or "seed-softmax", sample=args.sample, seed=args.seed)
    return explain_own(arch=args.arch or "question", sample=args.sample, seed=args.seed,
                       inputs=args.input, weights=args.weights)


def run(args: argparse.Namespace) -> int:
    from ...explain import render

    expl = _explain(args)
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
