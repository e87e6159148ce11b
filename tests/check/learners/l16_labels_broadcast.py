"""NumPy, 2 -> 4 tanh -> 1 sigmoid, squared error, labels kept as a flat array y (N,).

BUG: the loss subtracts y (N,) from the output (N, 1): NumPy broadcasts that to an (N, N)
table of every output against every label, so the loss is not the one the gradient is for.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(16)
X = rng.normal(size=(6, 2))
y = np.array([0, 1, 1, 0, 1, 0], dtype=float)
params = {"W1": rng.normal(0, 1, (2, 4)), "b1": np.zeros(4), "W2": rng.normal(0, 1, (4, 1)), "b2": np.zeros(1)}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(X):
    return sigmoid(np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"])


def loss_fn():
    t = y.reshape(-1, 1) if FIXED else y                  # BUG: (N, 1) - (N,) is (N, N)
    return np.mean((forward(X) - t) ** 2)


def grads():
    h = np.tanh(X @ params["W1"] + params["b1"])
    p = sigmoid(h @ params["W2"] + params["b2"])
    dz = 2 * (p - y[:, None]) / len(X) * p * (1 - p)
    dh = dz @ params["W2"].T * (1 - h ** 2)
    return {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": h.T @ dz, "b2": dz.sum(axis=0)}
