"""Sliding (kh, kw) windows over NCHW images, by kernel offset.

Conv and pooling both read an image through its windows. Rather than materialize a
(..., kh, kw) window axis, these helpers walk the kh*kw kernel offsets: offset (i, j)
of every window is one strided slice ``x[:, :, i::s_h, j::s_w]`` of the image, so each
step is a single vectorized copy, max or add over the whole batch. The Python loop runs
kh*kw times per call (25 for a 5x5 kernel), never per pixel or per sample.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np


def out_size(size: int, kernel: int, stride: int, padding: int = 0) -> int:
    """Output length along one axis: floor((size + 2*padding - kernel) / stride) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def offsets(kh: int, kw: int, sh: int, sw: int, Ho: int, Wo: int) -> Iterator[tuple[int, int, tuple]]:
    """Yield (i, j, index) per kernel offset; ``x[..., *index]`` is that offset of every window.

    Shape: x (..., H, W) -> x[(..., *index)] (..., H_out, W_out).
    """
    for i in range(kh):
        for j in range(kw):
            yield i, j, (slice(i, i + sh * (Ho - 1) + 1, sh), slice(j, j + sw * (Wo - 1) + 1, sw))


def im2col(xt: np.ndarray, kh: int, kw: int, sh: int, sw: int, Ho: int, Wo: int) -> np.ndarray:
    """Unroll windows, channel-major: (C, N, H, W) -> cols (C*kh*kw, N*H_out*W_out).

    Row (c, i, j) holds pixel (i, j) of every window of channel c, which matches
    ``W.reshape(F, C*kh*kw)`` so that ``W @ cols`` is the convolution.
    """
    C, N = xt.shape[:2]
    cols = np.empty((C, kh, kw, N, Ho, Wo), dtype=xt.dtype)
    for i, j, (hs, ws) in offsets(kh, kw, sh, sw, Ho, Wo):
        cols[:, i, j] = xt[:, :, hs, ws]
    return cols.reshape(C * kh * kw, N * Ho * Wo)


def col2im(dcols: np.ndarray, shape: tuple, kh: int, kw: int, sh: int, sw: int) -> np.ndarray:
    """Adjoint of ``im2col``: add each window pixel's gradient back to its image pixel.

    Shape: dcols (C*kh*kw, N*H_out*W_out) -> (C, N, H, W) with ``shape`` = (C, N, H, W).
    Pixels no window covers (a remainder when the stride does not divide H - kh) get 0.
    """
    C, N, H, W = shape
    Ho, Wo = out_size(H, kh, sh), out_size(W, kw, sw)
    d = dcols.reshape(C, kh, kw, N, Ho, Wo)
    dxt = np.zeros(shape, dtype=dcols.dtype)
    for i, j, (hs, ws) in offsets(kh, kw, sh, sw, Ho, Wo):
        dxt[:, :, hs, ws] += d[:, i, j]
    return dxt
