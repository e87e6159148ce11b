"""NumPy, a logistic unit on top of a tanh layer: 3 -> 4 tanh -> 1 sigmoid, binary cross-entropy.

BUG: dL/dz is the squared error's 2 (p - y) p (1 - p) / N, while the loss is binary cross-entropy.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(12)
X = rng.normal(size=(10, 3))
y = (X.sum(axis=1, keepdims=True) > 0).astype(float)
params = {"W1": rng.normal(0, 1, (3, 4)), "b1": np.zeros(4), "w2": rng.normal(0, 1, (4, 1)), "b2": np.zeros(1)}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(X):
    return sigmoid(np.tanh(X @ params["W1"] + params["b1"]) @ params["w2"] + params["b2"])


def loss_fn():
    p = forward(X)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def grads():
    h = np.tanh(X @ params["W1"] + params["b1"])
    p = sigmoid(h @ params["w2"] + params["b2"])
    if FIXED:
        dz = (p - y) / len(X)
    else:
        dz = 2 * (p - y) * p * (1 - p) / len(X)          # BUG: the squared error's derivative
    dh = (dz @ params["w2"].T) * (1 - h ** 2)
    return {"W1": X.T @ dh, "b1": dh.sum(axis=0), "w2": h.T @ dz, "b2": dz.sum(axis=0)}
