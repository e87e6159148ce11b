"""Max and average pooling over (kh, kw) windows of NCHW images."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from .base import Layer, as_pair, shape_str
from .windows import col2im, out_size, windows


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

    def _windows(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        x = self._check_input(x, (None, None, None))
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        if x.shape[2] < kh or x.shape[3] < kw:
            raise ShapeError(f"{self.label}: input {shape_str(x.shape[1:])} is smaller than the "
                             f"window {self.kernel_size}")
        return x, windows(x, kh, kw, sh, sw)


class MaxPool2D(_Pool2D):
    """``y[n, c, h, w] = max over the window of x``.

    The gradient goes to one element per window, the first maximum in row-major
    order, as PyTorch does on ties.
    """

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x, win = self._windows(x)
        self._cache = x
        return win.max(axis=(4, 5))  # (N, C, Ho, Wo)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        x = self._need_cache()
        N, C, H, W = x.shape
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        win = windows(x, kh, kw, sh, sw)
        Ho, Wo = win.shape[2:4]
        dy = self._check_dy(dy, (N, C, Ho, Wo))
        flat = win.reshape(N, C, Ho, Wo, kh * kw)  # copy: one row per window
        idx = flat.argmax(axis=-1)[..., None]  # (N, C, Ho, Wo, 1), first max wins
        dwin = np.zeros(flat.shape, dtype=dy.dtype)
        np.put_along_axis(dwin, idx, dy[..., None], axis=-1)
        return col2im(dwin.reshape(N, C, Ho, Wo, kh, kw), H, W, sh, sw)


class AvgPool2D(_Pool2D):
    """``y[n, c, h, w] = mean over the window of x``; each input gets dy / (k_h*k_w) per window."""

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x, win = self._windows(x)
        self._cache = x.shape
        return win.mean(axis=(4, 5), dtype=x.dtype)  # (N, C, Ho, Wo)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        N, C, H, W = self._need_cache()
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        dy = self._check_dy(dy, (N, C, out_size(H, kh, sh), out_size(W, kw, sw)))
        share = dy / np.asarray(kh * kw, dtype=dy.dtype)
        dwin = np.broadcast_to(share[..., None, None], share.shape + (kh, kw))
        return col2im(dwin, H, W, sh, sw)
