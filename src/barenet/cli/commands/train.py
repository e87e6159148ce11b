"""``barenet train``: train an architecture on a dataset, report, save; or resume a saved run."""

from __future__ import annotations

import argparse
import os

from ._common import data_options, non_negative_int, nonempty_name, nonempty_path, positive_float, positive_int

ORDER = 10
HELP = "train a network (default: the question's O/X network)"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", type=nonempty_name, default=None,
                   help="ox (default), letters, digits or emnist-letters")
    p.add_argument("--data-dir", type=nonempty_path, default=None,
                   help="folder with the EMNIST IDX files (emnist-letters only)")
    p.add_argument("--arch", type=nonempty_name, default=None,
                   help="seed-softmax (default for ox), seed-1out, mlp, lenet, lenet-wide or cnn3")
    p.add_argument("--epochs", type=positive_int, default=None, help="epochs to train (default: the architecture's)")
    p.add_argument("--batch-size", type=positive_int, default=None,
                   help="samples per step (default: the architecture's)")
    p.add_argument("--lr", type=positive_float, default=None, help="learning rate (default: the architecture's)")
    p.add_argument("--optimizer", default=None, choices=["adam", "sgd", "rmsprop"], help="default: adam")
    p.add_argument("--seed", type=non_negative_int, default=None, help="default: 0")
    p.add_argument("--out", type=nonempty_path, default=None,
                   help="model file to write (default: runs/DATASET-ARCH.barenet)")
    p.add_argument("--resume", type=nonempty_path, default=None, metavar="MODEL",
                   help="continue training a saved model for --epochs more epochs, exactly as one longer run; "
                        "--batch-size and --lr may change, the data set, architecture, optimizer and seed may not")
    p.add_argument("--plot", type=nonempty_path, default=None, metavar="DIR",
                   help="write PNG plots of the run into DIR")
    p.add_argument("--quiet", action="store_true", help="print only the final results")
    p.add_argument("--weights-only", action="store_true",
                   help="save without the optimizer state: a smaller file to ship, which cannot be resumed")


def run(args: argparse.Namespace) -> int:
    from ...job.train import TrainConfig, train

    if args.resume and not os.path.exists(args.resume):
        raise FileNotFoundError(f"no such model file: {args.resume}")
    if args.plot and os.path.exists(args.plot) and not os.path.isdir(args.plot):  # fail before training
        raise NotADirectoryError(f"--plot {args.plot!r} is a file; give a folder for the plots")
    cfg = TrainConfig(dataset=args.dataset, arch=args.arch, epochs=args.epochs,
                      batch_size=args.batch_size, lr=args.lr, optimizer=args.optimizer, seed=args.seed,
                      data_options=data_options(args))
    result = train(cfg, resume=args.resume, out=args.out, quiet=args.quiet, weights_only=args.weights_only)
    if args.plot:
        from ...job.plots import plot_run

        for path in plot_run(result, args.plot):
            print(f"Wrote {path}")
    return 0
