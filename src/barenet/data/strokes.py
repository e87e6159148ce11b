"""Pen-drawn capital letters A-Z: stroke templates drawn with a varied pen, as hands draw them.

Templates come from two places, both on every machine without a download:

- ``stroke_paths.PATHS`` and ``stroke_paths.CASUAL``: block capitals and casual hand forms
  written as pen paths in this package;
- the single-stroke Hershey fonts that the ``hershey-fonts`` package carries (``HERSHEY_FONTS``:
  sans, serif, italic and bold designs, and two joined-script ones).

Half the samples take one of the own paths, half a Hershey design (``OWN_SHARE``). Each
sample then draws its template with its own hand (every step vectorized over all points of
all samples at once):

1. stroke paths resampled to points about ``SPACING`` apart (in letter heights); a tenth of
   the samples get the lead-in and exit flicks of joined writing (``STUB_SHARE``);
2. each stroke moved a little, turned by a few degrees and made 15% shorter to up to 25%
   longer about its centre (strokes of a hand-drawn letter rarely meet exactly; sloppy hands
   overshoot);
3. speed wobble: a slow sine along each stroke's arc length, of random phase and period;
4. per-point jitter (a shaky hand), then slant, rotation and width change (one affine);
5. an elastic distortion (``augment.elastic_fields``) moving the points;
6. fitted like ``images.fit_to_frame``: the ink's longer side, pen included, fills 20/28 of
   the frame and (after drawing) the ink's centre of mass sits at the centre, give or take
   a pixel;
7. drawn by ``pen.py`` with a round pen, a brush, a broad nib, as a hollow outline or as a
   doubled sketch line, antialiased: coverage = clip(r + 1/2 - distance to the segment, 0, 1).

Timing on one core: about 20,000 letters per 17 s at 28 x 28 (``fonts.load`` states it for
its default size).
"""

from __future__ import annotations

import functools
import string

import numpy as np

from .._optional import require
from . import pen as pens
from .augment import elastic_fields
from .pen import rasterize  # noqa: F401  (part of this module's interface: draw a stroke list yourself)
from .stroke_paths import CASUAL, PATHS, parse

CLASSES = list(string.ascii_uppercase)
HERSHEY_FONTS = ("futural", "futuram", "rowmans", "rowmand", "timesr", "timesi", "timesib", "timesrb",
                 "scripts", "scriptc")
SPACING = 0.07  # resampled points per stroke, in letter heights (about 1.4 px at 28 px)
FILL = 20 / 28  # like images.MNIST_FILL: the ink's longer side fills this fraction of the frame
OWN_SHARE = 0.5  # share of samples drawn from PATHS and CASUAL; the rest from the Hershey fonts
STUB_SHARE = 0.1  # share of samples with joined writing's lead-in and exit strokes


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
def templates() -> tuple[tuple[int, bool, list[np.ndarray]], ...]:
    """(label, own, resampled strokes) for every template: own paths (PATHS, CASUAL) first, then Hershey's."""
    own = [(k, True, parse(v)) for k, ch in enumerate(CLASSES) for v in PATHS[ch] + CASUAL.get(ch, ())]
    hershey = [(k, False, strokes) for k, ch in enumerate(CLASSES) for strokes in hershey_paths()[ch]]
    return tuple((k, mine, [_resample(s) for s in strokes]) for k, mine, strokes in own + hershey)


