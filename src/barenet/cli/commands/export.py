"""``barenet export MODEL --onnx OUT.onnx``: write a model file as an ONNX graph for other runtimes.

The graph's input is "input", (N, C, H, W) float32 with any batch size N, and its output
"output" is what the model computes (logits, or probabilities after a last Softmax or
Sigmoid). Class names and the barenet version go into the ONNX metadata. Needs the
``onnx`` extra: ``pip install 'barenet[onnx]'``.
"""

from __future__ import annotations

import argparse

from ._common import nonempty_path, positive_ints

ORDER = 60
HELP = "export a model file to ONNX (needs barenet[onnx])"


def configure(p: argparse.ArgumentParser) -> None:
    from ...onnx import DEFAULT_OPSET, IR_VERSIONS  # barenet.onnx imports the onnx package only when exporting

    p.add_argument("model", type=nonempty_path, help="a model file written by barenet train (or barenet.save)")
    p.add_argument("--onnx", type=nonempty_path, required=True, metavar="OUT.onnx", help="the ONNX file to write")
    p.add_argument("--opset", type=int, default=DEFAULT_OPSET, choices=sorted(IR_VERSIONS), metavar="N",
                   help=f"ONNX opset, {min(IR_VERSIONS)} to {max(IR_VERSIONS)} (default {DEFAULT_OPSET})")
    p.add_argument("--input-shape", type=positive_ints, default=None, metavar="C,H,W",
                   help="one sample's shape, for model files that do not record it (e.g. 1,28,28)")


def run(args: argparse.Namespace) -> int:
    from ...modelfile import load
    from ...onnx import to_onnx

    model = load(args.model)
    to_onnx(model, args.onnx, input_shape=args.input_shape, opset=args.opset)
    print(f"Wrote {args.onnx} (ONNX opset {args.opset}) from {args.model}")
    return 0
