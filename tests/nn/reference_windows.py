"""Slow, loop-based definitions of Conv2D, MaxPool2D and AvgPool2D: the math, one window at a time.

These are the definitions that the fast layers (im2col, batch-innermost slices, blocked
GEMMs) must equal; tests/nn/test_windows_reference.py holds them to it. Nothing here is
vectorized on purpose: every output element is one explicit sum or max over its window,
and every gradient element is accumulated the way the chain rule says.
"""

from __future__ import annotations

import numpy as np


def conv2d(x, W, b, stride, padding):
    """y[n, f, h, w] = b[f] + sum_{c, i, j} W[f, c, i, j] * x_pad[n, c, sh*h + i, sw*w + j]."""
    N, C, H, Wd = x.shape
    F, _, kh, kw = W.shape
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (Wd + 2 * pw - kw) // sw + 1
    y = np.zeros((N, F, Ho, Wo), dtype=np.float64)
    for n in range(N):
        for f in range(F):
            for h in range(Ho):
                for w in range(Wo):
                    total = b[f]
                    for c in range(C):
                        for i in range(kh):
                            for j in range(kw):
                                total += W[f, c, i, j] * xp[n, c, sh * h + i, sw * w + j]
                    y[n, f, h, w] = total
    return y


def conv2d_backward(x, W, dy, stride, padding):
    """(dx, dW, db): each y[n, f, h, w] passes dy times W back to the pixel it read, and times x to W."""
    N, C, H, Wd = x.shape
    F, _, kh, kw = W.shape
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))).astype(np.float64)
    dxp, dW, db = np.zeros_like(xp), np.zeros(W.shape), np.zeros(F)
    for n in range(N):
        for f in range(F):
            for h in range(dy.shape[2]):
                for w in range(dy.shape[3]):
                    g = dy[n, f, h, w]
                    db[f] += g
                    for c in range(C):
                        for i in range(kh):
                            for j in range(kw):
                                dW[f, c, i, j] += g * xp[n, c, sh * h + i, sw * w + j]
                                dxp[n, c, sh * h + i, sw * w + j] += g * W[f, c, i, j]
    return dxp[:, :, ph : ph + H, pw : pw + Wd], dW, db


def pool2d(x, kernel, stride, kind):
    """y[n, c, h, w] = max (or mean) of x[n, c, sh*h : sh*h + kh, sw*w : sw*w + kw]."""
    N, C, H, Wd = x.shape
    (kh, kw), (sh, sw) = kernel, stride
    Ho, Wo = (H - kh) // sh + 1, (Wd - kw) // sw + 1
    y = np.zeros((N, C, Ho, Wo), dtype=np.float64)
    for n in range(N):
        for c in range(C):
            for h in range(Ho):
                for w in range(Wo):
                    window = [x[n, c, sh * h + i, sw * w + j] for i in range(kh) for j in range(kw)]
                    y[n, c, h, w] = max(window) if kind == "max" else sum(window) / (kh * kw)
    return y


def pool2d_backward(x, dy, kernel, stride, kind):
    """dx: max sends each dy to the first maximum of its window (row-major, as PyTorch); mean spreads it evenly."""
    N, C, H, Wd = x.shape
    (kh, kw), (sh, sw) = kernel, stride
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for h in range(dy.shape[2]):
                for w in range(dy.shape[3]):
                    cells = [(sh * h + i, sw * w + j) for i in range(kh) for j in range(kw)]
                    if kind == "max":
                        values = [x[n, c, r, s] for r, s in cells]
                        r, s = cells[values.index(max(values))]
                        dx[n, c, r, s] += dy[n, c, h, w]
                    else:
                        for r, s in cells:
                            dx[n, c, r, s] += dy[n, c, h, w] / (kh * kw)
    return dx
