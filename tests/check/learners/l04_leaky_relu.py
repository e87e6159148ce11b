"""NumPy, leaky ReLU (slope 0.1 below 0) hidden layer, linear outputs, MSE (regression).

BUG: the derivative below 0 is taken as 0, the plain ReLU's, not 0.1.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
ALPHA = 0.1
rng = np.random.default_rng(3)
X = rng.normal(size=(12, 3))
y = rng.normal(size=(12, 2))
params = {"W1": rng.normal(0, 1, (3, 8)), "b1": rng.normal(0, 0.1, 8),
          "W2": rng.normal(0, 1, (8, 2)), "b2": np.zeros(2)}


def leaky(z):
    return np.where(z > 0, z, ALPHA * z)


def forward(X):
    return leaky(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]


def loss_fn():
    return np.mean((forward(X) - y) ** 2)


def grads():
    z1 = X @ params["W1"] + params["b1"]
    a1 = leaky(z1)
    out = a1 @ params["W2"] + params["b2"]
    dout = 2 * (out - y) / out.size
    da1 = dout @ params["W2"].T
    slope = np.where(z1 > 0, 1.0, ALPHA if FIXED else 0.0)   # BUG: 0 where 0.1 belongs
    dz1 = da1 * slope
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": a1.T @ dout, "b2": dout.sum(axis=0)}
