"""Sliding (kh, kw) windows over images held batch-innermost, walked in cache-sized blocks.

Conv and pooling both read an image through its windows. Window (h, w) of a (C, H, W, N)
image covers pixels (s_h*h + i, s_w*w + j) for kernel offsets 0 <= i < kh, 0 <= j < kw:

    cols[c, i, j, h, w, n] = x[c, s_h*h + i, s_w*w + j, n]                      (im2col)

``np.lib.stride_tricks.sliding_window_view`` gives exactly this array as a view with no
copy; ``windows`` returns it in the (C, kh, kw, H_out, W_out, N) order above, so one
``np.copyto`` materializes any block of it (one NumPy call, not one per kernel offset).

The images are held as (C, H, W, N): batch innermost. Every window pixel then moves whole
runs of N contiguous values, and the layers return transposed NCHW views, so this layout
flows from one layer to the next without copies while the layers' interface stays NCHW.

Large batches are processed in blocks of output positions (``blocks``): an unrolled block
of a few thousand columns stays in cache while it is written and multiplied, where the
whole unrolled batch (20 MB for LeNet's first conv at batch 256) would not, and a skinny
GEMM on it runs at several times the speed of one on the whole batch. Each block's
columns are a contiguous range of the full (K, H_out*W_out*N) matrix, so the blocked
result is the unblocked one, column range by column range.

The definitions these helpers must reproduce are the loop-based references in
tests/nn/reference_windows.py (one explicit sum or max per output element); the layers
built on them are held equal to those loops by tests/nn/test_windows_reference.py.
"""

from __future__ import annotations

import functools
import threading
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# Block sizes, read at each call (so tests can shrink them to cross block boundaries):
# - GEMM_COLS: columns per conv GEMM. OpenBLAS runs a skinny product such as LeNet's first
#   conv, (6, 26) @ (26, m), 3-4x faster while F*K*m stays under its small-matrix limit
#   (1e6), i.e. for m up to ~6,000, and larger m gains nothing for wider layers either;
# - UNROLL_FLOATS: most values in one unrolled block (4 MiB of float32, which stays in the
#   L3 cache; 256 KiB blocks fit L2 but then col2im's 25 calls per block dominate);
# - POOL_FLOATS: most input values one pooling block reads.
# Each block also costs ~25 NumPy calls of a few microseconds, so blocks must not be tiny.
# The figures behind these numbers: benchmarks/profile_engine.py --only blocks.
GEMM_COLS = 4096
UNROLL_FLOATS = 2**20
POOL_FLOATS = 2**20


class Block(NamedTuple):
    """Output rows [h0, h1) and columns [w0, w1): whole rows, or part of a single row.

    Either way its positions p = h*W_out + w are the range [a, b), so its columns are the
    contiguous range [a*N, b*N) of a (.., H_out*W_out*N) matrix.
    """

    h0: int
    h1: int
    w0: int
    w1: int
    a: int
    b: int