def _pick(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A template index for each label: an own path with probability OWN_SHARE, else a Hershey design,
    uniformly within the group. Shape: (N,) -> (N,)."""
    table = templates()
    own = rng.random(len(labels)) < OWN_SHARE
    u = rng.random(len(labels))
    picks = np.empty(len(labels), np.int64)
    for k in range(len(CLASSES)):
        for mine in (True, False):
            group = np.flatnonzero([t[0] == k and t[1] == mine for t in table])
            where = (labels == k) & (own == mine)
            picks[where] = group[(u[where] * len(group)).astype(np.int64)]
    return picks


def _stubs(strokes: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Joined writing's flicks: a lead-in from below left into the first stroke, an exit up right from the last."""
    first, last = strokes[0], strokes[-1]
    lead = first[0] + np.array([-0.18, 0.12]) * rng.uniform(0.6, 1.4)
    tail = last[-1] + np.array([0.2, -0.08]) * rng.uniform(0.6, 1.4)
    if len(strokes) == 1:
        return [_resample(np.concatenate([lead[None], first, tail[None]]))]
    return [_resample(np.concatenate([lead[None], first]))] + strokes[1:-1] + [_resample(np.concatenate([last, tail[None]]))]


def _gather(picks: np.ndarray, copies: np.ndarray, stubs: np.ndarray, rng: np.random.Generator):
    """Concatenate the picked templates' points, each stroke ``copies[i]`` times (a sketch draws twice).

    Shape: picks, copies, stubs (N,) -> points (P, 2), sample (P,), stroke (P,) global stroke ids,
    arc (P,) arc length from each stroke's start, length (P,) the whole stroke's arc length,
    copy (P,) which copy of the letter the point belongs to (0 or 1).
    """
    pts, sample, stroke, arc, length, copy = [], [], [], [], [], []
    n_strokes = 0
    table = templates()
    for i, t in enumerate(picks):
        strokes = _stubs(table[t][2], rng) if stubs[i] else table[t][2]
        for c in range(int(copies[i])):
            for s in strokes:
                run = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(s, axis=0).T))])
                pts.append(s)
                sample.append(np.full(len(s), i))
                stroke.append(np.full(len(s), n_strokes))
                arc.append(run)
                length.append(np.full(len(s), run[-1]))
                copy.append(np.full(len(s), c))
                n_strokes += 1
    return tuple(np.concatenate(v) for v in (pts, sample, stroke, arc, length, copy))


def _hand(pts: np.ndarray, sample: np.ndarray, stroke: np.ndarray, arc: np.ndarray, n: int,
          rng: np.random.Generator) -> np.ndarray:
    """Steps 2-4: stroke shifts, turns and overshoots, speed wobble, jitter, slant, rotation, width.

    Shape: (P, 2) -> (P, 2).
    """
    S = int(stroke.max()) + 1
    counts = np.bincount(stroke, minlength=S)[:, None]
    centre = np.stack([np.bincount(stroke, pts[:, k], minlength=S) for k in (0, 1)], axis=1) / counts
    owner = np.zeros(S, np.int64)
    owner[stroke] = sample
    sloppy = rng.uniform(0, 0.13, n)[owner]  # how far this hand's strokes may overshoot their joins
    grow = rng.uniform(0.85, 1.12 + sloppy)[:, None]
    turn = np.deg2rad(rng.normal(0.0, 3.0, S))
    d = pts - centre[stroke]
    c, s = np.cos(turn)[stroke], np.sin(turn)[stroke]
    d = np.stack([c * d[:, 0] - s * d[:, 1], s * d[:, 0] + c * d[:, 1]], axis=1)
    pts = centre[stroke] + d * grow[stroke] + rng.normal(0.0, 0.025, (S, 2))[stroke]
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
    """Step 6: per sample, scale the path so ink (pen included) spans FILL * size, centre its points."""
    lo = np.full((n, 2), np.inf)
    hi = np.full((n, 2), -np.inf)
    np.minimum.at(lo, sample, pts)
    np.maximum.at(hi, sample, pts)
    extent = np.maximum((hi - lo).max(axis=1), 1e-6)
    scale = np.maximum(FILL * size - pen, 1.0) / extent * rng.uniform(0.9, 1.05, n)
    counts = np.bincount(sample, minlength=n)[:, None]
    mean = np.stack([np.bincount(sample, pts[:, k], minlength=n) for k in (0, 1)], axis=1) / counts
    return (pts - mean[sample]) * scale[sample, None] + (size - 1) / 2


