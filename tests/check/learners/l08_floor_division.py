"""NumPy, 4 -> 3 sigmoid -> 2 softmax, squared error averaged over every output.

BUG: floor division (//) where a true division belongs in dL/dp: 2 * (p - y) // K.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(9)
X = rng.random((6, 4))
y = np.eye(2)[[0, 1, 0, 1, 0, 1]]
params = {"W1": rng.normal(0, 1, (4, 3)), "b1": np.zeros(3), "W2": rng.normal(0, 1, (3, 2)), "b2": np.zeros(2)}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(X):
    return softmax(sigmoid(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"])


def loss_fn():
    return np.mean((forward(X) - y) ** 2)


def grads():
    N, K = y.shape
    h = sigmoid(X @ params["W1"] + params["b1"])
    p = softmax(h @ params["W2"] + params["b2"])
    dp = 2 * (p - y) / (N * K) if FIXED else 2 * (p - y) // (N * K)   # BUG: // floors
    dz = p * (dp - np.sum(p * dp, axis=1, keepdims=True))
    dh = dz @ params["W2"].T * h * (1 - h)
    return {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": h.T @ dz, "b2": dz.sum(axis=0)}
