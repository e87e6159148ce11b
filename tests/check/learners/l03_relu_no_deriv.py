"""NumPy, ReLU hidden layer, softmax + cross-entropy, no biases on the hidden layer.

BUG: the ReLU's derivative is forgotten: dz1 = da1 (the gradient flows into units that were off).
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(2)
X = rng.normal(size=(10, 3))
y = np.eye(2)[rng.integers(0, 2, 10)]
W1 = rng.normal(0, 1.0, (3, 6))
W2 = rng.normal(0, 1.0, (6, 2))
b2 = np.zeros(2)
params = {"W1": W1, "W2": W2, "b2": b2}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(X):
    return softmax(np.maximum(X @ W1, 0) @ W2 + b2)


def loss_fn():
    return -np.mean(np.sum(y * np.log(forward(X)), axis=1))


def grads():
    z1 = X @ W1
    a1 = np.maximum(z1, 0)
    p = softmax(a1 @ W2 + b2)
    dz2 = (p - y) / len(X)
    da1 = dz2 @ W2.T
    dz1 = da1 * (z1 > 0) if FIXED else da1          # BUG: no ReLU derivative
    return {"W1": X.T @ dz1, "W2": a1.T @ dz2, "b2": dz2.sum(axis=0)}
