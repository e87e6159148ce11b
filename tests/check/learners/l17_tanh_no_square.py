"""NumPy, 4 -> 6 tanh -> 2 softmax, cross-entropy, with a step function and lr.

BUG: tanh' written as 1 - h (the square forgotten).
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]
rng = np.random.default_rng(17)
X = rng.random((8, 4))
y = np.eye(2)[[0, 1] * 4]
params = {"W1": rng.normal(0, 1, (4, 6)), "b1": np.zeros(6), "W2": rng.normal(0, 1, (6, 2)), "b2": np.zeros(2)}
lr = 0.1


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(X):
    return softmax(np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"])


def loss_fn():
    return -np.mean(np.sum(y * np.log(forward(X)), axis=1))


def step():
    h = np.tanh(X @ params["W1"] + params["b1"])
    dz = (softmax(h @ params["W2"] + params["b2"]) - y) / len(X)
    dh = dz @ params["W2"].T
    dz1 = dh * (1 - h ** 2) if FIXED else dh * (1 - h)   # BUG: not squared
    params["W2"] -= lr * h.T @ dz
    params["b2"] -= lr * dz.sum(axis=0)
    params["W1"] -= lr * X.T @ dz1
    params["b1"] -= lr * dz1.sum(axis=0)
