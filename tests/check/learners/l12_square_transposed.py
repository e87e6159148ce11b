"""NumPy, 3 -> 3 tanh -> 3 softmax (square W2), cross-entropy, mean over the batch.

BUG: dW2 = dz.T @ h, the transpose of h.T @ dz; W2 is square, so the shape still fits.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(13)
X = rng.normal(size=(7, 3))
y = np.eye(3)[[0, 1, 2, 2, 1, 0, 1]]
params = {"W1": rng.normal(0, 1, (3, 3)), "b1": np.zeros(3), "W2": rng.normal(0, 1, (3, 3)), "b2": np.zeros(3)}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(X):
    return softmax(np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"])


def loss_fn():
    return -np.mean(np.sum(y * np.log(forward(X)), axis=1))


def grads():
    h = np.tanh(X @ params["W1"] + params["b1"])
    dz = (softmax(h @ params["W2"] + params["b2"]) - y) / len(X)
    dh = dz @ params["W2"].T * (1 - h ** 2)
    dW2 = h.T @ dz if FIXED else dz.T @ h                # BUG: factors swapped
    return {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": dW2, "b2": dz.sum(axis=0)}
