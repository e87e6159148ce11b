"""Sliding windows over images: im2col as a strided view, and its adjoint col2im.

Both conv and pooling see an image through its (kh, kw) windows. ``windows`` returns
them as a read-only view, with no copy; ``col2im`` adds per-window gradients back
into image positions with one vectorized add per kernel offset (kh*kw adds in all),
never a loop over pixels.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def out_size(size: int, kernel: int, stride: int, padding: int = 0) -> int:
    """Output length along one axis: floor((size + 2*padding - kernel) / stride) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def windows(x: np.ndarray, kh: int, kw: int, sh: int, sw: int) -> np.ndarray:
    """View of every (kh, kw) window of ``x``.

    Shape: (N, C, H, W) -> (N, C, H_out, W_out, kh, kw), H_out = (H - kh) // sh + 1.
    """
    N, C, H, W = x.shape
    Ho, Wo = out_size(H, kh, sh), out_size(W, kw, sw)
    s0, s1, s2, s3 = x.strides
    return as_strided(x, (N, C, Ho, Wo, kh, kw), (s0, s1, s2 * sh, s3 * sw, s2, s3), writeable=False)


def col2im(dwin: np.ndarray, H: int, W: int, sh: int, sw: int) -> np.ndarray:
    """Adjoint of ``windows``: sum each window's gradient back into its pixels.

    Shape: (N, C, H_out, W_out, kh, kw) -> (N, C, H, W). Pixels that no window covers
    (the remainder when the stride does not divide H - kh) get zero.
    """
    N, C, Ho, Wo, kh, kw = dwin.shape
    if (sh, sw) == (kh, kw):
        # Non-overlapping windows tile the image: a reshape puts every value in place.
        dx = np.zeros((N, C, H, W), dtype=dwin.dtype)
        dx[:, :, : Ho * kh, : Wo * kw] = dwin.transpose(0, 1, 2, 4, 3, 5).reshape(N, C, Ho * kh, Wo * kw)
        return dx
    dx = np.zeros((N, C, H, W), dtype=dwin.dtype)
    for i in range(kh):
        for j in range(kw):
            dx[:, :, i : i + sh * (Ho - 1) + 1 : sh, j : j + sw * (Wo - 1) + 1 : sw] += dwin[:, :, :, :, i, j]
    return dx
