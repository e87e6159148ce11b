"""Max and average pooling over (kh, kw) windows of NCHW images."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from .base import Layer, as_pair, shape_str
from .windows import offsets, out_size, to_chwn


class _Pool2D(Layer):
    """Shared parts of the pooling layers: arguments, shape checks, output size.

    Shape: (N, C, H, W) -> (N, C, H_out, W_out), H_out = floor((H - k_h) / s_h) + 1.
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

    def _check(self, x: Any) -> tuple[np.ndarray, list[tuple]]:
        """Check x (N, C, H, W) against the window; return it as (C, H, W, N) and the offset slices."""
        x = self._check_input(x, (None, None, None))
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        if x.shape[2] < kh or x.shape[3] < kw:
            raise ShapeError(f"{self.label}: input {shape_str(x.shape[1:])} is smaller than the "
                             f"window {self.kernel_size}")
        Ho, Wo = out_size(x.shape[2], kh, sh), out_size(x.shape[3], kw, sw)
        return to_chwn(x), [idx for _, _, idx in offsets(kh, kw, sh, sw, Ho, Wo)]


class MaxPool2D(_Pool2D):
    """``y[n, c, h, w] = max over the window of x``.

    The gradient goes to one element per window, the first maximum in row-major
    order, as PyTorch does on ties. Both passes walk the kh*kw window offsets, each a
    strided slice of the whole batch held as (C, H, W, N); with stride = kernel the
    slices tile the image.
    """

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        xc, idx = self._check(x)
        y = xc[idx[0]].copy()  # (C, Ho, Wo, N)
        for ix in idx[1:]:
            np.maximum(y, xc[ix], out=y)
        self._cache = (xc, y, idx)
        return y.transpose(3, 0, 1, 2)  # (N, C, Ho, Wo) view

    def backward(self, dy: np.ndarray) -> np.ndarray:
        xc, y, idx = self._need_cache()
        dy = to_chwn(self._check_dy(dy, y.transpose(3, 0, 1, 2).shape))
        dxc = np.zeros(xc.shape, dtype=np.result_type(dy.dtype, xc.dtype))
        tiled = self.stride == self.kernel_size  # windows do not overlap: assign, no read-back
        taken = np.zeros(y.shape, dtype=bool)  # windows whose max already got the gradient
        for ix in idx:
            hit = xc[ix] == y
            hit &= ~taken
            taken |= hit
            if tiled:
                np.multiply(dy, hit, out=dxc[ix])
            else:
                dxc[ix] += dy * hit
        return dxc.transpose(3, 0, 1, 2)


class AvgPool2D(_Pool2D):
    """``y[n, c, h, w] = mean over the window of x``; each input gets dy / (k_h*k_w) per window."""

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        xc, idx = self._check(x)
        y = xc[idx[0]].copy()
        for ix in idx[1:]:
            y += xc[ix]
        y *= np.asarray(1.0 / len(idx), dtype=y.dtype)
        self._cache = (xc.shape, xc.dtype, y.shape, idx)
        return y.transpose(3, 0, 1, 2)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        shape, dtype, y_shape, idx = self._need_cache()
        C, Ho, Wo, N = y_shape
        dy = to_chwn(self._check_dy(dy, (N, C, Ho, Wo)))
        share = dy * np.asarray(1.0 / len(idx), dtype=dy.dtype)
        dxc = np.zeros(shape, dtype=np.result_type(share.dtype, dtype))
        for ix in idx:
            dxc[ix] += share
        return dxc.transpose(3, 0, 1, 2)
