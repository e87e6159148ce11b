"""NumPy, 5 -> 4 ReLU -> 3 softmax, cross-entropy, mean over the batch.

BUG: 1/N counted twice: dz is already divided by N, and the weight gradients divide again
(the biases do not).
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(14)
X = rng.normal(size=(6, 5))
y = np.eye(3)[[2, 1, 0, 0, 1, 2]]
params = {"W1": rng.normal(0, 1, (5, 4)), "b1": np.full(4, 0.1), "W2": rng.normal(0, 1, (4, 3)), "b2": np.zeros(3)}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(X):
    return softmax(np.maximum(X @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"])


def loss_fn():
    return -np.mean(np.sum(y * np.log(forward(X)), axis=1))


def grads():
    N = len(X)
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0)
    dz2 = (softmax(a1 @ params["W2"] + params["b2"]) - y) / N
    dz1 = dz2 @ params["W2"].T * (z1 > 0)
    d = 1 if FIXED else N                                # BUG: a second 1/N
    return {"W1": X.T @ dz1 / d, "b1": dz1.sum(axis=0), "W2": a1.T @ dz2 / d, "b2": dz2.sum(axis=0)}
