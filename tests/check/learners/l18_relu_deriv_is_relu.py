"""NumPy, 3 -> 5 ReLU -> 1 linear output, MSE regression, batch of 10.

BUG: the ReLU's derivative is written as the ReLU itself, np.maximum(z1, 0), not (z1 > 0).
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(18)
X = rng.normal(size=(10, 3))
y = rng.normal(size=(10, 1))
params = {"W1": rng.normal(0, 1, (3, 5)), "b1": np.full(5, 0.2), "W2": rng.normal(0, 1, (5, 1)), "b2": np.zeros(1)}


def relu(z):
    return np.maximum(z, 0)


def relu_deriv(z):
    return (z > 0).astype(float) if FIXED else np.maximum(z, 0)    # BUG: relu, not its derivative


def loss_fn():
    return np.mean((relu(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"] - y) ** 2)


def grads():
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    dout = 2 * (a1 @ params["W2"] + params["b2"] - y) / len(X)
    dz1 = dout @ params["W2"].T * relu_deriv(z1)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": a1.T @ dout, "b2": dout.sum(axis=0)}
