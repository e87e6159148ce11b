"""NumPy linear softmax classifier (no hidden layer), the loss a SUM over the batch.

BUG: the gradient divides by N as if the loss were a mean.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(15)
X = rng.normal(size=(9, 4))
y = np.eye(3)[rng.integers(0, 3, 9)]
params = {"W": rng.normal(0, 0.5, (4, 3)), "b": np.zeros(3)}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def loss_fn():
    return -np.sum(y * np.log(softmax(X @ params["W"] + params["b"])))


def grads():
    dz = softmax(X @ params["W"] + params["b"]) - y
    if not FIXED:
        dz = dz / len(X)                                 # BUG: the loss sums, it does not average
    return {"W": X.T @ dz, "b": dz.sum(axis=0)}