def out_size(size: int, kernel: int, stride: int, padding: int = 0) -> int:
    """Output length along one axis: floor((size + 2*padding - kernel) / stride) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


@functools.lru_cache(maxsize=256)
def blocks(Ho: int, Wo: int, N: int, max_cols: int) -> tuple[Block, ...]:
    """Split the Ho x Wo output positions (N columns each) into blocks of at most ~``max_cols`` columns.

    A block is a run of whole rows when one row fits, else a part of a single row; blocks
    are balanced (equal up to one row or column), never empty, and hold at least one position.
    """
    n_pos = max(1, max_cols // max(N, 1))
    out = []
    if n_pos >= Wo:
        rows = _balanced(Ho, n_pos // Wo)
        for h0 in range(0, Ho, rows):
            h1 = min(Ho, h0 + rows)
            out.append(Block(h0, h1, 0, Wo, h0 * Wo, h1 * Wo))
    else:
        width = _balanced(Wo, n_pos)
        for h in range(Ho):
            for w0 in range(0, Wo, width):
                w1 = min(Wo, w0 + width)
                out.append(Block(h, h + 1, w0, w1, h * Wo + w0, h * Wo + w1))
    return tuple(out)


def conv_plan(Ho: int, Wo: int, N: int, K: int) -> tuple[tuple[Block, tuple[tuple[int, int], ...]], ...]:
    """Blocks for a conv with K = C*kh*kw, each with its GEMM column ranges.

    Each block unrolls at most ~UNROLL_FLOATS values (one copy) and folds its gradients
    back with one col2im; its columns are multiplied in ranges [c0, c1) of at most
    GEMM_COLS, so every GEMM stays small enough for BLAS's fast small-matrix path.
    """
    return _conv_plan(Ho, Wo, N, K, GEMM_COLS, UNROLL_FLOATS)


@functools.lru_cache(maxsize=256)
def _conv_plan(Ho: int, Wo: int, N: int, K: int, gemm_cols: int, unroll_floats: int) -> tuple:
    plan = []
    for blk in blocks(Ho, Wo, N, unroll_floats // (K + 1)):
        m = (blk.b - blk.a) * N
        step = _balanced(m, gemm_cols)
        plan.append((blk, tuple((c, min(m, c + step)) for c in range(0, m, step))))
    return tuple(plan)


def pool_blocks(Ho: int, Wo: int, N: int, C: int, kh: int, kw: int) -> tuple[Block, ...]:
    """Blocks for pooling C channels with (kh, kw) windows: at most ~POOL_FLOATS input values each."""
    return blocks(Ho, Wo, N, POOL_FLOATS // (C * kh * kw))


def _balanced(total: int, most: int) -> int:
    """The smallest step <= ``most`` that splits ``total`` into as few pieces as ``most`` does."""
    pieces = -(-total // max(1, min(most, total)))
    return -(-total // pieces)


def windows(xc: np.ndarray, kh: int, kw: int, sh: int, sw: int) -> np.ndarray:
    """All windows of xc as a view: (C, H, W, N) -> (C, kh, kw, H_out, W_out, N), no copy.

    ``windows(xc, ...)[c, i, j, h, w, n] == xc[c, sh*h + i, sw*w + j, n]``.
    """
    v = sliding_window_view(xc, (kh, kw), axis=(1, 2))  # (C, H-kh+1, W-kw+1, N, kh, kw)
    return v[:, ::sh, ::sw].transpose(0, 4, 5, 1, 2, 3)


_SCRATCH = threading.local()


def scratch(name: str, size: int, dtype: np.dtype) -> np.ndarray:
    """A flat work buffer of ``size`` values, reused by every layer this thread runs.

    Unrolled blocks are rewritten on every call, so they need no fresh memory: allocated
    afresh, each multi-megabyte buffer cost ~600 page faults per call once the C allocator
    had handed its pages back (sys time rivalled the arithmetic). A buffer grows to the
    largest block seen, which the block plans bound (about UNROLL_FLOATS values), so this is
    a fixed workspace, not memory that grows with the batch; being per thread, it is never
    shared between two calls that run at once. Callers must not return views of it.
    """
    bufs = _SCRATCH.__dict__.setdefault("bufs", {})
    key = (name, np.dtype(dtype).str)
    buf = bufs.get(key)
    if buf is None or buf.size < size:
        buf = bufs[key] = np.empty(size, dtype=dtype)
    return buf[:size]


def rows_view(buf: np.ndarray, rows: int, m: int) -> np.ndarray:
    """A (rows, m) view of the flat ``buf`` with a row stride that avoids cache-set aliasing.

    Rows 4 KiB apart in memory (m a multiple of 1,024 float32) fall into the same cache
    sets, and a GEMM reading 26-151 such rows loses a third of its speed. So rows start
    ``ld`` values apart, ld >= m with ld = 16 (mod 32): an odd multiple of 64 bytes.
    """
    ld = m + (16 - m) % 32
    return buf[: rows * ld].reshape(rows, ld)[:, :m]


def split(view: np.ndarray, shape: tuple) -> np.ndarray:
    """``view.reshape(shape)``, which must not copy: a copy would silently take the writes."""
    out = view.reshape(shape)
    if not np.may_share_memory(out, view):  # cheap: compares memory bounds only
        raise RuntimeError(f"internal error: reshaping {view.shape} to {shape} would copy")
    return out


def pixels(i: int, j: int, blk: Block, sh: int, sw: int) -> tuple[slice, slice, slice]:
    """Index of kernel offset (i, j) of every window in ``blk``: pixels (sh*h + i, sw*w + j).

    ``x[pixels(i, j, blk, sh, sw)]`` is (C, h1-h0, w1-w0, N) for x (C, H, W, N), equal to
    ``windows(x, ...)[:, i, j, h0:h1, w0:w1]`` but a basic slice, so it can be assigned to.
    """
    r0, c0 = sh * blk.h0 + i, sw * blk.w0 + j
    return (slice(None), slice(r0, r0 + sh * (blk.h1 - blk.h0 - 1) + 1, sh),
            slice(c0, c0 + sw * (blk.w1 - blk.w0 - 1) + 1, sw))


def col2im_add(dcols: np.ndarray, dxc: np.ndarray, blk: Block, sh: int, sw: int) -> None:
    """Adjoint of im2col for one block: add each window pixel's gradient to its image pixel.

    Shape: dcols (C, kh, kw, h1-h0, w1-w0, N) is added into dxc (C, H, W, N) in place:
    ``dxc[c, sh*h + i, sw*w + j, n] += dcols[c, i, j, h - h0, w - w0, n]``. Windows overlap
    when the stride is below the kernel, so this is kh*kw adds, one per kernel offset.
    """
    for i in range(dcols.shape[1]):
        for j in range(dcols.shape[2]):
            dxc[pixels(i, j, blk, sh, sw)] += dcols[:, i, j]


def to_chwn(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """(N, C, H, W) -> (C, H, W, N): free when x came from a layer here, one copy otherwise.

    With ``out`` (a (C, H, W, N) view, e.g. inside a padded frame) it copies into it. The copy
    is a transpose, done a few samples at a time so that each piece stays in cache.
    """
    t = x.transpose(1, 2, 3, 0)
    if out is None:
        if t.flags.c_contiguous:
            return t
        out = np.empty(t.shape, dtype=x.dtype)
    N, C, H, W = x.shape
    step = max(8, 2**17 // max(1, C * H * W))
    for n in range(0, N, step):
        out[..., n : n + step] = t[..., n : n + step]
    return out
