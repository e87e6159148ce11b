"""``barenet check``: check the backprop of your own network, written without barenet.

    barenet check FILE.py [ARGS ...]     run FILE.py (ARGS become its sys.argv) and check
                                         the gradients it computes, naming each bug found

FILE.py defines, at module level: ``params`` (the weights: a dict, or the network object),
``loss_fn`` (the loss of one batch) and either ``grads`` (the gradients) or ``step`` and
``lr`` (one in-place training step); optionally ``X``, ``y``, ``forward`` and ``scores``.
Code under ``if __name__ == "__main__":`` does not run. docs/check.md has the details.

Exit status: 0 when every gradient agrees and nothing is wrong, 1 when a gradient
disagrees or a problem is found (or the check cannot run: one line on stderr).
"""

from __future__ import annotations

import argparse
import json

from ._common import nonempty_path

ORDER = 38
HELP = "check the gradients of your own network script and name the bugs"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("script", type=nonempty_path,
                   help="your network's Python file (see docs/check.md for the names it defines)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed on to the script as sys.argv")
    p.add_argument("--steps", type=int, default=100, help="training steps for the does-the-loss-fall test "
                   "(default 100; run only when the gradients agree)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from ...check.script import check_script

    if args.steps < 1:
        raise ValueError("--steps must be >= 1")
    result = check_script(args.script, args.args, steps=args.steps)
    print(json.dumps(result.to_dict(), indent=2) if args.json else result)
    return 0 if result.ok else 1
