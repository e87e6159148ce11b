"""Conv by hand with loops: 6x6 letters, one 3x3 kernel, sigmoid, 2x2 max pooling -> 2x2,
then 4 -> 2 softmax, cross-entropy (the question's front end, trained).

BUG: max pooling's backward sends the gradient to all four elements of each window, not
only to the max.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(10)
X = rng.random((4, 6, 6))
y = np.eye(2)[[0, 1, 0, 1]]
K = rng.normal(0, 0.5, (3, 3))
bK = np.array(0.1)
W = rng.normal(0, 1, (4, 2))
b = np.zeros(2)
params = {"K": K, "bK": bK, "W": W, "b": b}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def conv(img):
    out = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            out[i, j] = np.sum(img[i:i + 3, j:j + 3] * K) + bK
    return out


def pool(a):
    out = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            out[i, j] = a[2 * i:2 * i + 2, 2 * j:2 * j + 2].max()
    return out


def forward(X):
    feats = np.array([pool(sigmoid(conv(img))).ravel() for img in X])
    return softmax(feats @ W + b)


def loss_fn():
    return -np.mean(np.sum(y * np.log(forward(X)), axis=1))


def grads():
    g = {"K": np.zeros_like(K), "bK": np.zeros_like(bK), "W": np.zeros_like(W), "b": np.zeros_like(b)}
    for img, t in zip(X, y):
        a = sigmoid(conv(img))
        f = pool(a).ravel()
        p = softmax((f @ W + b)[None])[0]
        dz = (p - t) / len(X)
        g["W"] += np.outer(f, dz)
        g["b"] += dz
        dpool = (W @ dz).reshape(2, 2)
        da = np.zeros((4, 4))
        for i in range(2):
            for j in range(2):
                win = a[2 * i:2 * i + 2, 2 * j:2 * j + 2]
                if FIXED:
                    mask = win == win.max()
                else:
                    mask = np.ones_like(win)             # BUG: every element gets the gradient
                da[2 * i:2 * i + 2, 2 * j:2 * j + 2] = mask * dpool[i, j]
        dc = da * a * (1 - a)
        for i in range(4):
            for j in range(4):
                g["K"] += dc[i, j] * img[i:i + 3, j:j + 3]
        g["bK"] += dc.sum()
    return g
