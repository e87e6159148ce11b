"""Conv by hand with loops: 6x6 inputs, two 3x3 filters, ReLU, flatten 2*4*4 -> 3 softmax, CE.

BUG: the kernel gradient's loop stops one position short: range(H - 3) where
range(H - 3 + 1) belongs, so the last row and column of positions are left out.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(11)
X = rng.random((5, 6, 6))
y = np.eye(3)[[0, 1, 2, 0, 1]]
params = {"F": rng.normal(0, 0.5, (2, 3, 3)), "c": np.full(2, 0.1),
          "W": rng.normal(0, 0.3, (32, 3)), "b": np.zeros(3)}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def conv(img, F, c):
    H = img.shape[0]
    out = np.zeros((len(F), H - 2, H - 2))
    for f in range(len(F)):
        for i in range(H - 3 + 1):
            for j in range(H - 3 + 1):
                out[f, i, j] = np.sum(img[i:i + 3, j:j + 3] * F[f]) + c[f]
    return out


def forward(X):
    A = np.array([np.maximum(conv(img, params["F"], params["c"]), 0).ravel() for img in X])
    return softmax(A @ params["W"] + params["b"])


def loss_fn():
    return -np.mean(np.sum(y * np.log(forward(X)), axis=1))


def grads():
    F, W = params["F"], params["W"]
    g = {k: np.zeros_like(v) for k, v in params.items()}
    stop = 6 - 3 + 1 if FIXED else 6 - 3             # BUG: off by one
    for img, t in zip(X, y):
        s = conv(img, F, params["c"])
        a = np.maximum(s, 0)
        p = softmax((a.ravel() @ W + params["b"])[None])[0]
        dz = (p - t) / len(X)
        g["W"] += np.outer(a.ravel(), dz)
        g["b"] += dz
        ds = (W @ dz).reshape(s.shape) * (s > 0)
        for f in range(len(F)):
            for i in range(stop):
                for j in range(stop):
                    g["F"][f] += ds[f, i, j] * img[i:i + 3, j:j + 3]
            g["c"][f] += ds[f].sum()
    return g
