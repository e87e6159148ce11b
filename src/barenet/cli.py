"""The ``barenet`` command line: train, predict, evaluate, show.

Every failure a user can cause ends as one line on stderr and a non-zero exit status,
never a traceback. Set BARENET_DEBUG=1 to see the traceback of an internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable, Sequence

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str) -> Callable:
    """Register a function as the handler of a subcommand."""

    def register(fn: Callable[[argparse.Namespace], int]) -> Callable:
        COMMANDS[name] = fn
        return fn

    return register


def _add_train(sub: Any) -> None:
    p = sub.add_parser("train", help="train a network (default: the question's O/X network)",
                       description="Train an architecture on a dataset, report accuracy and save the model.")
    p.add_argument("--dataset", default=None, help="ox (default), letters, digits or emnist-letters")
    p.add_argument("--data-dir", default=None, help="folder with the EMNIST IDX files (emnist-letters only)")
    p.add_argument("--arch", default=None, help="seed-softmax (default for ox), seed-1out, mlp or lenet")
    p.add_argument("--epochs", type=int, default=None, help="epochs to train (default: the architecture's)")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: the architecture's)")
    p.add_argument("--optimizer", default="adam", choices=["adam", "sgd", "rmsprop"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="model file to write (default: runs/DATASET-ARCH.barenet)")
    p.add_argument("--resume", default=None, metavar="MODEL", help="continue training a saved model")
    p.add_argument("--plot", default=None, metavar="DIR", help="write PNG plots of the run into DIR")
    p.add_argument("--quiet", action="store_true", help="print only the final results")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="barenet", description="barenet: neural networks on NumPy, shown at work.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _add_train(sub)
    p = sub.add_parser("predict", help="classify image files with a saved model")
    p.add_argument("model")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p = sub.add_parser("evaluate", help="accuracy and confusion matrix of a saved model on a dataset")
    p.add_argument("model")
    p.add_argument("--dataset", default=None, help="dataset name (default: the one it was trained on)")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--split", default="test", choices=["train", "test"])
    p = sub.add_parser("show", help="layers, shapes, parameter count and training record of a model")
    p.add_argument("model")
    return parser


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``barenet`` console script; returns the exit status."""
    from . import commands  # noqa: F401  (registers the handlers)
    from .errors import BarenetError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("barenet: interrupted", file=sys.stderr)
        return 130
    except (BarenetError, ValueError, OSError, ImportError, LookupError) as exc:
        # What a user can cause: bad arguments or data, missing or corrupt files, a missing extra.
        print(f"barenet {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # an internal error: still one line, unless debugging
        if os.environ.get("BARENET_DEBUG"):
            raise
        print(f"barenet {args.command}: internal error: {type(exc).__name__}: {_one_line(exc)} "
              "(set BARENET_DEBUG=1 for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
