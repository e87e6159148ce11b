"""Capital letters A-Z: printed from matplotlib's TrueType fonts, and pen-drawn (``strokes.py``).

No download: matplotlib carries DejaVu, STIX and Computer Modern fonts. Of its .ttf
files, 22 draw 26 distinct, upright Latin capitals and are used here. Skipped, after
rendering every one of them: DejaVuSans/SerifDisplay, LastResortHE and the STIXNonUni /
STIXSiz* files (no glyphs for A-Z, or one placeholder for all), cmex10 (big operators
sit on the A-Z code points) and cmsy10 (its A-Z are calligraphic script capitals).

The split is by font, so the test set measures how well a model reads type it never saw:
``TRAIN_FONTS`` (17) and ``TEST_FONTS`` (5) are fixed and disjoint, and every test
font has a training relative of similar style (sans oblique, serif bold, serif italic,
Computer Modern sans and typewriter).

Each sample: the clean glyph (cached per font, letter and size) fitted MNIST-style
(longer side 20/28 of the frame, centred by mass), then a random affine jitter
(rotation +-12 degrees, scale 0.85..1.1, shift +-2 px at 28 px) and Gaussian pixel noise.

The training split adds, on top: stroke-width change (a sixth of the samples up to two
pixels thicker), horizontal squeeze and shear, elastic distortion (``augment.py``) and a
few hollow outlines on the printed samples, and ``drawn`` pen-drawn letters per class from
stroke templates (``strokes.py``), so the model reads handwriting. Then LOW_RES_SHARE of all
training samples are shrunk and read back as a small picture is (``augment.low_resolution``),
since a letter 13 px tall in a user's picture reaches the model softer than the crisp
28 px renderings. Font families that Debian packages as ``fonts-*`` are never used here:
they are the held-out evaluation (``scripts/heldout``).
"""

from __future__ import annotations

import functools
import os
import string

import numpy as np

from .._optional import require
from . import strokes
from .augment import affine_fields, change_width, elastic_fields, low_resolution, outline, warp_images
from .base import SPLITS, Dataset, check_split
from .images import fit_to_frame

CLASSES = list(string.ascii_uppercase)
TRAIN_FONTS = (
    "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-BoldOblique",
    "DejaVuSansMono", "DejaVuSansMono-Bold", "DejaVuSansMono-Oblique", "DejaVuSansMono-BoldOblique",
    "DejaVuSerif", "DejaVuSerif-Italic", "DejaVuSerif-BoldItalic",
    "STIXGeneral", "STIXGeneralBol", "STIXGeneralBolIta",
    "cmb10", "cmmi10", "cmr10", "cmti10",
)
TEST_FONTS = ("DejaVuSans-Oblique", "DejaVuSerif-Bold", "STIXGeneralItalic", "cmss10", "cmtt10")
MAX_ROTATION_DEG, SCALE_RANGE, MAX_SHIFT_AT_28 = 12.0, (0.85, 1.1), 2.0
DRAWN_PER_LETTER = 2500  # pen-drawn training letters per class (strokes.py)
TRAIN_PER_FONT, TEST_PER_FONT = 40, 24  # printed samples per letter and font
LOW_RES_SHARE, LOW_RES_FACTORS = 0.3, (0.45, 0.85)  # share of training letters shrunk, by how much
PRINTED_ELASTIC_ALPHA = 20.0  # at 28 px, on half the printed training samples (Simard's sigma = 4)


def font_split() -> dict[str, tuple[str, ...]]:
    """The fixed font lists of each split: {"train": TRAIN_FONTS, "test": TEST_FONTS}."""
    return {"train": TRAIN_FONTS, "test": TEST_FONTS}


def font_path(font: str) -> str:
    """Path of matplotlib's ``<font>.ttf``; FileNotFoundError if this matplotlib lacks it."""
    matplotlib = require("matplotlib", "letters")
    path = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", font + ".ttf")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"font {font!r} is not in this matplotlib ({path}); the letters dataset "
                                f"needs matplotlib's bundled DejaVu, STIX and Computer Modern fonts")
    return path


@functools.lru_cache(maxsize=4096)
def render_glyph(font: str, letter: str, size: int = 28) -> np.ndarray:
    """One clean glyph, ink = 1, fitted and centred like MNIST in a size x size frame.

    Shape: -> (size, size) float32 in [0, 1], read-only (it is cached and shared).
    """
    Image, ImageDraw, ImageFont = (require(f"PIL.{m}", "letters") for m in ("Image", "ImageDraw", "ImageFont"))
    ttf = ImageFont.truetype(font_path(font), max(64, 4 * size))  # render large, then downsample smoothly
    left, top, right, bottom = ttf.getbbox(letter)
    pad = 4
    canvas = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(canvas).text((pad - left, pad - top), letter, fill=255, font=ttf)
    glyph = fit_to_frame(np.asarray(canvas, np.float32) / 255.0, (size, size))
    glyph.flags.writeable = False
    return glyph


