"""Augmentations for letter images and stroke paths: elastic distortion and stroke-width change.

Elastic distortion follows Simard, Steinkraus and Platt (2003), "Best practices for
convolutional neural networks applied to visual document analysis": draw a displacement
field with every component uniform in [-1, 1], smooth it with a Gaussian of width sigma
(pixels), scale it by alpha, and move each pixel by it:

    d = alpha * (G_sigma * U),  U ~ Uniform(-1, 1)^(2 x H x W)
    out(y, x) = in(y + d_y(y, x), x + d_x(y, x))           (bilinear, 0 outside)

Small sigma gives noise, large sigma nearly an affine map; sigma = 4 and alpha = 34 at 28 px
(the paper's values) bend strokes the way hands do. The same field can move stroke points
(``warp_points``), so pen-drawn letters keep a uniform pen width after distortion.

Everything is vectorized over the batch: the Gaussian is separable, so smoothing a batch
of fields is two matrix products, K F K^T, with K the (H, H) smoothing matrix.
"""

from __future__ import annotations

import numpy as np

from .._optional import require
from .images import fit_to_frame

SIMARD_SIGMA, SIMARD_ALPHA = 4.0, 34.0  # the paper's choice for 28 x 28 digits


def _gaussian_matrix(n: int, sigma: float) -> np.ndarray:
    """(n, n) matrix whose row i is a Gaussian centred on i, rows summing to 1 (truncated at the edges)."""
    i = np.arange(n, dtype=np.float64)
    k = np.exp(-0.5 * ((i[:, None] - i[None, :]) / sigma) ** 2)
    return (k / k.sum(axis=1, keepdims=True)).astype(np.float32)


def elastic_fields(n: int, size: tuple[int, int], rng: np.random.Generator, *, alpha: float = SIMARD_ALPHA,
                   sigma: float = SIMARD_SIGMA) -> np.ndarray:
    """n smooth random displacement fields in pixels.

    Shape: -> (n, 2, H, W) float32; [:, 0] is the displacement along y, [:, 1] along x.
    """
    H, W = size
    if alpha < 0 or sigma <= 0:
        raise ValueError(f"elastic_fields: need alpha >= 0 and sigma > 0, received alpha={alpha}, sigma={sigma}")
    U = rng.uniform(-1.0, 1.0, (n, 2, H, W)).astype(np.float32)
    Ky, Kx = _gaussian_matrix(H, sigma), _gaussian_matrix(W, sigma)
    return (alpha * (Ky @ U @ Kx.T)).astype(np.float32)  # (n, 2, H, W): smooth along y, then x


