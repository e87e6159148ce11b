"""NumPy SGD step, 2 -> 3 sigmoid -> 1 sigmoid output, binary cross-entropy, mean.

BUG: the learning rate is applied twice: the gradients are already multiplied by lr
when the update multiplies by lr again.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(6)
X = rng.normal(size=(8, 2))
y = (X[:, :1] * X[:, 1:] > 0).astype(float)          # (N, 1)
W1, b1 = rng.normal(0, 1, (2, 3)), np.zeros(3)
W2, b2 = rng.normal(0, 1, (3, 1)), np.zeros(1)
params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
lr = 0.3


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(X):
    return sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2)


def loss_fn():
    p = forward(X)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def step():
    h = sigmoid(X @ W1 + b1)
    p = sigmoid(h @ W2 + b2)
    dz2 = (p - y) / len(X)
    dz1 = (dz2 @ W2.T) * h * (1 - h)
    scale = 1.0 if FIXED else lr                    # BUG: lr here and again below
    g = {"W1": scale * X.T @ dz1, "b1": scale * dz1.sum(axis=0),
         "W2": scale * h.T @ dz2, "b2": scale * dz2.sum(axis=0)}
    for k in params:
        params[k] -= lr * g[k]
