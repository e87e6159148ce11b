"""Pen-drawn capital letters A-Z: stroke templates drawn with a varied pen, as hands draw them.

Templates come from two places, both on every machine without a download:

- ``stroke_paths.PATHS``: block capitals written as pen paths in this package;
- the single-stroke Hershey fonts that the ``hershey-fonts`` package carries (``HERSHEY_FONTS``:
  sans, serif, italic and two joined-script designs).

Each sample picks a template and draws it with its own hand (every step vectorized over all
points of all samples at once):

1. stroke paths resampled to points about ``SPACING`` apart (in letter heights);
2. each stroke moved a little and made 15% shorter to 12% longer about its centre (strokes of
   a hand-drawn letter rarely meet exactly);
3. speed wobble: a slow sine along each stroke's arc length, of random phase and period;
4. per-point jitter (a shaky hand), then slant, rotation and width change (one affine);
5. an elastic distortion (``augment.elastic_fields``) moving the points;
6. fitted like ``images.fit_to_frame``: the ink's longer side, pen included, fills 20/28 of
   the frame and the centre of mass sits at the centre, give or take a pixel;
7. rasterized with an antialiased pen whose width varies along the stroke (pressure):
   coverage = clip(r + 1/2 - distance to the nearest segment, 0, 1).

Timing on one core: about 20,000 letters per 10 s at 28 x 28 (``benchmarks`` not needed:
``load`` states it for its default size).
"""

from __future__ import annotations

import functools
import string

import numpy as np

from .._optional import require
from .augment import elastic_fields
from .stroke_paths import PATHS, parse

CLASSES = list(string.ascii_uppercase)
HERSHEY_FONTS = ("futural", "rowmans", "timesr", "timesi", "scripts", "scriptc")
SPACING = 0.07  # resampled points per stroke, in letter heights (about 1.4 px at 28 px)
PEN_PX = (0.9, 4.0)  # pen width range in frame pixels (log-uniform): fine pen to marker
FILL = 20 / 28  # like images.MNIST_FILL: the ink's longer side fills this fraction of the frame




@functools.lru_cache(maxsize=1)
def hershey_paths() -> dict[str, list[list[np.ndarray]]]:
    """Every HERSHEY_FONTS capital as strokes in letter heights (y down). Shape: letter -> [[ (P, 2) ]]."""
    HersheyFonts = require("HersheyFonts", "letters").HersheyFonts
    font, out = HersheyFonts(), {ch: [] for ch in CLASSES}
    for name in HERSHEY_FONTS:
        font.load_default_font(name)
        for ch in CLASSES:
            strokes = [np.asarray(s, np.float64) for s in font.strokes_for_text(ch)]
            # Hershey's capitals run from y = -12 (cap line) to 9 (baseline): 21 units tall.
            out[ch].append([s / 21.0 for s in strokes if len(s)])
    return out


def _resample(stroke: np.ndarray) -> np.ndarray:
    """Points along a polyline about SPACING apart, keeping its corners. Shape: (P, 2) -> (Q, 2)."""
    pieces = [stroke[:1]]
    for a, b in zip(stroke[:-1], stroke[1:]):
        n = max(1, int(np.ceil(np.hypot(*(b - a)) / SPACING)))
        pieces.append(a + (b - a) * (np.arange(1, n + 1)[:, None] / n))
    return np.concatenate(pieces)


@functools.lru_cache(maxsize=1)
def templates() -> tuple[tuple[int, list[np.ndarray]], ...]:
    """(label, resampled strokes) for every template: own paths first, then Hershey's."""
    own = [(k, parse(v)) for k, ch in enumerate(CLASSES) for v in PATHS[ch]]
    hershey = [(k, strokes) for k, ch in enumerate(CLASSES) for strokes in hershey_paths()[ch]]
    return tuple((k, [_resample(s) for s in strokes]) for k, strokes in own + hershey)