def _bilinear(img: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Sample each image of ``img`` (N, H, W) at float coordinates ys, xs (N, ...), 0 outside."""
    N, H, W = img.shape
    y0, x0 = np.floor(ys).astype(np.int64), np.floor(xs).astype(np.int64)
    fy, fx = (ys - y0).astype(np.float32), (xs - x0).astype(np.float32)
    n = np.arange(N).reshape((N,) + (1,) * (ys.ndim - 1))
    out = np.zeros(ys.shape, np.float32)
    for dy, dx, w in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx), (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
        yy, xx = y0 + dy, x0 + dx
        inside = (yy >= 0) & (yy < H) & (xx >= 0) & (xx < W)
        out += np.where(inside, img[n, np.clip(yy, 0, H - 1), np.clip(xx, 0, W - 1)], 0.0) * w
    return out


def warp_images(X: np.ndarray, fields: np.ndarray) -> np.ndarray:
    """Move every pixel of each image by its field (bilinear). Shape: (N, H, W), (N, 2, H, W) -> (N, H, W)."""
    N, H, W = X.shape
    if fields.shape != (N, 2, H, W):
        raise ValueError(f"warp_images: fields must have shape {(N, 2, H, W)}, received {fields.shape}")
    gy, gx = np.meshgrid(np.arange(H, dtype=np.float32), np.arange(W, dtype=np.float32), indexing="ij")
    return np.clip(_bilinear(X.astype(np.float32), gy + fields[:, 0], gx + fields[:, 1]), 0.0, 1.0)


def warp_points(points: np.ndarray, field: np.ndarray) -> np.ndarray:
    """Move points (x, y), in pixels of the field's frame, against the field, as ``warp_images`` moves ink.

    Shape: (P, 2), (2, H, W) -> (P, 2). A pixel at p takes its value from p + d(p), so ink at q
    lands near q - d(q).
    """
    ys, xs = points[None, :, 1], points[None, :, 0]
    dy = _bilinear(field[None, 0], ys, xs)[0]
    dx = _bilinear(field[None, 1], ys, xs)[0]
    return points - np.stack([dx, dy], axis=1)


def affine_fields(n: int, size: tuple[int, int], rng: np.random.Generator, *, squeeze: tuple[float, float],
                  shear: float) -> np.ndarray:
    """Displacement fields of random horizontal squeezes and shears about the frame's centre.

    Shape: -> (n, 2, H, W), usable with ``warp_images`` (added to elastic fields if wanted).
    Output pixel p samples p + d(p) with d = (A - I)(p - c), where A divides x by a factor in
    ``squeeze`` (e.g. (0.6, 1.1): narrower or wider letters) and adds ``shear`` * (y - c_y) at most.
    """
    H, W = size
    k = rng.uniform(*squeeze, n).astype(np.float32)
    h = rng.uniform(-shear, shear, n).astype(np.float32)
    gy, gx = np.meshgrid(np.arange(H, dtype=np.float32) - (H - 1) / 2, np.arange(W, dtype=np.float32) - (W - 1) / 2,
                         indexing="ij")
    dx = gx[None] * (1 / k[:, None, None] - 1) + h[:, None, None] * gy[None]
    return np.stack([np.zeros_like(dx), dx], axis=1)


def outline(X: np.ndarray) -> np.ndarray:
    """Hollow letters: the ring just outside each stroke, as outline and sketch fonts draw them.

    Shape: (N, H, W) -> (N, H, W); out = clip(dilate(dilate(x)) - x, 0, 1) with ``change_width``'s cross.
    """
    thick = change_width(change_width(X, np.ones(len(X))), np.ones(len(X)))
    return np.clip(thick - X, 0.0, 1.0).astype(np.float32)


def change_width(X: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """Thicken (amount > 0) or thin (amount < 0) the strokes of each image by up to one pixel.

    Shape: (N, H, W), amount (N,) in [-1, 1] -> (N, H, W).
    out = x + a (dilate(x) - x) for a > 0 and x + |a| (erode(x) - x) for a < 0, where dilate
    and erode take the max and min over each pixel's 3x3 cross (itself and its 4 neighbours).
    """
    amount = np.asarray(amount, np.float32).reshape(-1, 1, 1)
    if amount.shape[0] != X.shape[0] or np.abs(amount).max(initial=0) > 1:
        raise ValueError(f"change_width: amount must be ({X.shape[0]},) in [-1, 1], received {amount.shape[0]} values")
    P = np.pad(X, ((0, 0), (1, 1), (1, 1)))
    cross = np.stack([P[:, 1:-1, 1:-1], P[:, :-2, 1:-1], P[:, 2:, 1:-1], P[:, 1:-1, :-2], P[:, 1:-1, 2:]])
    target = np.where(amount > 0, cross.max(axis=0), cross.min(axis=0))
    return (X + np.abs(amount) * (target - X)).astype(np.float32)


def low_resolution(X: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Letters as a small picture shows them: shrunk, then read back like a user's picture.

    Shape: (N, H, W), factors (N,) in (0, 1] -> (N, H, W). Each image is shrunk by its factor
    (a box filter: each small pixel the mean of the ink it covers), then treated as
    ``images.to_ink`` and ``fit_to_frame`` treat a picture: levels below 15% of the strongest
    ink dropped and the rest stretched to 1, the ink cropped, scaled back up (Lanczos: soft
    edges with a little ringing) and centred by mass. A letter 13 px tall in a user's picture
    (18 px type) reaches the model this way.
    """
    Image = require("PIL.Image", "letters")
    N, H, W = X.shape
    if factors.shape != (N,) or not ((factors > 0) & (factors <= 1)).all():
        raise ValueError(f"low_resolution: factors must be ({N},) in (0, 1], received shape {factors.shape}")
    out = np.empty_like(X, dtype=np.float32)
    for i, (x, f) in enumerate(zip(X, factors)):
        small = Image.fromarray(x.astype(np.float32)).resize((max(2, round(W * f)), max(2, round(H * f))),
                                                             Image.Resampling.BOX)
        level = np.asarray(small, np.float32)
        top = float(level.max())
        if top <= 0:
            out[i] = x
            continue
        level = np.clip((level - 0.15 * top) / (0.85 * top), 0.0, 1.0)
        out[i] = fit_to_frame(level, (H, W)) if level.any() else x
    return out
