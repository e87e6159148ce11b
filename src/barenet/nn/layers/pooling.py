"""Max and average pooling over (kh, kw) windows of NCHW images."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..errors import ShapeError
from .base import Layer, as_pair, shape_str
from .windows import out_size, pixels, pool_blocks, to_chwn

BIG_WINDOW = 1024  # kernel offsets (k_h*k_w) past which forward reduces over a window view at once


class _Pool2D(Layer):
    """Shared parts of the pooling layers: arguments, shape checks, output size, blocks.

    Shape: (N, C, H, W) -> (N, C, H_out, W_out), H_out = floor((H - k_h) / s_h) + 1.

    Both passes walk the k_h*k_w kernel offsets; offset (i, j) of every window is one
    strided slice of the whole batch held as (C, H, W, N) (``windows.pixels``). Large
    batches go one cache-sized block of output rows at a time, so the k_h*k_w passes
    over a block find it still in cache. A window of more than ``BIG_WINDOW`` offsets (a
    256x256 one has 65,536) would make that walk Python-bound, seconds for a handful of
    outputs, so the forward pass then reduces over ``sliding_window_view``'s windows at once.
    """

    def __init__(self, kernel_size: Any, stride: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = as_pair(kernel_size, "kernel_size", name, 1)
        self.stride = self.kernel_size if stride is None else as_pair(stride, "stride", name, 1)

    def _label_args(self) -> tuple:
        return (self.kernel_size,)

    def get_config(self) -> dict[str, Any]:
        return {"kernel_size": list(self.kernel_size), "stride": list(self.stride)}

    def output_shape(self, input_shape: tuple) -> tuple:
        C, H, W = input_shape
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        return (C, out_size(H, kh, sh), out_size(W, kw, sw))

    def _check(self, x: Any) -> np.ndarray:
        """Check x (N, C, H, W) against the window; return it as (C, H, W, N)."""
        x = self._check_input(x, (None, None, None))
        (kh, kw) = self.kernel_size
        if x.shape[2] < kh or x.shape[3] < kw:
            raise ShapeError(f"{self.label}: input {shape_str(x.shape[1:])} is smaller than the "
                             f"window {self.kernel_size}")
        return to_chwn(x)

    def _out_chwn(self, shape: tuple) -> tuple[int, int, int, int]:
        C, H, W, N = shape
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        return C, out_size(H, kh, sh), out_size(W, kw, sw), N

    def _windows(self, xc: np.ndarray) -> np.ndarray | None:
        """Every window of xc (C, H, W, N) as a view (C, H_out, W_out, N, k_h, k_w), if the window is big."""
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        if kh * kw <= BIG_WINDOW:
            return None
        return np.lib.stride_tricks.sliding_window_view(xc, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]

    def _reduce(self, xc: np.ndarray, whole: Any, combine: Any) -> np.ndarray:
        """y (C, Ho, Wo, N): each window of xc (C, H, W, N) reduced over its kernel offsets.

        ``combine`` (np.maximum, np.add) folds one offset's slice into a block at a time;
        ``whole`` (np.max, np.sum) reduces a big window's view at once.
        """
        big = self._windows(xc)
        if big is not None:
            return whole(big, axis=(4, 5))
        y = np.empty(self._out_chwn(xc.shape), dtype=xc.dtype)
        for at_y, at_x in self._blocks(y.shape):
            yb = y[at_y]
            np.copyto(yb, xc[at_x[0]])
            for ix in at_x[1:]:
                combine(yb, xc[ix], out=yb)
        return y

    def _blocks(self, y_shape: tuple) -> tuple[tuple[tuple, tuple[tuple, ...]], ...]:
        """Per block: its index into y (C, Ho, Wo, N), and each kernel offset's index into x."""
        C, Ho, Wo, N = y_shape
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        return _plan(pool_blocks(Ho, Wo, N, C, kh, kw), kh, kw, sh, sw)


@functools.lru_cache(maxsize=64)
def _plan(plan: tuple, kh: int, kw: int, sh: int, sw: int) -> tuple:
    return tuple(((slice(None), slice(blk.h0, blk.h1), slice(blk.w0, blk.w1)),
                  tuple(pixels(i, j, blk, sh, sw) for i in range(kh) for j in range(kw)))
                 for blk in plan)


class MaxPool2D(_Pool2D):
    """``y[n, c, h, w] = max over the window of x``.

    The gradient goes to one element per window, the first maximum in row-major
    order, as PyTorch does on ties. With stride = kernel the windows tile the image,
    so backward assigns each offset's share instead of adding it.
    """

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        xc = self._check(x)
        y = self._reduce(xc, np.max, np.maximum)  # (C, Ho, Wo, N)
        self._cache = (xc, y) if training else None
        return y.transpose(3, 0, 1, 2)  # (N, C, Ho, Wo) view

    def backward(self, dy: np.ndarray) -> np.ndarray:
        xc, y = self._need_cache()
        dy = to_chwn(self._check_dy(dy, y.transpose(3, 0, 1, 2).shape))
        tiled = self.stride == self.kernel_size  # windows do not overlap: assign, no read-back
        dxc = (np.empty if tiled and self._covers(xc.shape) else np.zeros)(
            xc.shape, dtype=np.result_type(dy.dtype, xc.dtype))
        for at_y, at_x in self._blocks(y.shape):
            yb, dyb = y[at_y], dy[at_y]
            taken = np.zeros(yb.shape, dtype=bool)  # windows whose max already got the gradient
            hit = np.empty(yb.shape, dtype=bool)
            for k, ix in enumerate(at_x):
                np.equal(xc[ix], yb, out=hit)
                if k:
                    np.greater(hit, taken, out=hit)  # for booleans, a > b is a and not b
                if k < len(at_x) - 1:
                    taken |= hit
                if tiled:
                    np.multiply(dyb, hit, out=dxc[ix])
                else:
                    dxc[ix] += dyb * hit
        return dxc.transpose(3, 0, 1, 2)

    def _covers(self, shape: tuple) -> bool:
        """Whether the tiled windows cover every pixel (no remainder rows or columns)."""
        _, H, W, _ = shape
        (kh, kw) = self.kernel_size
        return H % kh == 0 and W % kw == 0


class AvgPool2D(_Pool2D):
    """``y[n, c, h, w] = mean over the window of x``; each input gets dy / (k_h*k_w) per window."""

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        xc = self._check(x)
        y = self._reduce(xc, np.sum, np.add)  # (C, Ho, Wo, N)
        y *= np.asarray(1.0 / (self.kernel_size[0] * self.kernel_size[1]), dtype=y.dtype)
        self._cache = (xc.shape, xc.dtype, y.shape) if training else None
        return y.transpose(3, 0, 1, 2)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        shape, dtype, y_shape = self._need_cache()
        C, Ho, Wo, N = y_shape
        dy = to_chwn(self._check_dy(dy, (N, C, Ho, Wo)))
        share = dy * np.asarray(1.0 / (self.kernel_size[0] * self.kernel_size[1]), dtype=dy.dtype)
        dxc = np.zeros(shape, dtype=np.result_type(share.dtype, dtype))
        for at_y, at_x in self._blocks(y_shape):
            for ix in at_x:
                dxc[ix] += share[at_y]
        return dxc.transpose(3, 0, 1, 2)
