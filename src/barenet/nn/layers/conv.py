"""2-D convolution (cross-correlation, as in PyTorch's Conv2d)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..initializers import get_initializer, make_rng
from .base import Layer, as_float_dtype, as_pair, shape_str
from .windows import Block, col2im_add, conv_plan, out_size, rows_view, scratch, split, to_chwn, windows


class Conv2D(Layer):
    """``y[n, f] = b[f] + sum_{c, i, j} W[f, c, i, j] * x_pad[n, c, s_h*h + i, s_w*w + j]``.

    Shape: (N, C, H, W) -> (N, F, H_out, W_out) with
    H_out = floor((H + 2*p_h - k_h) / s_h) + 1 and W_out likewise. ``W`` is (F, C, k_h, k_w),
    ``b`` is (F,), PyTorch's layout.

    As matrix products: unroll the windows (im2col) into cols (C*k_h*k_w, H_out*W_out*N),
    one window per column; then ``y = W.reshape(F, -1) @ cols + b``. Backward, with dy as
    (F, H_out*W_out*N): ``dW = dy cols^T``, ``db = sum dy``, ``dcols = W^T dy``, folded
    back onto the pixels by col2im.

    How it runs, computing those same sums:
    - images are (C, H, W, N), batch innermost (see ``windows``); the GEMM result is
      returned as a transposed NCHW view, so that layout carries through the next layers;
    - cols is never built whole: each cache-sized block of its columns is unrolled into a
      reused work buffer, multiplied a few thousand columns at a time (the sizes BLAS runs
      fastest) and dropped (``windows.conv_plan``), so large batches cost no more per
      sample than small ones;
    - the bias rides in the GEMM as a row of ones under each block,
      ``y = [W | b] @ [cols; 1]``, and backward gets ``[dW | db] = dy [cols; 1]^T`` likewise;
    - training keeps the padded input (C*H*W*N values), not cols (k_h*k_w times more):
      backward unrolls each block again.
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

    def _padded(self, x: np.ndarray) -> np.ndarray:
        """x (N, C, H, W) -> (C, H + 2p_h, W + 2p_w, N) in one copy: transposed into a zeroed frame."""
        N, C, H, W = x.shape
        ph, pw = self.padding
        if not (ph or pw) and x.dtype == self.dtype:
            return to_chwn(x)  # free when x came from a layer here
        xc = (np.zeros if ph or pw else np.empty)((C, H + 2 * ph, W + 2 * pw, N), dtype=self.dtype)
        to_chwn(x, out=xc[:, ph : ph + H, pw : pw + W, :])
        return xc

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = self._check_input(x, (self.in_channels, None, None))
        N, C, H, W = x.shape
        F, (kh, kw), (ph, pw) = self.out_channels, self.kernel_size, self.padding
        if H + 2 * ph < kh or W + 2 * pw < kw:
            raise ShapeError(f"{self.label}: input {shape_str((C, H, W))} with padding {self.padding} "
                             f"is smaller than the kernel {self.kernel_size}")
        xc = self._padded(x)  # (C, Hp, Wp, N)
        Ho, Wo = out_size(xc.shape[1], kh, self.stride[0]), out_size(xc.shape[2], kw, self.stride[1])
        K = C * kh * kw
        Wb = np.concatenate([self.params["W"].reshape(F, K), self.params["b"][:, None]], axis=1)  # (F, K+1)
        y = np.empty((F, Ho * Wo * N), dtype=self.dtype)
        plan = conv_plan(Ho, Wo, N, K)
        win, buf = windows(xc, kh, kw, *self.stride), self._buffer("cols", K + 1, plan, N)
        for blk, ranges in plan:
            cols, y_blk = self._unroll(win, blk, buf), y[:, blk.a * N : blk.b * N]  # (K+1, m), (F, m)
            for c0, c1 in ranges:
                np.matmul(Wb, cols[:, c0:c1], out=y_blk[:, c0:c1])
        self._cache = (xc, (N, Ho, Wo)) if training else None
        return y.reshape(F, Ho, Wo, N).transpose(3, 0, 1, 2)  # (N, F, Ho, Wo) view

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dxc = self._backward(dy, need_dx=True)  # (C, Hp, Wp, N)
        (ph, pw), Hp, Wp = self.padding, dxc.shape[1], dxc.shape[2]
        return dxc[:, ph : Hp - ph, pw : Wp - pw, :].transpose(3, 0, 1, 2)  # (N, C, H, W) view

    def backward_params(self, dy: np.ndarray) -> None:
        """Fill ``grads`` only, without dL/dx: for a first layer, whose input needs no gradient."""
        self._backward(dy, need_dx=False)

    def _backward(self, dy: np.ndarray, need_dx: bool) -> np.ndarray | None:
        """[dW | db] = dy [cols; 1]^T and, if asked, dx = col2im(W^T dy), one block of columns at a time."""
        xc, (N, Ho, Wo) = self._need_cache()
        F, C, (kh, kw), stride = self.out_channels, self.in_channels, self.kernel_size, self.stride
        dy = self._check_dy(dy, (N, F, Ho, Wo)).astype(self.dtype, copy=False)
        dy2 = to_chwn(dy).reshape(F, Ho * Wo * N)  # free when dy came from a layer here
        K = C * kh * kw
        dWbT = np.zeros((K + 1, F), dtype=self.dtype)  # [dW | db] transposed: the faster GEMM orientation
        dxc = np.zeros(xc.shape, dtype=self.dtype) if need_dx else None
        Wt = self.params["W"].reshape(F, K).T  # (K, F)
        plan = conv_plan(Ho, Wo, N, K)
        win, buf = windows(xc, kh, kw, *stride), self._buffer("cols", K + 1, plan, N)
        dbuf = self._buffer("dcols", K, plan, N) if need_dx else None
        for blk, ranges in plan:
            cols, dyb = self._unroll(win, blk, buf), dy2[:, blk.a * N : blk.b * N]  # (K+1, m), (F, m)
            dcols = rows_view(dbuf, K, dyb.shape[1]) if need_dx else None  # (K, m)
            for c0, c1 in ranges:
                dWbT += cols[:, c0:c1] @ dyb[:, c0:c1].T  # (K+1, F)
                if need_dx:
                    np.matmul(Wt, dyb[:, c0:c1], out=dcols[:, c0:c1])
            if need_dx:
                col2im_add(split(dcols, (C, kh, kw, blk.h1 - blk.h0, blk.w1 - blk.w0, N)), dxc, blk, *stride)
        self.grads["W"] = np.ascontiguousarray(dWbT[:K].T).reshape(F, C, kh, kw)
        self.grads["b"] = dWbT[K].copy()
        return dxc

    def _buffer(self, name: str, rows: int, plan: tuple, N: int) -> np.ndarray:
        """Flat work space for ``rows`` unrolled rows of the plan's largest block (``windows.scratch``)."""
        return scratch(name, rows * (max(blk.b - blk.a for blk, _ in plan) * N + 32), self.dtype)

    @staticmethod
    def _unroll(win: np.ndarray, blk: Block, buf: np.ndarray) -> np.ndarray:
        """im2col of one block into ``buf``: (K+1, m), windows as columns over a row of ones."""
        C, kh, kw, _, _, N = win.shape
        part = win[:, :, :, blk.h0 : blk.h1, blk.w0 : blk.w1]  # (C, kh, kw, rows, cols, N) view
        K, m = C * kh * kw, part[0, 0, 0].size
        cols = rows_view(buf, K + 1, m)
        np.copyto(split(cols[:K], part.shape), part)
        cols[K] = 1
        return cols
