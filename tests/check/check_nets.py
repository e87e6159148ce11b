"""Small networks written the way learners write them, each with its bugs behind a switch.

``bug=None`` is the correct twin; every other value plants one bug, labelled where it is
planted. Used by test_check_gallery.py (the gallery of docs/check.md).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(z):
    """Row-wise softmax of (N, K) scores, or of one (K,) vector."""
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_vjp(p, dp):
    """dL/dz from dL/dp through the whole softmax Jacobian."""
    return p * (dp - np.sum(p * dp, axis=-1, keepdims=True))


def data(seed, n=5, d=4, k=2):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    labels = np.arange(n) % k
    return X, np.eye(k)[labels]


# -- the question's style: one attribute per weight ----------------------------------------
SCALARS = ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2", "w9", "w10", "w11", "w12")


class ScalarNet:
    """4 inputs -> sigmoid h1, h2 -> two logits s1, s2 -> softmax, the question's network fixed.

    ``loss`` is "ce" (cross-entropy) or "mse" (mean squared error of the softmax output),
    both averaged over the batch. ``grads(X, Y)`` writes the chain rule out per weight.
    """

    def __init__(self, seed=0, bug=None, loss="ce"):
        rng = np.random.default_rng(seed)
        for name in SCALARS:
            setattr(self, name, float(rng.normal()))
        self.bug, self.kind = bug, loss

    def hidden(self, x):
        h1 = sigmoid(self.w1 * x[0] + self.w2 * x[1] + self.w3 * x[2] + self.w4 * x[3] + self.b1)
        h2 = sigmoid(self.w5 * x[0] + self.w6 * x[1] + self.w7 * x[2] + self.w8 * x[3] + self.b2)
        return h1, h2

    def scores(self, X):
        rows = []
        for x in X:
            h1, h2 = self.hidden(x)
            rows.append([self.w9 * h1 + self.w10 * h2, self.w11 * h1 + self.w12 * h2])
        return np.array(rows)

    def loss(self, X, Y):
        p = softmax(self.scores(X))
        if self.kind == "ce":
            return -np.mean(np.sum(Y * np.log(p), axis=1))
        return np.mean((p - Y) ** 2)

    def d_scores(self, p, y):
        """dL/ds for one sample (its share of the batch mean is taken by the caller)."""
        if self.kind == "ce":
            if self.bug == "softmax-diagonal":
                return (-y / p) * p * (1 - p)          # BUG: the Jacobian's diagonal only
            if self.bug == "factor":
                return 2 * (p - y)                     # BUG: a stray 2
            return p - y
        if self.bug == "wrong-loss-derivative":
            return p - y                               # BUG: cross-entropy's derivative, with MSE
        return softmax_vjp(p, 2 * (p - y) / len(y))

    def sample_grads(self, x, y):
        h1, h2 = self.hidden(x)
        ds1, ds2 = self.d_scores(softmax(np.array([self.w9 * h1 + self.w10 * h2, self.w11 * h1 + self.w12 * h2])), y)
        dh1, dh2 = ds1 * self.w9 + ds2 * self.w11, ds1 * self.w10 + ds2 * self.w12
        if self.bug == "partial-path":
            dh1, dh2 = ds1 * self.w9, ds2 * self.w12   # BUG: h1 hears only s1, h2 only s2
        if self.bug == "shape":
            dh1, dh2 = np.array([ds1 * self.w9, ds2 * self.w11]), np.array([ds1 * self.w10, ds2 * self.w12])
            # BUG: one value per output, never summed
        dz1, dz2 = dh1 * h1 * (1 - h1), dh2 * h2 * (1 - h2)
        g = {f"w{i + 1}": dz1 * x[i] for i in range(4)} | {f"w{i + 5}": dz2 * x[i] for i in range(4)}
        return g | {"b1": dz1, "b2": dz2, "w9": ds1 * h1, "w10": ds1 * h2, "w11": ds2 * h1, "w12": ds2 * h2}

    def grads(self, X, Y):
        per = [self.sample_grads(x, y) for x, y in zip(X, Y)]
        total = {k: sum(g[k] for g in per) for k in SCALARS}
        if self.bug == "batch-scale":
            return total                               # BUG: the sum, for a mean loss
        return {k: v / len(X) for k, v in total.items()}

    def train_step(self, X, Y, lr):
        g = self.grads(X, Y)
        for name in SCALARS:
            if self.bug == "zero-gradient" and name == "b1":
                continue                               # BUG: b1 is never updated
            if self.bug == "sign":
                setattr(self, name, getattr(self, name) + lr * g[name])   # BUG: uphill
            else:
                setattr(self, name, getattr(self, name) - lr * g[name])


# -- vectorized: a dense network -----------------------------------------------------------
def mlp_params(seed, d=4, h=3, k=3, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(0, 0.8, (d, h)).astype(dtype), "b1": rng.normal(0, 0.1, h).astype(dtype),
            "W2": rng.normal(0, 0.8, (h, k)).astype(dtype), "b2": rng.normal(0, 0.1, k).astype(dtype)}


def mlp_scores(P, X, dtype=np.float64):
    """x -> tanh(x W1 + b1) -> z = h W2 + b2. Shape (N, D) -> (N, K); dtype float32 casts everything."""
    c = {k: v.astype(dtype) for k, v in P.items()}
    h = np.tanh(X.astype(dtype) @ c["W1"] + c["b1"])
    return h @ c["W2"] + c["b2"], h


def mlp_loss(P, X, Y, kind="ce", dtype=np.float64):
    p = softmax(mlp_scores(P, X, dtype)[0])
    if kind == "ce":
        return -np.mean(np.sum(Y * np.log(p), axis=1))
    return np.mean((p - Y) ** 2)


def mlp_grads(P, X, Y, kind="ce", bug=None, dtype=np.float64):
    N, K = Y.shape
    z, h = mlp_scores(P, X, dtype)
    p = softmax(z)
    if kind == "ce":
        dz = (p - Y) / N
        if bug == "batch-scale":
            dz = p - Y                                   # BUG: no 1/N for the mean
        if bug == "sign":
            dz = (Y - p) / N                             # BUG: y - p
        if bug == "softmax-diagonal":
            dp = -Y / p / N
            dz = dp * p * (1 - p)                        # BUG: diagonal only
    else:
        dp = 2 * (p - Y) / (N * K)
        dz = softmax_vjp(p, dp)
        if bug == "wrong-loss-derivative":
            dz = (p - Y) / N                             # BUG: cross-entropy's p - y, with MSE
        if bug == "softmax-skipped":
            dz = dp                                      # BUG: no softmax derivative at all
    W2 = P["W2"].astype(dtype)
    dh = dz @ W2.T
    if bug == "partial-path":
        dh = dz[:, :1] @ W2[:, :1].T                     # BUG: only the first output's path
    dz1 = dh * (1 - h ** 2)
    g = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": h.T @ dz, "b2": dz.sum(axis=0)}
    if bug == "transposed":
        g["W1"] = dz1.T @ X                              # BUG: (H, D), not (D, H)
    if bug == "per-sample":
        g["b2"] = dz                                     # BUG: not summed over the batch
    if bug == "zero-gradient":
        g["b1"] = np.zeros_like(P["b1"])                 # BUG: forgotten
    return g


def mlp_step(P, X, Y, lr, bug=None):
    g = mlp_grads(P, X, Y)
    for k in P:
        if bug == "sign":
            P[k] += lr * g[k]                            # BUG: uphill
        else:
            P[k] -= lr * g[k]


# -- vectorized: a conv network, with max or average pooling -------------------------------
def conv_params(seed, f=2, k=2, pool=None):
    rng = np.random.default_rng(seed)
    flat = f * (4 if pool else 16)
    return {"Wc": rng.normal(0, 0.5, (f, 3, 3)), "bc": rng.normal(0, 0.1, f),
            "Wd": rng.normal(0, 0.5, (flat, k)), "bd": rng.normal(0, 0.1, k)}


def conv_data(seed, n=5, k=2):
    rng = np.random.default_rng(seed)
    return rng.random((n, 6, 6)), np.eye(k)[np.arange(n) % k]


def conv_forward(P, X, pool=None):
    """6x6 image -> 3x3 valid conv (F filters) -> tanh -> [2x2 max/avg pool] -> dense -> logits."""
    win = sliding_window_view(X, (3, 3), axis=(1, 2))                   # (N, 4, 4, 3, 3)
    a = np.tanh(np.einsum("nijab,fab->nfij", win, P["Wc"]) + P["bc"][None, :, None, None])   # (N, F, 4, 4)
    N, F = a.shape[:2]
    blocks = a.reshape(N, F, 2, 2, 2, 2)                                 # (N, F, i, di, j, dj)
    if pool == "max":
        pooled = blocks.max(axis=(3, 5))
    elif pool == "avg":
        pooled = blocks.mean(axis=(3, 5))
    else:
        pooled = a
    z = pooled.reshape(N, -1) @ P["Wd"] + P["bd"]
    return z, (win, a, blocks, pooled)


def conv_loss(P, X, Y, pool=None):
    p = softmax(conv_forward(P, X, pool)[0])
    return -np.mean(np.sum(Y * np.log(p), axis=1))


def conv_grads(P, X, Y, pool=None, bug=None):
    N = len(X)
    z, (win, a, blocks, pooled) = conv_forward(P, X, pool)
    dz = (softmax(z) - Y) / N
    g = {"Wd": pooled.reshape(N, -1).T @ dz, "bd": dz.sum(axis=0)}
    dpooled = (dz @ P["Wd"].T).reshape(pooled.shape)
    if pool == "max":
        mask = blocks == pooled[:, :, :, None, :, None]
        dblocks = mask * dpooled[:, :, :, None, :, None]
        if bug == "pool-factor":
            dblocks = dblocks / 4                        # BUG: averaged, as for average pooling
        da = dblocks.reshape(a.shape)
    elif pool == "avg":
        dblocks = np.broadcast_to(dpooled[:, :, :, None, :, None] / 4, blocks.shape)
        if bug == "pool-factor":
            dblocks = dblocks * 4                        # BUG: the 1/4 of the mean forgotten
        da = dblocks.reshape(a.shape)
    else:
        da = dpooled
    dc = da * (1 - a ** 2)                                                # (N, F, 4, 4)
    g["Wc"] = np.einsum("nfij,nijab->fab", dc, win)
    g["bc"] = dc.sum(axis=(0, 2, 3))
    if bug == "conv-mean":
        g["Wc"] = g["Wc"] / 16                           # BUG: a mean over the 16 positions
    if bug == "zero-gradient":
        g["bc"] = np.zeros_like(P["bc"])                 # BUG: forgotten
    return g


# -- a wider ReLU network, where a step of h crosses kinks (ReLU at 0) -------------------
def relu_net(seed, dtype=np.float64, n=32, d=10, h=64, k=5):
    """(params, loss(p), grads(p, bug), scores(p), Y) of x -> relu(x W1 + b1) W2 + b2 -> softmax
    cross-entropy; with dtype float32 every product is cast to float32, as float32 code is."""
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(n, d)), np.eye(k)[rng.integers(0, k, n)]
    P = {"W1": (rng.normal(size=(d, h)) * 0.3).astype(dtype), "b1": np.zeros(h, dtype),
         "W2": (rng.normal(size=(h, k)) * 0.3).astype(dtype), "b2": np.zeros(k, dtype)}

    def forward(p):
        W1, b1, W2, b2 = (p[key].astype(dtype) for key in ("W1", "b1", "W2", "b2"))
        z1 = X.astype(dtype) @ W1 + b1
        a = np.maximum(z1, 0)
        return z1, a, a @ W2 + b2

    def loss(p):
        z = forward(p)[2]
        z = z - z.max(axis=1, keepdims=True)
        return -np.mean(np.sum(Y * (z - np.log(np.exp(z).sum(axis=1, keepdims=True))), axis=1))

    def grads(p, bug=None):
        z1, a, z = forward(p)
        dz = (softmax(z) - Y) / n
        if bug == "batch-scale":
            dz = dz * n                                  # BUG: no 1/N
        dz1 = (dz @ p["W2"].astype(dtype).T) * (z1 > 0)
        return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": a.T @ dz, "b2": dz.sum(axis=0)}

    return P, loss, grads, lambda p: forward(p)[2], Y
