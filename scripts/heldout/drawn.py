"""Capital letters drawn along stroke paths that training never uses, as on the draw-a-letter page.

``strokes(letter, variant, size)`` gives the pen's path on a size x size pad as lists of
(x, y) points, so the same paths can drive a browser's mouse (Playwright ``mouse.move``) or
be drawn here with Pillow (``png``). The shapes are written independently of
``barenet.data.stroke_paths`` (rounder bowls, other stroke orders and proportions, loops
and open joins), and ``pictures`` draws each with its own slant, size, position, pen width
and hand tremor.
"""

from __future__ import annotations

import io
import math
import string

import numpy as np

LETTERS = string.ascii_uppercase


def _arc(cx, cy, rx, ry, t0, t1, n=24):
    """Points on an ellipse from angle t0 to t1 (degrees; 0 = right, 90 = down)."""
    return [(cx + rx * math.cos(math.radians(t0 + (t1 - t0) * i / n)),
             cy + ry * math.sin(math.radians(t0 + (t1 - t0) * i / n))) for i in range(n + 1)]


# Unit box, y down. Each letter: two ways to draw it; each way: a list of strokes.
SHAPES: dict[str, list[list[list[tuple[float, float]]]]] = {
    "A": [[[(0.1, 1), (0.45, 0.02), (0.5, 0.02), (0.9, 1)], [(0.25, 0.65), (0.75, 0.62)]],
          [[(0.15, 1), (0.5, 0)], [(0.5, 0), (0.88, 1)], [(0.3, 0.55), (0.7, 0.55)]]],
    "B": [[[(0.15, 0), (0.15, 1)], [(0.15, 0.02)] + _arc(0.4, 0.25, 0.3, 0.23, -90, 90) + _arc(0.45, 0.73, 0.35, 0.27, -90, 90)[1:] + [(0.15, 1)]],
          [[(0.2, 1), (0.2, 0)] + _arc(0.35, 0.22, 0.35, 0.22, -90, 90) + [(0.2, 0.45)] + _arc(0.4, 0.72, 0.4, 0.28, -90, 90) + [(0.2, 1)]]],
    "C": [[_arc(0.55, 0.5, 0.45, 0.48, -30, -330, 30)],
          [_arc(0.5, 0.5, 0.4, 0.5, -70, -290, 30)]],
    "D": [[[(0.15, 0), (0.15, 1)] + _arc(0.15, 0.5, 0.7, 0.5, 90, -90) + [(0.15, 0)]],
          [[(0.2, 0.02), (0.2, 1)], [(0.1, 0)] + _arc(0.35, 0.5, 0.5, 0.5, -90, 90) + [(0.1, 1)]]],
    "E": [[[(0.8, 0), (0.15, 0), (0.15, 0.5), (0.65, 0.5)], [(0.15, 0.5), (0.15, 1), (0.85, 1)]],
          [[(0.2, 0), (0.2, 1)], [(0.2, 0), (0.8, 0.02)], [(0.2, 0.48), (0.7, 0.48)], [(0.2, 1), (0.85, 0.98)]]],
    "F": [[[(0.85, 0), (0.2, 0), (0.2, 1)], [(0.2, 0.5), (0.7, 0.5)]],
          [[(0.25, 0), (0.2, 1)], [(0.22, 0.02), (0.85, 0)], [(0.2, 0.45), (0.65, 0.45)]]],
    "G": [[_arc(0.5, 0.5, 0.42, 0.48, -35, -345, 30) + [(0.92, 0.62), (0.6, 0.62)]],
          [_arc(0.5, 0.5, 0.42, 0.5, -50, -360, 30) + [(0.92, 0.95)], [(0.65, 0.5), (0.95, 0.5)]]],
    "H": [[[(0.15, 0), (0.15, 1)], [(0.15, 0.45), (0.85, 0.45)], [(0.85, 0), (0.85, 1)]],
          [[(0.2, 0), (0.18, 1)], [(0.8, 0), (0.82, 1)], [(0.18, 0.55), (0.82, 0.52)]]],
    "I": [[[(0.5, 0), (0.5, 1)]], [[(0.25, 0), (0.75, 0)], [(0.5, 0), (0.5, 1)], [(0.25, 1), (0.75, 1)]]],
    "J": [[[(0.75, 0), (0.75, 0.75)] + _arc(0.5, 0.75, 0.25, 0.25, 0, 170)],
          [[(0.35, 0), (0.95, 0)], [(0.7, 0), (0.7, 0.8)] + _arc(0.45, 0.8, 0.25, 0.2, 0, 180)]],
    "K": [[[(0.2, 0), (0.2, 1)], [(0.8, 0), (0.2, 0.55)], [(0.35, 0.45), (0.85, 1)]],
          [[(0.25, 0), (0.25, 1)], [(0.85, 0.05), (0.28, 0.5), (0.85, 0.98)]]],
    "L": [[[(0.25, 0), (0.25, 1), (0.85, 1)]], [[(0.2, 0), (0.25, 0.98)], [(0.22, 1), (0.8, 0.95)]]],
    "M": [[[(0.1, 1), (0.15, 0), (0.5, 0.6), (0.85, 0), (0.9, 1)]],
          [[(0.1, 1), (0.1, 0)], [(0.1, 0), (0.5, 0.75), (0.9, 0)], [(0.9, 0), (0.9, 1)]]],
    "N": [[[(0.2, 1), (0.2, 0), (0.8, 1), (0.8, 0)]], [[(0.2, 0), (0.2, 1)], [(0.2, 0), (0.8, 1)], [(0.8, 1), (0.8, 0)]]],
    "O": [[_arc(0.5, 0.5, 0.38, 0.5, -100, 265, 36)], [_arc(0.5, 0.5, 0.45, 0.45, 180, 540, 36)]],
    "P": [[[(0.2, 1), (0.2, 0)] + _arc(0.35, 0.25, 0.4, 0.25, -90, 90) + [(0.2, 0.5)]],
          [[(0.25, 0), (0.25, 1)], [(0.25, 0)] + _arc(0.25, 0.3, 0.55, 0.3, -90, 90)]],
    "Q": [[_arc(0.5, 0.5, 0.4, 0.48, -90, 270, 36), [(0.55, 0.7), (0.95, 1)]],
          [_arc(0.5, 0.45, 0.42, 0.45, 180, 540, 36), [(0.7, 0.8), (0.9, 1.05)]]],
    "R": [[[(0.2, 1), (0.2, 0)] + _arc(0.35, 0.25, 0.4, 0.25, -90, 90) + [(0.2, 0.5), (0.85, 1)]],
          [[(0.2, 0), (0.2, 1)], [(0.2, 0)] + _arc(0.25, 0.27, 0.5, 0.27, -90, 90) + [(0.2, 0.54)], [(0.4, 0.54), (0.8, 1)]]],
    "S": [[_arc(0.5, 0.26, 0.32, 0.24, -30, -270, 20) + _arc(0.5, 0.74, 0.36, 0.26, -90, 150, 20)[1:]],
          [_arc(0.55, 0.25, 0.3, 0.25, 0, -250, 20) + _arc(0.45, 0.75, 0.35, 0.25, -80, 160, 20)[1:]]],
    "T": [[[(0.1, 0), (0.9, 0)], [(0.5, 0), (0.5, 1)]], [[(0.5, 0.02), (0.52, 1)], [(0.1, 0.05), (0.9, 0)]]],
    "U": [[[(0.15, 0), (0.15, 0.6)] + _arc(0.5, 0.6, 0.35, 0.4, 180, 0) + [(0.85, 0)]],
          [[(0.15, 0)] + _arc(0.5, 0.5, 0.35, 0.5, 180, 0) + [(0.85, 0)]]],
    "V": [[[(0.1, 0), (0.5, 1), (0.9, 0)]], [[(0.15, 0), (0.48, 1)], [(0.9, 0), (0.48, 1)]]],
    "W": [[[(0.05, 0), (0.25, 1), (0.5, 0.2), (0.75, 1), (0.95, 0)]],
          [[(0.05, 0), (0.3, 1), (0.5, 0.35)], [(0.5, 0.35), (0.7, 1), (0.95, 0)]]],
    "X": [[[(0.15, 0), (0.85, 1)], [(0.85, 0), (0.15, 1)]], [[(0.8, 0.02), (0.2, 1)], [(0.15, 0.05), (0.9, 0.95)]]],
    "Y": [[[(0.1, 0), (0.5, 0.45)], [(0.9, 0), (0.5, 0.45), (0.5, 1)]], [[(0.15, 0), (0.5, 0.5), (0.85, 0)], [(0.5, 0.5), (0.48, 1)]]],
    "Z": [[[(0.15, 0.02), (0.85, 0), (0.15, 1), (0.88, 0.98)]], [[(0.1, 0), (0.9, 0)], [(0.9, 0), (0.1, 1)], [(0.1, 1), (0.9, 1)]]],
}
VARIANTS = 2