def _affine_coefficients(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Pillow AFFINE data for n random jitters about the frame's centre. Shape: -> (n, 6).

    Pillow maps each output pixel to an input point: in = M (out - c - t) + c with
    M = R(-angle) / scale, the inverse of "scale, rotate, then shift by t".
    """
    angle = np.deg2rad(rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG, n))
    scale = rng.uniform(*SCALE_RANGE, n)
    shift = rng.uniform(-1, 1, (n, 2)) * MAX_SHIFT_AT_28 * size / 28
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    a, b, d, e = cos, sin, -sin, cos
    ox, oy = size / 2 + shift[:, 0], size / 2 + shift[:, 1]  # where the centre lands in the output
    c = size / 2 - (a * ox + b * oy)
    f = size / 2 - (d * ox + e * oy)
    return np.stack([a, b, c, d, e, f], axis=1)


def _jitter(glyphs: list[np.ndarray], size: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Apply one random affine and Gaussian noise to each glyph. Shape: n x (size, size) -> (n, size, size)."""
    Image = require("PIL.Image", "letters")
    coeffs = _affine_coefficients(len(glyphs), size, rng)
    out = np.empty((len(glyphs), size, size), np.float32)
    for i, (glyph, data) in enumerate(zip(glyphs, coeffs)):  # each call is one C-level warp in Pillow
        warped = Image.fromarray(glyph).transform((size, size), Image.Transform.AFFINE, tuple(data),
                                                  resample=Image.Resampling.BILINEAR)
        out[i] = np.asarray(warped, np.float32)
    if noise > 0:
        out += rng.normal(0.0, noise, out.shape).astype(np.float32)
    return np.clip(out, 0.0, 1.0)


def _augment_printed(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Training-only: stroke width changed by up to a pixel (1 in 6 samples: up to two, a thick
    pen); every sample squeezed (x0.55..1.1) and sheared (+-0.3), half of them also elastically
    distorted; 1 in 12 hollowed to an outline.

    Shape: (N, size, size) -> (N, size, size).
    """
    n, size = X.shape[0], X.shape[1]
    X = change_width(X, rng.uniform(-0.7, 1.0, n))
    thick = rng.random(n) < 1 / 6
    X[thick] = change_width(X[thick], rng.uniform(0.0, 1.0, int(thick.sum())))
    fields = affine_fields(n, (size, size), rng, squeeze=(0.55, 1.1), shear=0.3)
    bend = rng.random(n) < 0.5
    fields[bend] += elastic_fields(int(bend.sum()), (size, size), rng, alpha=PRINTED_ELASTIC_ALPHA * size / 28,
                                   sigma=4.0 * size / 28)
    X = warp_images(X, fields)
    hollow = rng.random(n) < 1 / 12
    X[hollow] = outline(X[hollow])
    return X


def _check_options(size, per_font, noise, drawn) -> None:
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 8:
        raise ValueError(f"letters: size must be an int >= 8, received {size!r}")
    if not isinstance(per_font, (int, np.integer)) or isinstance(per_font, bool) or per_font < 1:
        raise ValueError(f"letters: per_font must be a positive int, received {per_font!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"letters: noise must be a finite number >= 0, received {noise!r}")
    if not isinstance(drawn, (int, np.integer)) or isinstance(drawn, bool) or drawn < 0:
        raise ValueError(f"letters: drawn must be an int >= 0, received {drawn!r}")


def load(split: str = "train", *, seed: int = 0, size: int = 28, per_font: int | None = None,
         noise: float = 0.05, drawn: int = DRAWN_PER_LETTER) -> Dataset:
    """Letters A-Z: this split's fonts, 26 * per_font samples per font, and pen-drawn letters.

    Shape: X (N, 1, size, size) float32 in [0, 1], y (N,) int64 in 0..25.
    The train split holds 26 * per_font * 17 printed samples (jittered, then stroke width and
    elastic augmentation) plus 26 * ``drawn`` pen-drawn ones (``strokes.draw``), and shows
    LOW_RES_SHARE of them as a small picture does (``augment.low_resolution``): 17680 + 65000
    by default (``per_font`` None means TRAIN_PER_FONT), generated in about 45 s on one core.
    The test split holds the 5 test fonts only, 26 * per_font * 5 = 3120 samples by default
    (``per_font`` None means TEST_PER_FONT), exactly as before handwriting was added, so its
    figure stays comparable; handwriting is measured by the held-out evaluation
    (scripts/accuracy.py).
    ``seed`` drives the jitter, the noise and the order; train and test draw separate streams.
    """
    check_split(split)
    per_font = (TRAIN_PER_FONT if split == "train" else TEST_PER_FONT) if per_font is None else per_font
    _check_options(size, per_font, noise, drawn)
    fonts = font_split()[split]
    rng = np.random.default_rng([seed, SPLITS.index(split)])  # separate streams per split
    glyphs = [render_glyph(f, ch, int(size)) for f in fonts for ch in CLASSES for _ in range(per_font)]
    labels = np.tile(np.repeat(np.arange(26, dtype=np.int64), per_font), len(fonts))
    X = _jitter(glyphs, int(size), float(noise), rng)
    if split == "train":
        X = _augment_printed(X, rng)
        if drawn:
            pen_labels = np.repeat(np.arange(26, dtype=np.int64), drawn)
            pen = strokes.draw(pen_labels, int(size), np.random.default_rng([seed, 2]))
            if noise > 0:
                pen += rng.normal(0.0, noise, pen.shape).astype(np.float32)
            X, labels = np.concatenate([X, np.clip(pen, 0.0, 1.0)]), np.concatenate([labels, pen_labels])
        small = rng.random(len(X)) < LOW_RES_SHARE
        X[small] = low_resolution(X[small], rng.uniform(*LOW_RES_FACTORS, int(small.sum())))
    order = rng.permutation(len(labels))
    return Dataset(X[order, None], labels[order], list(CLASSES), "letters")
