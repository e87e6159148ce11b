"""The ``barenet`` command line.

Subcommands live one per module in ``barenet.commands``. Every failure a user can
cause ends as one line on stderr and a non-zero exit status, never a traceback (a reader that
closes the pipe early, as `| head` does, ends it quietly with status 141); set
BARENET_DEBUG=1 to see the traceback of an internal error. A bad flag (argparse checks
every number, see ``commands._common``) is one line too, with exit status 2.

NumPy's floating-point warnings (overflow, invalid value) and other RuntimeWarnings are
kept off stderr while a command runs: what they would say is reported by barenet's own
checks (a diverging run stops with the epoch, batch and layer; model files must be finite).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import warnings
from types import ModuleType
from typing import NoReturn, Sequence

from . import commands


def command_modules() -> dict[str, ModuleType]:
    """Subcommand name -> module, in help order (``train`` first)."""
    mods = [importlib.import_module(f"{commands.__name__}.{info.name}")
            for info in pkgutil.iter_modules(commands.__path__) if not info.name.startswith("_")]
    mods.sort(key=lambda m: (m.ORDER, m.__name__))
    return {m.__name__.rsplit(".", 1)[1].replace("_", "-"): m for m in mods}


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad command line is one line on stderr (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def build_parser(modules: dict[str, ModuleType]) -> argparse.ArgumentParser:
    parser = OneLineParser(prog="barenet", description="barenet: neural networks on NumPy, shown at work.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, mod in modules.items():
        mod.configure(sub.add_parser(name, help=mod.HELP, description=mod.__doc__.strip().splitlines()[0]))
    return parser


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``barenet`` console script; returns the exit status."""
    from ..nn.errors import BarenetError

    modules = command_modules()
    args = build_parser(modules).parse_args(argv)
    try:
        return _run_quietly(modules[args.command], args)
    except KeyboardInterrupt:
        print("barenet: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader left (barenet show m | head -1): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit flush cannot fail again
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by a closed pipe
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


def _run_quietly(module: ModuleType, args: argparse.Namespace) -> int:
    """Run a command with NumPy's floating-point warnings and RuntimeWarnings kept off stderr."""
    import numpy as np

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return module.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
