"""NumPy: 4 -> 5 sigmoid -> 3 softmax, cross-entropy averaged over the batch.

BUG: sigmoid'(a) = a (1 - a) is applied to the pre-activation z1, not to the activation a1.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(1)
X = rng.normal(size=(8, 4))
labels = np.array([0, 1, 2, 0, 1, 2, 0, 1])
y = np.eye(3)[labels]
params = {"W1": rng.normal(0, 0.5, (4, 5)), "b1": np.zeros(5),
          "W2": rng.normal(0, 0.5, (5, 3)), "b2": np.zeros(3)}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_deriv(a):
    return a * (1 - a)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(X):
    z1 = X @ params["W1"] + params["b1"]
    a1 = sigmoid(z1)
    return softmax(a1 @ params["W2"] + params["b2"])


def loss_fn():
    return -np.mean(np.sum(y * np.log(forward(X)), axis=1))


def grads():
    z1 = X @ params["W1"] + params["b1"]
    a1 = sigmoid(z1)
    p = softmax(a1 @ params["W2"] + params["b2"])
    dz2 = (p - y) / len(X)
    da1 = dz2 @ params["W2"].T
    dz1 = da1 * sigmoid_deriv(a1 if FIXED else z1)     # BUG: the derivative's formula fed z1
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": a1.T @ dz2, "b2": dz2.sum(axis=0)}