def _centre(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move each letter by whole pixels so its ink's centre of mass sits at the frame's centre,
    give or take a pixel, as ``images.fit_to_frame`` centres a user's letter (the points'
    centre that ``_fit`` used is not the ink's: pens, copies and flicks move it).

    Shape: (N, H, W) -> (N, H, W); ink shifted past the edge is lost (it rarely is: the
    letter fills 20 of 28 pixels).
    """
    n, H, W = X.shape
    mass = np.maximum(X.sum(axis=(1, 2)), 1e-9)
    jitter = rng.uniform(-1.0, 1.0, (2, n)) * H / 28
    dy = np.rint((H - 1) / 2 + jitter[0] - X.sum(axis=2) @ np.arange(H) / mass).astype(np.int64)
    dx = np.rint((W - 1) / 2 + jitter[1] - X.sum(axis=1) @ np.arange(W) / mass).astype(np.int64)
    dy, dx = np.clip(dy, -(H // 2), H // 2), np.clip(dx, -(W // 2), W // 2)
    out = np.zeros_like(X)
    for a, b in set(zip(dy.tolist(), dx.tolist())):  # one slice copy per distinct shift
        i = np.flatnonzero((dy == a) & (dx == b))
        out[i, max(a, 0):H + min(a, 0), max(b, 0):W + min(b, 0)] = X[i, max(-a, 0):H + min(-a, 0),
                                                                       max(-b, 0):W + min(-b, 0)]
    return out


def _segments(pts: np.ndarray, sample: np.ndarray, stroke: np.ndarray, radius: np.ndarray):
    """Consecutive points of one stroke as segments. Shape: -> (G, 4) a->b, (G,) sample, (G,) radius."""
    same = stroke[1:] == stroke[:-1]
    a, b = pts[:-1][same], pts[1:][same]
    return np.concatenate([a, b], axis=1), sample[:-1][same], radius[:-1][same]


def draw(labels: np.ndarray, size: int, rng: np.random.Generator, *, elastic: float = 1.0) -> np.ndarray:
    """Pen-drawn letters, one per label, from templates of that letter picked at random.

    Shape: labels (N,) int in 0..25 -> (N, size, size) float32 in [0, 1], ink = 1, each
    letter's strongest ink exactly 1 (a fine outline too), as ``load_image`` stretches a picture.
    ``elastic`` scales the Simard distortion's alpha (0 turns it off).
    """
    picks = _pick(np.asarray(labels), rng)
    n = len(picks)
    style = pens.pick_styles(n, rng)
    stubs = rng.random(n) < STUB_SHARE
    doubled = (style == pens.SKETCH) | ((style == pens.HOLLOW) & (rng.random(n) < 0.5))
    pts, sample, stroke, arc, length, copy = _gather(picks, 1 + doubled, stubs, rng)
    pts = _hand(pts, sample, stroke, arc, n, rng)
    pen = pens.pen_widths(style, size, rng)
    pts = _fit(pts, sample, n, size, pen, rng)
    if elastic > 0:
        fields = elastic_fields(n, (size, size), rng, alpha=6.0 * elastic * size / 28, sigma=4.0 * size / 28)
        fields *= rng.uniform(0.3, 1.7, (n, 1, 1, 1)).astype(np.float32)  # some hands bend more than others
        ix = np.clip(np.rint(pts).astype(np.int64), 0, size - 1)
        pts = pts - np.stack([fields[sample, 1, ix[:, 1], ix[:, 0]], fields[sample, 0, ix[:, 1], ix[:, 0]]], axis=1)
    radius = pens.point_radius(style, pen, sample, arc, length, rng)
    segs, seg_sample, seg_radius = _segments(pts, sample, stroke, radius)
    seg_copy = copy[:-1][stroke[1:] == stroke[:-1]]  # as _segments picks its segments
    seg_radius = pens.nib_radius(segs, seg_sample, seg_radius, style, rng)
    X = pens.draw(segs, seg_sample, seg_radius, style, size, rng, seg_copy)
    X = X / np.maximum(X.max(axis=(1, 2), keepdims=True), 1e-6)  # strongest ink 1, as load_image stretches it
    return _centre(X, rng)
