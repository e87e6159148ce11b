"""The pen that draws ``strokes.py``'s letters: round pens, brushes, broad nibs, hollow outlines.

A letter reaches this module as points along its strokes (pixels of the output frame), each
point knowing its sample, its stroke, its arc length from the stroke's start and the
stroke's whole length. The pen turns them into round-capped segments with a radius each,
and ``rasterize`` draws them. The styles, each a share of the samples (``STYLES``):

- ``round``: a ballpoint or marker whose radius swells and thins a little with pressure,
  r = r0 (1 + a sin(k s)), a in [0, 0.25];
- ``brush``: a brush that lands and lifts off, thin at both ends of every stroke,
  r = r0 clip(0.3 + 3u, 0.3, 1) clip(0.2 + 3(1 - u), 0.2, 1), u = s / length;
- ``nib``: a broad nib held at an angle phi, thick across it and thin along it,
  r = r0 (0.3 + 0.7 |sin(theta - phi)|) for a segment of direction theta;
- ``hollow``: the outline of a fat pen's letter, as outline and sketch fonts draw it:
  clip(cover(r) - cover(r - w), 0, 1) with a line width w of about a pixel; half of them
  sketchy, the letter drawn twice and each copy outlined;
- ``sketch``: every stroke drawn twice, each copy moved on its own by the hand
  (``strokes._hand``), with a fine pen.
"""

from __future__ import annotations

import numpy as np

STYLES = {"round": 0.6, "brush": 0.13, "nib": 0.1, "hollow": 0.1, "sketch": 0.07}
ROUND, BRUSH, NIB, HOLLOW, SKETCH = range(5)
PEN_PX = (0.9, 4.0)  # round and brush pen widths in frame pixels at 28 px (log-uniform): fine pen to marker
HOLLOW_PX = (3.0, 5.0)  # hollow letters: the fat pen whose outline is drawn, and
OUTLINE_PX = (0.7, 1.2)  # the outline's line width
NIB_PX = (1.6, 4.5)  # a nib's widest strokes (its thin ones are 0.3 of that)
SKETCH_MAX_PX = 1.8  # sketch lines are fine


def pick_styles(n: int, rng: np.random.Generator) -> np.ndarray:
    """A style index (ROUND ... SKETCH) for each of n samples, drawn with the shares of STYLES. Shape: -> (n,)."""
    return rng.choice(len(STYLES), n, p=np.array(list(STYLES.values())))


def pen_widths(style: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Each sample's pen width in pixels of a size x size frame (the widest part, for a nib). Shape: (n,) -> (n,)."""
    n, px = len(style), size / 28
    pen = np.exp(rng.uniform(*np.log(PEN_PX), n)) * px
    nib = style == NIB
    pen[nib] = np.clip(pen[nib] * 1.6, *NIB_PX)  # a nib's thin strokes are 0.3 of its width: widen it so they show
    pen[style == SKETCH] = np.minimum(pen[style == SKETCH], SKETCH_MAX_PX * px)
    hollow = style == HOLLOW
    pen[hollow] = rng.uniform(*HOLLOW_PX, int(hollow.sum())) * px
    return pen


def point_radius(style: np.ndarray, pen: np.ndarray, sample: np.ndarray, arc: np.ndarray, length: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """The pen's radius at each point: pressure for every style, and the brush's landing and lift-off.

    Shape: style, pen (n,); sample, arc, length (P,) -> (P,).
    """
    n = len(pen)
    pressure = 1.0 + rng.uniform(0, 0.25, n)[sample] * np.sin(arc * rng.uniform(2, 6, n)[sample])
    r = pen[sample] / 2 * pressure
    brush = style[sample] == BRUSH
    u = arc[brush] / np.maximum(length[brush], 1e-9)
    r[brush] *= np.clip(0.3 + 3 * u, 0.3, 1.0) * np.clip(0.2 + 3 * (1 - u), 0.2, 1.0)
    return r


def nib_radius(segs: np.ndarray, seg_sample: np.ndarray, radius: np.ndarray, style: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """Segments of nib samples thinned by their direction: r (0.3 + 0.7 |sin(theta - phi)|).

    Shape: segs (G, 4), seg_sample (G,), radius (G,), style (n,) -> (G,).
    """
    phi = rng.uniform(0, np.pi, len(style))
    nib = style[seg_sample] == NIB
    theta = np.arctan2(segs[nib, 3] - segs[nib, 1], segs[nib, 2] - segs[nib, 0])
    out = radius.copy()
    out[nib] *= 0.3 + 0.7 * np.abs(np.sin(theta - phi[seg_sample[nib]]))
    return out


def draw(segs: np.ndarray, seg_sample: np.ndarray, radius: np.ndarray, style: np.ndarray, size: int,
         rng: np.random.Generator, seg_copy: np.ndarray | None = None) -> np.ndarray:
    """Rasterize every sample with its style; hollow ones as outlines.

    Shape: segs (G, 4), seg_sample (G,), radius (G,), style (n,), seg_copy (G,) in {0, 1} or None
    -> (n, size, size) float32. Hollow samples are drawn apart (their fat pens need wider
    windows in ``rasterize``), each copy of a doubled one outlined on its own, so a sketchy
    outline shows two contours.
    """
    n = len(style)
    hollow = style[seg_sample] == HOLLOW
    out = rasterize(segs[~hollow], seg_sample[~hollow], radius[~hollow], n, size)
    if hollow.any():
        copy = np.zeros(len(segs), np.int64) if seg_copy is None else seg_copy
        drawings, which = np.unique(seg_sample[hollow] * 2 + copy[hollow], return_inverse=True)
        width = rng.uniform(*OUTLINE_PX, n)[seg_sample[hollow]] * size / 28
        r = radius[hollow]
        outer = rasterize(segs[hollow], which, r, len(drawings), size)
        inner = rasterize(segs[hollow], which, np.maximum(r - width, 0.0), len(drawings), size)
        np.maximum.at(out, drawings // 2, np.clip(outer - inner, 0.0, 1.0))
    return out


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
