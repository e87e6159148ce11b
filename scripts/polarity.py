"""Measure how often each polarity rule finds the ink, on pictures made to be hard for it.

    python scripts/polarity.py [--model MODEL]

Pictures: A-Z from the held-out Debian fonts (printed and handwriting styles, 36 px), in
five framings: with a margin, cropped tight to the ink, tight with a thick pen (the glyph
dilated by 3 px), small (the letter 12 px tall in a 28 px picture) and on a transparent
ground; each dark on light and light on dark. For each rule, the share of pictures whose
polarity it gets right; with --model, also the model's accuracy when ``load_image`` reads
them (the rule in barenet.data.images).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from heldout import debian_fonts  # noqa: E402


def _otsu(gray: np.ndarray) -> float:
    """The threshold that maximizes the between-class variance of a 64-bin histogram."""
    hist, edges = np.histogram(gray, bins=64, range=(0.0, 1.0))
    p = hist / hist.sum()
    w0 = np.cumsum(p)
    mu = np.cumsum(p * (edges[:-1] + edges[1:]) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mu[-1] * w0 - mu) ** 2 / (w0 * (1 - w0))
    return float(edges[1:][np.nanargmax(between)])


def _border(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a[0], a[-1], a[1:-1, 0], a[1:-1, -1]])


def rule_border_median(gray):  # True: the ink is dark
    return np.median(_border(gray)) > 0.5


def rule_minority(gray):
    return (gray < _otsu(gray)).mean() < 0.5


def rule_area_plus_border(gray):
    dark = gray < _otsu(gray)
    return dark.mean() + _border(dark).mean() < 1.0


def rule_corners(gray):
    k = max(1, min(gray.shape) // 8)
    corners = np.concatenate([gray[:k, :k].ravel(), gray[:k, -k:].ravel(), gray[-k:, :k].ravel(), gray[-k:, -k:].ravel()])
    return np.median(corners) > 0.5


def _runs(mask: np.ndarray) -> np.ndarray:
    """Length of the horizontal run of equal values each pixel belongs to. Shape: (h, w) -> (h, w)."""
    h, w = mask.shape
    change = np.ones((h, w), bool)
    change[:, 1:] = mask[:, 1:] != mask[:, :-1]
    run_id = np.cumsum(change.ravel())
    return np.bincount(run_id)[run_id].reshape(h, w)


def rule_thinner(gray):
    dark = gray < _otsu(gray)
    thick = np.minimum(_runs(dark), _runs(dark.T).T)
    if dark.all() or not dark.any():
        return True
    return np.median(thick[dark]) <= np.median(thick[~dark])


def rule_vote(gray):
    return (int(rule_border_median(gray)) + int(rule_minority(gray)) + int(rule_thinner(gray))) >= 2


def rule_library(gray):
    from barenet.data.polarity import ink_is_dark
    return ink_is_dark(gray)


RULES = {"barenet (components)": rule_library, "thinner class": rule_thinner, "vote of 3": rule_vote,
         "border median (before)": rule_border_median, "minority class": rule_minority,
         "area + border": rule_area_plus_border, "corners": rule_corners}


def pictures(paths):
    """(framing, dark_ink, letter, RGBA-or-L PIL image) for every font, letter, framing and polarity."""
    from PIL import Image, ImageFilter

    for path in paths:
        for k, letter in enumerate(debian_fonts.LETTERS):
            page = Image.open(io.BytesIO(debian_fonts.render_png(path, letter, 36))).convert("L")
            ink = Image.eval(page, lambda v: 255 - v)  # ink = 255
            box = ink.getbbox()
            framings = {"margin": ink, "tight": ink.crop(box),
                        "thick tight": ink.filter(ImageFilter.MaxFilter(5)).crop(ink.filter(ImageFilter.MaxFilter(5)).getbbox()),
                        "small": ink.crop(box).resize((max(1, 12 * (box[2] - box[0]) // (box[3] - box[1])), 12))}
            for framing, img in framings.items():
                if framing == "small":
                    canvas = Image.new("L", (28, 28), 0)
                    canvas.paste(img, ((28 - img.width) // 2, 8))
                    img = canvas
                yield framing, True, k, Image.eval(img, lambda v: 255 - v)
                yield framing, False, k, img
            tight = ink.crop(box)
            for dark in (True, False):
                color = (0, 0, 0) if dark else (255, 255, 255)
                rgba = Image.new("RGBA", tight.size, color + (0,))
                rgba.putalpha(tight)
                yield "transparent tight", dark, k, rgba


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a letters model file: also report its accuracy per framing")
    parser.add_argument("--fonts-per-style", type=int, default=4)
    args = parser.parse_args()
    import barenet as bn
    from barenet.data.images import load_image

    styles, _ = debian_fonts.font_files()
    paths = [p for s in ("regular", "bold", "handwriting") for p in styles[s][:args.fonts_per_style]]
    model = bn.load(args.model) if args.model else None
    right: dict = {}
    for framing, dark, k, img in pictures(paths):
        gray = np.asarray(img.convert("L"), np.float32) / 255.0
        row = right.setdefault(framing, {name: [] for name in [*RULES, "accuracy"]})
        for name, rule in RULES.items():
            if img.mode != "RGBA":
                row[name].append(rule(gray) == dark)
        if model is not None:
            buf = io.BytesIO()
            img.save(buf, format="PNG")
            try:
                row["accuracy"].append(int(model.predict(load_image(io.BytesIO(buf.getvalue())))[0]) == k)
            except ValueError:  # "looks blank": a wrong answer too
                row["accuracy"].append(False)
    names = [*RULES, "accuracy"]
    print("| framing | " + " | ".join(names) + " |")
    print("| --- " * (len(names) + 1) + "|")
    for framing, row in right.items():
        cells = [f"{np.mean(v):.1%}" if v else "n/a" for v in row.values()]
        print(f"| {framing} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
