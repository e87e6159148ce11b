"""``barenet doctor``: find what stops a network from training, each problem with its fix.

    barenet doctor MODEL         a saved model, on the dataset it was trained on (or --dataset)
    barenet doctor --arch NAME   an untrained zoo architecture on --dataset (default ox)
    barenet doctor --question    the question's own setup: sigmoid outputs under a softmax,
                                 MSE, labels 0/1 for two outputs, SGD with lr 0.01

The findings are printed (``--json`` for machine-readable output). The exit status is 0
when the doctor found no error (warnings and notes allowed), 1 when it reports an error,
and also 1 when it could not run (a missing or damaged file, an unknown architecture or
dataset), with one line on stderr.
"""

from __future__ import annotations

import argparse
import copy
import json
from typing import Any

from ._common import data_options, non_negative_int, nonempty_name, nonempty_path, positive_float, positive_int

ORDER = 35
HELP = "find what stops a network from training, with the fix (try --question)"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", nargs="?", type=nonempty_path, default=None, help="a model file written by barenet train")
    p.add_argument("--arch", type=nonempty_name, default=None,
                   help="examine an untrained architecture instead: seed-softmax (the "
                   "question's network, fixed), seed-1out, mlp, lenet, lenet-wide or cnn3")
    p.add_argument("--question", action="store_true", help="examine the question's own (broken) setup")
    p.add_argument("--dataset", type=nonempty_name, default=None, help="ox, letters, digits or emnist-letters "
                   "(default: the model's own, or ox)")
    p.add_argument("--data-dir", type=nonempty_path, default=None,
                   help="folder with the EMNIST IDX files (emnist-letters only)")
    p.add_argument("--split", default="train", choices=["train", "test"], help="data to probe with (default train)")
    p.add_argument("--optimizer", default=None, choices=["adam", "sgd", "rmsprop"],
                   help="optimizer to check (default: the model file's, or adam for --arch)")
    p.add_argument("--lr", type=positive_float, default=None,
                   help="learning rate to check (default: the model's or the "
                   "architecture's)")
    p.add_argument("--steps", type=non_negative_int, default=50,
                   help="probe training steps; 0 for the static checks only")
    p.add_argument("--batch-size", type=positive_int, default=32, help="probe batch size (default 32)")
    p.add_argument("--no-lr-test", action="store_true", help="skip the learning-rate range test (faster)")
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    from ...doctor import doctor

    if sum([args.model is not None, args.arch is not None, args.question]) != 1:
        raise ValueError("give exactly one of: a model file, --arch NAME, or --question")
    if args.question:
        model, X, y, loss, optimizer = _question(args)
    elif args.arch:
        model, X, y, loss, optimizer = _arch(args)
    else:
        model, X, y, loss, optimizer = _model_file(args)
    report = doctor(model, X, y, loss, optimizer=optimizer, probe_steps=args.steps, batch_size=args.batch_size,
                    lr_test=not args.no_lr_test, seed=args.seed)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report)
    return 1 if report.of("error") else 0


def _question(args: argparse.Namespace) -> tuple:
    from ...doctor import question_setup

    given = [flag for flag, v in (("--dataset", args.dataset), ("--optimizer", args.optimizer), ("--lr", args.lr),
                                  ("--data-dir", args.data_dir)) if v is not None]
    if given or args.split != "train":
        raise ValueError(f"--question builds the question's own setup; drop {', '.join(given) or '--split'}")
    s = question_setup(args.seed)
    return s.model, s.X, s.y, s.loss, s.optimizer


def _arch(args: argparse.Namespace) -> tuple:
    from ... import data as datasets
    from ...zoo import get_arch, make_optimizer

    arch = get_arch(args.arch)
    ds = datasets.load(args.dataset or "ox", args.split, seed=args.seed, **data_options(args))
    model = arch.build(ds.input_shape, len(ds.classes), seed=args.seed)
    optimizer = make_optimizer(args.optimizer or "adam", args.lr if args.lr is not None else arch.lr)
    return model, ds.X, ds.y, arch.make_loss(), optimizer


def _model_file(args: argparse.Namespace) -> tuple:
    from ... import data as datasets
    from ...modelfile import load

    model = load(args.model)
    if model.loss is None:
        raise ValueError(f"{args.model}: the model file records no loss to check; save it from a training run")
    config = (getattr(model, "record", None) or {}).get("config") or {}
    name = args.dataset or config.get("dataset")
    if not name:
        raise ValueError(f"{args.model}: the model file does not name its dataset; pass --dataset")
    options = data_options(args) or (config.get("data_options", {}) if name == config.get("dataset") else {})
    ds = datasets.load(name, args.split, seed=config.get("seed", 0), **options)
    return model, ds.X, ds.y, model.loss, _file_optimizer(model, args)


def _file_optimizer(model: Any, args: argparse.Namespace) -> Any:
    """The saved optimizer, or one named by --optimizer; --lr replaces the rate either way."""
    from ...zoo import make_optimizer

    saved = model.optimizer
    if args.optimizer or saved is None:
        lr = args.lr if args.lr is not None else getattr(saved, "lr", 1e-3)
        return make_optimizer(args.optimizer or "adam", lr)
    if args.lr is None:
        return saved
    opt = copy.deepcopy(saved)
    opt.base_lr = opt.lr = float(args.lr)
    return opt
