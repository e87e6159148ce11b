"""``barenet predict MODEL IMAGE...``: the predicted class, then each class's probability."""

from __future__ import annotations

import argparse

import numpy as np

from ._common import model_meta, nonempty_path

ORDER = 20
HELP = "classify image files (PNG, JPEG) with a saved model"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=nonempty_path, help="a model file written by barenet train")
    p.add_argument("images", nargs="+", type=nonempty_path, metavar="IMAGE",
                   help="image files; any size, either polarity")
    p.add_argument("--ink", choices=("auto", "dark", "light"), default="auto",
                   help="dark: dark ink on light paper; light: the reverse; auto (default): decide per picture")


def run(args: argparse.Namespace) -> int:
    from ...data.images import load_image
    from ...modelfile import load

    model = load(args.model)
    classes, shape = model_meta(model, args.model)
    if len(shape) != 3 or shape[0] != 1:
        raise ValueError(f"{args.model}: the model takes samples of shape {shape}, but barenet predict makes "
                         "one grey channel from a picture, (1, H, W); call model.predict from Python instead")
    _, H, W = shape
    images = [load_image(path, size=(H, W), ink=args.ink) for path in args.images]  # read all before printing any
    for path, x in zip(args.images, images):
        proba = model.predict_proba(x)[0]
        if len(args.images) > 1:
            print(f"# {path}")
        print(classes[int(np.argmax(proba))])
        for name, p in zip(classes, proba):
            print(f"{name}: {p:.4f}")
    return 0