def strokes(letter: str, variant: int = 0, size: int = 280, *, slant: float = 0.0, scale: float = 0.6,
            shift: tuple[float, float] = (0.0, 0.0)) -> list[list[tuple[float, float]]]:
    """The pen's path for ``letter`` on a size x size pad: strokes of (x, y) pixel points.

    ``slant`` leans the tops right (x += slant * (0.5 - y)); ``scale`` is the letter's height
    as a share of the pad; ``shift`` moves it by that share of the pad.
    """
    if letter not in SHAPES:
        raise ValueError(f"no drawn shape for {letter!r}")
    shape = SHAPES[letter][variant % VARIANTS]
    h = scale * size
    x0 = size / 2 - h / 2 + shift[0] * size
    y0 = size / 2 - h / 2 + shift[1] * size
    return [[(x0 + (x + slant * (0.5 - y)) * h, y0 + y * h) for x, y in stroke] for stroke in shape]


def png(paths: list[list[tuple[float, float]]], size: int = 280, width: int = 18) -> bytes:
    """The paths drawn with a round pen, dark on white, as PNG bytes (like the page's canvas)."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(img)
    for stroke in paths:
        draw.line(stroke, fill=0, width=width, joint="curve")
        for x, y in (stroke[0], stroke[-1]):  # round caps, as a canvas with lineCap "round"
            draw.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=0)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def pictures(per_variant: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Every letter, each way of drawing it ``per_variant`` times with random slant, size,
    position, pen width (8-30 px on 280) and tremor, read by ``load_image``.

    Shape: -> X (N, 1, 28, 28) float32, y (N,) int64, N = 26 * VARIANTS * per_variant.
    """
    from barenet.data.images import load_image

    rng = np.random.default_rng(seed)
    X, y = [], []
    for k, letter in enumerate(LETTERS):
        for v in range(VARIANTS):
            for _ in range(per_variant):
                paths = strokes(letter, v, slant=rng.uniform(-0.3, 0.3), scale=rng.uniform(0.4, 0.75),
                                shift=tuple(rng.uniform(-0.08, 0.08, 2)))
                paths = [[(px + rng.normal(0, 1.5), py + rng.normal(0, 1.5)) for px, py in s] for s in paths]
                X.append(load_image(io.BytesIO(png(paths, width=int(rng.integers(8, 31)))))[0])
                y.append(k)
    return np.stack(X).astype(np.float32), np.array(y, np.int64)
