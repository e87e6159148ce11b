"""2-D convolution (cross-correlation, as in PyTorch's Conv2d)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..initializers import get_initializer, make_rng
from .base import Layer, as_float_dtype, as_pair, shape_str
from .windows import col2im, gemm_nt, im2col, out_size, to_chwn


class Conv2D(Layer):
    """``y[n, f] = b[f] + sum_{c, i, j} W[f, c, i, j] * x_pad[n, c, s_h*h + i, s_w*w + j]``.

    Shape: (N, C, H, W) -> (N, F, H_out, W_out) with
    H_out = floor((H + 2*p_h - k_h) / s_h) + 1 and W_out likewise. ``W`` is (F, C, k_h, k_w),
    ``b`` is (F,), PyTorch's layout.

    Computed as one GEMM per batch: the windows are unrolled (im2col) into
    cols (C*k_h*k_w, N*H_out*W_out), then ``y = W.reshape(F, -1) @ cols + b``.
    Backward, with dy as (F, N*H_out*W_out): ``dW = dy cols^T``, ``db = sum dy``,
    ``dcols = W^T dy``, folded back onto the pixels by col2im.

    The work runs on (C, H, W, N) images, batch innermost (see ``windows``): the GEMM
    result (F, H_out*W_out*N) is returned as a transposed NCHW view, so that layout
    carries through the following layers without copies.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, *, init: str = "glorot_uniform", dtype: Any = "float32",
                 seed: int | None = None) -> None:
        super().__init__()
        for what, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"Conv2D: {what} must be a positive int, received {v!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = as_pair(kernel_size, "kernel_size", "Conv2D", 1)
        self.stride = as_pair(stride, "stride", "Conv2D", 1)
        self.padding = as_pair(padding, "padding", "Conv2D", 0)
        self.init = init
        self._init_fn = get_initializer(init, "Conv2D")
        self.dtype = as_float_dtype(dtype, "Conv2D")
        self.init_params(make_rng(seed))

    def _label_args(self) -> tuple:
        return (self.in_channels, self.out_channels, self.kernel_size)

    @classmethod
    def param_shapes(cls, config: dict[str, Any]) -> dict[str, tuple]:
        F, C = int(config["out_channels"]), int(config["in_channels"])
        kh, kw = as_pair(config["kernel_size"], "kernel_size", "Conv2D", 1)
        return {"W": (F, C, kh, kw), "b": (F,)}

    def init_params(self, rng: np.random.Generator) -> None:
        shapes = self.param_shapes(self.get_config())
        F, C, kh, kw = shapes["W"]
        self.params["W"] = self._init_fn(shapes["W"], C * kh * kw, F * kh * kw, rng, self.dtype)
        self.params["b"] = np.zeros(shapes["b"], dtype=self.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": list(self.kernel_size), "stride": list(self.stride),
                "padding": list(self.padding), "init": self.init, "dtype": self.dtype.name}

    def output_shape(self, input_shape: tuple) -> tuple:
        _, H, W = input_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        return (self.out_channels, out_size(H, kh, sh, ph), out_size(W, kw, sw, pw))

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = self._check_input(x, (self.in_channels, None, None))
        N, C, H, W = x.shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        if H + 2 * ph < kh or W + 2 * pw < kw:
            raise ShapeError(f"{self.label}: input {shape_str((C, H, W))} with padding {self.padding} "
                             f"is smaller than the kernel {self.kernel_size}")
        if ph or pw:  # one copy: transpose into the middle of a zeroed, padded (C, Hp, Wp, N)
            xc = np.zeros((C, H + 2 * ph, W + 2 * pw, N), dtype=self.dtype)
            xc[:, ph : ph + H, pw : pw + W, :] = x.transpose(1, 2, 3, 0)
        else:
            xc = to_chwn(x.astype(self.dtype, copy=False))  # (C, H, W, N)
        Ho, Wo = out_size(xc.shape[1], kh, sh), out_size(xc.shape[2], kw, sw)
        cols = im2col(xc, kh, kw, sh, sw, Ho, Wo)  # (C*kh*kw, Ho*Wo*N)
        y = self.params["W"].reshape(self.out_channels, -1) @ cols  # (F, Ho*Wo*N)
        y += self.params["b"][:, None]
        self._cache = (cols, xc.shape, (N, Ho, Wo))
        return y.reshape(self.out_channels, Ho, Wo, N).transpose(3, 0, 1, 2)  # (N, F, Ho, Wo) view

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy2 = self._backward_params(dy)
        cols, xc_shape, _ = self._cache
        F, (kh, kw) = self.out_channels, self.kernel_size
        dcols = self.params["W"].reshape(F, -1).T @ dy2  # (C*kh*kw, Ho*Wo*N)
        dxc = col2im(dcols, xc_shape, kh, kw, *self.stride)  # (C, Hp, Wp, N)
        (ph, pw), Hp, Wp = self.padding, xc_shape[1], xc_shape[2]
        return dxc[:, ph : Hp - ph, pw : Wp - pw, :].transpose(3, 0, 1, 2)  # (N, C, H, W) view

    def backward_params(self, dy: np.ndarray) -> None:
        """Fill ``grads`` only, without dL/dx: for a first layer, whose input needs no gradient."""
        self._backward_params(dy)

    def _backward_params(self, dy: np.ndarray) -> np.ndarray:
        cols, _, (N, Ho, Wo) = self._need_cache()
        F, C, (kh, kw) = self.out_channels, self.in_channels, self.kernel_size
        dy = self._check_dy(dy, (N, F, Ho, Wo)).astype(self.dtype, copy=False)
        dy2 = to_chwn(dy).reshape(F, Ho * Wo * N)  # free when dy came from a layer here
        self.grads["W"] = gemm_nt(dy2, cols).reshape(F, C, kh, kw)
        self.grads["b"] = dy2.sum(axis=1)
        return dy2