def _gather(picks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate the picked templates' points.

    Shape: picks (N,) -> points (P, 2), sample (P,), stroke (P,) global stroke ids, arc (P,)
    arc length from each stroke's start.
    """
    pts, sample, stroke, arc = [], [], [], []
    n_strokes = 0
    table = templates()
    for i, t in enumerate(picks):
        for s in table[t][1]:
            pts.append(s)
            sample.append(np.full(len(s), i))
            stroke.append(np.full(len(s), n_strokes))
            arc.append(np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(s, axis=0).T))]))
            n_strokes += 1
    return np.concatenate(pts), np.concatenate(sample), np.concatenate(stroke), np.concatenate(arc)


def _hand(pts: np.ndarray, sample: np.ndarray, stroke: np.ndarray, arc: np.ndarray, n: int,
          rng: np.random.Generator) -> np.ndarray:
    """Steps 2-4: stroke shifts, speed wobble, jitter, slant, rotation, width. Shape: (P, 2) -> (P, 2)."""
    S = int(stroke.max()) + 1
    counts = np.bincount(stroke, minlength=S)[:, None]
    centre = np.stack([np.bincount(stroke, pts[:, k], minlength=S) for k in (0, 1)], axis=1) / counts
    grow = rng.uniform(0.85, 1.12, (S, 1))  # strokes fall short of their joins or overshoot them
    pts = centre[stroke] + (pts - centre[stroke]) * grow[stroke] + rng.normal(0.0, 0.025, (S, 2))[stroke]
    amp, period, phase = rng.uniform(0, 0.03, (S, 2)), rng.uniform(0.5, 2.0, (S, 1)), rng.uniform(0, 2 * np.pi, (S, 2))
    pts = pts + amp[stroke] * np.sin(2 * np.pi * arc[:, None] / period[stroke] + phase[stroke])
    pts = pts + rng.normal(0.0, 1.0, pts.shape) * rng.uniform(0.0, 0.012, n)[sample, None]
    slant, angle = rng.uniform(-0.5, 0.5, n), np.deg2rad(rng.uniform(-8, 8, n))
    widen = np.exp(rng.uniform(-0.7, 0.3, n))  # narrow hands are common, very wide ones are not
    x, y = pts[:, 0] * widen[sample], pts[:, 1]
    x = x - slant[sample] * (y - 0.5)  # positive slant leans right (tops move right, y is down)
    c, s = np.cos(angle)[sample], np.sin(angle)[sample]
    return np.stack([c * x - s * y, s * x + c * y], axis=1)


def _fit(pts: np.ndarray, sample: np.ndarray, n: int, size: int, pen: np.ndarray,
         rng: np.random.Generator) -> np.ndarray:
    """Step 6: per sample, scale the path so ink (pen included) spans FILL * size, centre its mass."""
    lo = np.full((n, 2), np.inf)
    hi = np.full((n, 2), -np.inf)
    np.minimum.at(lo, sample, pts)
    np.maximum.at(hi, sample, pts)
    extent = np.maximum((hi - lo).max(axis=1), 1e-6)
    scale = np.maximum(FILL * size - pen, 1.0) / extent * rng.uniform(0.9, 1.05, n)
    counts = np.bincount(sample, minlength=n)[:, None]
    mean = np.stack([np.bincount(sample, pts[:, k], minlength=n) for k in (0, 1)], axis=1) / counts
    centre = (size - 1) / 2 + rng.uniform(-1.0, 1.0, (n, 2)) * size / 28
    return (pts - mean[sample]) * scale[sample, None] + centre[sample]


def _segments(pts: np.ndarray, sample: np.ndarray, stroke: np.ndarray, radius: np.ndarray):
    """Consecutive points of one stroke as segments. Shape: -> (G, 4) a->b, (G,) sample, (G,) radius."""
    same = stroke[1:] == stroke[:-1]
    a, b = pts[:-1][same], pts[1:][same]
    return np.concatenate([a, b], axis=1), sample[:-1][same], radius[:-1][same]


def rasterize(segs: np.ndarray, seg_sample: np.ndarray, radius: np.ndarray, n: int, size: int,
              chunk: int = 200_000) -> np.ndarray:
    """Draw antialiased round-capped segments: coverage = clip(r + 1/2 - dist, 0, 1), max over segments.

    Shape: segs (G, 4) as (ax, ay, bx, by) in pixels, seg_sample (G,), radius (G,)
    -> (n, size, size) float32. Pixel (i, j) has its centre at x = j, y = i.
    Each segment touches only a K x K window of pixels around it (K from the longest segment
    and the widest pen), so the work is G * K^2, not G * size^2; ``np.maximum.at`` merges windows.
    """
    out = np.zeros(n * size * size, np.float32)
    if len(segs) == 0:
        return out.reshape(n, size, size)
    reach = np.abs(segs[:, 2:] - segs[:, :2]).max() + 2 * radius.max() + 2
    K = int(min(size, np.ceil(reach) + 1))
    off = np.arange(K, dtype=np.float32)
    wy, wx = (v.reshape(1, -1) for v in np.meshgrid(off, off, indexing="ij"))  # (1, K*K)
    for lo in range(0, len(segs), chunk):
        ax, ay, bx, by = (segs[lo:lo + chunk, c, None].astype(np.float32) for c in range(4))  # (g, 1)
        r = radius[lo:lo + chunk, None].astype(np.float32)
        top = np.floor(np.minimum(ay, by) - r - 1)
        left = np.floor(np.minimum(ax, bx) - r - 1)
        py, px = top + wy, left + wx  # (g, K*K) pixel centres of each window
        dx, dy = bx - ax, by - ay
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / np.maximum(dx * dx + dy * dy, 1e-9), 0.0, 1.0)
        cover = np.clip(r + 0.5 - np.sqrt((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2), 0.0, 1.0)
        keep = (cover > 0) & (py >= 0) & (py < size) & (px >= 0) & (px < size)
        flat = (seg_sample[lo:lo + chunk, None] * size + py.astype(np.int64)) * size + px.astype(np.int64)
        np.maximum.at(out, flat[keep], cover[keep])
    return out.reshape(n, size, size)


def draw(labels: np.ndarray, size: int, rng: np.random.Generator, *, elastic: float = 1.0) -> np.ndarray:
    """Pen-drawn letters, one per label, from templates of that letter picked at random.

    Shape: labels (N,) int in 0..25 -> (N, size, size) float32 in [0, 1], ink = 1.
    ``elastic`` scales the Simard distortion's alpha (0 turns it off).
    """
    table = templates()
    by_letter = [np.flatnonzero([t[0] == k for t in table]) for k in range(len(CLASSES))]
    picks = np.array([rng.choice(by_letter[k]) for k in labels], np.int64)
    n = len(picks)
    pts, sample, stroke, arc = _gather(picks)
    pts = _hand(pts, sample, stroke, arc, n, rng)
    pen = np.exp(rng.uniform(*np.log(PEN_PX), n)) * size / 28
    pts = _fit(pts, sample, n, size, pen, rng)
    if elastic > 0:
        fields = elastic_fields(n, (size, size), rng, alpha=6.0 * elastic * size / 28, sigma=4.0 * size / 28)
        ix = np.clip(np.rint(pts).astype(np.int64), 0, size - 1)
        pts = pts - np.stack([fields[sample, 1, ix[:, 1], ix[:, 0]], fields[sample, 0, ix[:, 1], ix[:, 0]]], axis=1)
    pressure = 1.0 + rng.uniform(0, 0.25, n)[sample] * np.sin(arc * rng.uniform(2, 6, n)[sample])
    segs, seg_sample, radius = _segments(pts, sample, stroke, pen[sample] / 2 * pressure)
    return rasterize(segs, seg_sample, radius, n, size)
