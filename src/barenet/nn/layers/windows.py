"""Sliding (kh, kw) windows over images, by kernel offset, with the batch axis innermost.

Conv and pooling both read an image through its windows. Rather than materialize a
(..., kh, kw) window axis, these helpers walk the kh*kw kernel offsets: offset (i, j) of
every window is one strided slice ``x[:, i::s_h, j::s_w, :]`` of the image, so each step is
one vectorized copy, max or add over the whole batch. The Python loop runs kh*kw times per
call (25 for a 5x5 kernel), never per pixel or per sample.

The images are held as (C, H, W, N): batch innermost. Every slice then moves whole runs
of N contiguous values, which is what makes these copies fast; the layers return
transposed views, so this layout flows from one layer to the next without copies while
the layers' interface stays NCHW.

The definitions these helpers must reproduce are the loop-based references in
tests/nn/reference_windows.py (one explicit sum or max per output element); the layers
built on them are held equal to those loops by tests/nn/test_windows_reference.py.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

GEMM_CHUNK = 2048  # columns per block in ``gemm_nt``: keeps both blocks in cache


def out_size(size: int, kernel: int, stride: int, padding: int = 0) -> int:
    """Output length along one axis: floor((size + 2*padding - kernel) / stride) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def offsets(kh: int, kw: int, sh: int, sw: int, Ho: int, Wo: int) -> Iterator[tuple[int, int, tuple]]:
    """Yield (i, j, index) per kernel offset; ``x[index]`` is that offset of every window.

    Shape: x (C, H, W, N) -> x[index] (C, H_out, W_out, N).
    """
    for i in range(kh):
        for j in range(kw):
            yield i, j, (slice(None), slice(i, i + sh * (Ho - 1) + 1, sh), slice(j, j + sw * (Wo - 1) + 1, sw))


def to_chwn(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (C, H, W, N): free when x came from a layer here, one copy otherwise."""
    return np.ascontiguousarray(x.transpose(1, 2, 3, 0))


def im2col(xc: np.ndarray, kh: int, kw: int, sh: int, sw: int, Ho: int, Wo: int) -> np.ndarray:
    """Unroll windows: (C, H, W, N) -> cols (C*kh*kw, H_out*W_out*N).

    Row (c, i, j) holds pixel (i, j) of every window of channel c, which matches
    ``W.reshape(F, C*kh*kw)`` so that ``W @ cols`` is the convolution.
    """
    C, N = xc.shape[0], xc.shape[3]
    cols = np.empty((C, kh, kw, Ho, Wo, N), dtype=xc.dtype)
    for i, j, idx in offsets(kh, kw, sh, sw, Ho, Wo):
        cols[:, i, j] = xc[idx]
    return cols.reshape(C * kh * kw, Ho * Wo * N)


def col2im(dcols: np.ndarray, shape: tuple, kh: int, kw: int, sh: int, sw: int) -> np.ndarray:
    """Adjoint of ``im2col``: add each window pixel's gradient back to its image pixel.

    Shape: dcols (C*kh*kw, H_out*W_out*N) -> (C, H, W, N) with ``shape`` = (C, H, W, N).
    Pixels no window covers (a remainder when the stride does not divide H - kh) get 0.
    """
    C, H, W, N = shape
    Ho, Wo = out_size(H, kh, sh), out_size(W, kw, sw)
    d = dcols.reshape(C, kh, kw, Ho, Wo, N)
    dxc = np.zeros(shape, dtype=dcols.dtype)
    for i, j, idx in offsets(kh, kw, sh, sw, Ho, Wo):
        dxc[idx] += d[:, i, j]
    return dxc


def gemm_nt(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b.T`` for a (F, M), b (K, M) with M large, summed over blocks of M columns.

    BLAS runs this shape (a long inner dimension, a tiny result) far below its peak; in
    blocks that stay in cache it is 2-4x faster when b has few rows (a first conv layer's
    C*kh*kw = 25), with the same sums in another order.
    """
    M = a.shape[1]
    if M <= 2 * GEMM_CHUNK or b.shape[0] > 64:  # with a wider b, BLAS does as well unblocked
        return a @ b.T
    out = a[:, :GEMM_CHUNK] @ b[:, :GEMM_CHUNK].T
    for s in range(GEMM_CHUNK, M, GEMM_CHUNK):
        out += a[:, s : s + GEMM_CHUNK] @ b[:, s : s + GEMM_CHUNK].T
    return out
