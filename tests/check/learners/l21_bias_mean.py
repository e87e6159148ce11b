"""NumPy, 4 -> 3 tanh -> 2 softmax, cross-entropy, with a step function.

BUG: the bias gradients take the mean over the batch of dz, which is already divided by N.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(21)
X = rng.random((5, 4))
y = np.eye(2)[[1, 0, 1, 0, 0]]
W1, b1 = rng.normal(0, 1, (4, 3)), rng.normal(0, 0.1, 3)
W2, b2 = rng.normal(0, 1, (3, 2)), rng.normal(0, 0.1, 2)
params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
lr = 0.2


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def loss_fn():
    return -np.mean(np.sum(y * np.log(softmax(np.tanh(X @ W1 + b1) @ W2 + b2)), axis=1))


def step():
    global W1, b1, W2, b2
    h = np.tanh(X @ W1 + b1)
    dz2 = (softmax(h @ W2 + b2) - y) / len(X)
    dz1 = dz2 @ W2.T * (1 - h ** 2)
    reduce = np.sum if FIXED else np.mean               # BUG: a mean of what is already a mean
    dW1, db1, dW2, db2 = X.T @ dz1, reduce(dz1, axis=0), h.T @ dz2, reduce(dz2, axis=0)
    W1 -= lr * dW1
    b1 -= lr * db1
    W2 -= lr * dW2
    b2 -= lr * db2
