"""Stroke paths of capital letters as people print them by hand: the templates for ``strokes.py``.

Each letter has a few variants; a variant is a string of strokes separated by ``;``. A stroke
is a run of tokens drawn with the pen down, in order:

- ``x,y``: a point, reached by a straight line from the previous one;
- ``a:cx,cy,rx,ry,t0,t1``: an elliptic arc, the points (cx + rx cos t, cy + ry sin t) for t
  going from t0 to t1 degrees, joined to the previous point by a line.

Coordinates lie in a box one unit tall, x to the right and y DOWN (as on a screen), so
t = 0 is the rightmost point of an ellipse, 90 the lowest, -90 the highest. These are the
shapes the training data draws; the held-out evaluation draws letters along other paths.
"""

from __future__ import annotations

import numpy as np

_P = "0,1 0,0 0.4,0 a:0.4,0.27,0.3,0.27,-90,90 0,0.54"  # P's bowl, shared with R
_P2 = "0,0 0,1; 0,0 a:0.05,0.27,0.6,0.27,-90,90 0,0.54"
_O = "a:0.4,0.5,0.4,0.5,-90,270"
_O2 = "a:0.42,0.5,0.42,0.5,-80,300"

PATHS: dict[str, tuple[str, ...]] = {
    "A": ("0,1 0.4,0 0.8,1; 0.15,0.62 0.65,0.62", "0,1 0.3,0 0.5,0 0.8,1; 0.15,0.6 0.65,0.6",
          "0.05,1 0.38,0 0.72,1; 0.22,0.5 0.56,0.5"),
    "B": ("0,0 0,1; 0,0 0.45,0 a:0.45,0.24,0.25,0.24,-90,90 0,0.48; 0,0.48 0.5,0.48 a:0.5,0.74,0.27,0.26,-90,90 0,1",
          "0,1 0,0 a:0.3,0.24,0.38,0.24,-90,90 a:0.3,0.74,0.42,0.26,-90,90 0,1"),
    "C": ("a:0.5,0.5,0.45,0.5,-40,-320", "a:0.45,0.5,0.45,0.5,-60,-300"),
    "D": ("0,0 0,1; 0,0 0.3,0 a:0.3,0.5,0.45,0.5,-90,90 0,1", "0,0 0,1; 0,0 a:0,0.5,0.75,0.5,-90,90"),
    "E": ("0.7,0 0,0 0,1 0.75,1; 0,0.5 0.55,0.5", "0,0 0,1; 0,0 0.7,0; 0,0.5 0.55,0.5; 0,1 0.7,1"),
    "F": ("0.7,0 0,0 0,1; 0,0.48 0.55,0.48", "0,0 0,1; 0,0 0.7,0; 0,0.5 0.5,0.5",
          "0.1,0 0.1,1; 0,0.02 0.75,0; 0.1,0.45 0.45,0.45; 0,1 0.25,1"),
    "G": ("a:0.5,0.5,0.48,0.5,-40,-360 0.55,0.52", "a:0.5,0.5,0.48,0.5,-45,-350 0.96,0.95; 0.6,0.55 0.96,0.55",
          "a:0.5,0.5,0.48,0.5,-50,-360 0.98,0.5 0.98,0.95 0.7,0.95"),
    "H": ("0,0 0,1; 0.7,0 0.7,1; 0,0.5 0.7,0.5", "0,0 0,1; 0,0.52 0.65,0.48; 0.65,0 0.65,1"),
    "I": ("0.2,0 0.2,1", "0,0 0.5,0; 0.25,0 0.25,1; 0,1 0.5,1"),
    "J": ("0.6,0 0.6,0.7 a:0.3,0.7,0.3,0.3,0,180", "0.2,0 0.9,0; 0.6,0 0.6,0.7 a:0.3,0.7,0.3,0.3,0,160",
          "0.55,0 0.55,0.8 a:0.35,0.8,0.2,0.2,0,150"),
    "K": ("0,0 0,1; 0.65,0 0,0.58; 0.22,0.42 0.7,1", "0,0 0,1; 0.65,0 0.02,0.55 0.7,1",
          "0,0 0,1; 0.6,0 0.15,0.5 0.65,1"),
    "L": ("0,0 0,1 0.6,1", "0,0 0.02,1 0.65,0.98"),
    "M": ("0,1 0,0 0.4,0.7 0.8,0 0.8,1", "0,1 0.1,0 0.4,0.8 0.7,0 0.8,1"),
    "N": ("0,1 0,0 0.7,1 0.7,0", "0,1 0,0; 0,0 0.7,1; 0.7,1 0.7,0", "0,1 0.05,0 0.65,0.95 0.75,0"),
    "O": (_O, _O2),
    "P": (_P, _P2),
    "Q": (_O + "; 0.5,0.7 0.9,1.05", _O2 + "; 0.6,0.85 0.85,1.1", _O + "; 0.55,0.88 0.75,1.0",
          "a:0.4,0.5,0.4,0.5,-90,250 0.9,1.05"),
    "R": (_P + "; 0.3,0.54 0.7,1", _P2 + "; 0,0.54 0.7,1"),
    "S": ("a:0.35,0.25,0.33,0.25,-20,-270 a:0.35,0.75,0.35,0.25,-90,160",
          "a:0.35,0.25,0.3,0.25,-10,-260 a:0.35,0.74,0.36,0.26,-100,150"),
    "T": ("0,0 0.8,0; 0.4,0 0.4,1", "0,0.02 0.8,0; 0.42,0 0.38,1"),
    "U": ("0,0 0,0.65 a:0.35,0.65,0.35,0.35,180,0 0.7,0", "0,0 a:0.35,0.45,0.35,0.55,180,0 0.7,0",
          "0,0 0,0.65 a:0.35,0.65,0.35,0.35,180,0 0.7,0; 0.7,0 0.72,1"),
    "V": ("0,0 0.4,1 0.8,0", "0,0 0.35,1; 0.35,1 0.75,0"),
    "W": ("0,0 0.2,1 0.45,0.3 0.7,1 0.9,0", "0,0 0.25,1 0.5,0 0.75,1 1,0"),
    "X": ("0,0 0.7,1; 0.7,0 0,1", "0.7,0 0,1; 0,0 0.7,1"),
    "Y": ("0,0 0.4,0.5 0.8,0; 0.4,0.5 0.4,1", "0.8,0 0.4,0.5 0.4,1; 0,0 0.4,0.5"),
    "Z": ("0,0 0.7,0 0,1 0.75,1", "0,0 0.7,0 0,1 0.75,1; 0.15,0.5 0.55,0.5"),
}

ARC_STEP_DEG = 10.0  # arcs become polylines with a point every 10 degrees


def _arc(spec: str) -> np.ndarray:
    cx, cy, rx, ry, t0, t1 = (float(v) for v in spec.split(","))
    n = max(2, int(np.ceil(abs(t1 - t0) / ARC_STEP_DEG)) + 1)
    t = np.deg2rad(np.linspace(t0, t1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def parse(variant: str) -> list[np.ndarray]:
    """One variant's strokes as polylines. Shape: -> list of (P_i, 2) float64 arrays of (x, y)."""
    strokes = []
    for stroke in variant.split(";"):
        parts = [_arc(tok[2:]) if tok.startswith("a:") else np.array([[float(v) for v in tok.split(",")]])
                 for tok in stroke.split()]
        if not parts:
            raise ValueError(f"stroke_paths: empty stroke in {variant!r}")
        strokes.append(np.concatenate(parts))
    return strokes
