"""Layer classes with forward/backward, Dense -> Sigmoid -> Dense -> Softmax, MSE, 3 classes.

BUG: Softmax.backward multiplies by its Jacobian's diagonal s (1 - s) only.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]


class Dense:
    def __init__(self, n_in, n_out, rng):
        self.W = rng.normal(0, 1, (n_in, n_out))
        self.b = np.zeros(n_out)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, d):
        self.dW, self.db = self.x.T @ d, d.sum(axis=0)
        return d @ self.W.T


class Sigmoid:
    def forward(self, x):
        self.s = 1 / (1 + np.exp(-x))
        return self.s

    def backward(self, d):
        return d * self.s * (1 - self.s)


class Softmax:
    def forward(self, x):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.s = e / e.sum(axis=1, keepdims=True)
        return self.s

    def backward(self, d):
        if FIXED:
            return self.s * (d - np.sum(d * self.s, axis=1, keepdims=True))
        return d * self.s * (1 - self.s)                # BUG: the diagonal only


rng = np.random.default_rng(20)
d1, d2 = Dense(4, 5, rng), Dense(5, 3, rng)
layers = [d1, Sigmoid(), d2, Softmax()]
X = rng.random((6, 4))
y = np.eye(3)[[0, 1, 2, 0, 1, 2]]
params = {"W1": d1.W, "b1": d1.b, "W2": d2.W, "b2": d2.b}


def forward(X):
    for layer in layers:
        X = layer.forward(X)
    return X


def loss_fn():
    return np.mean((forward(X) - y) ** 2)


def grads():
    d = 2 * (forward(X) - y) / y.size
    for layer in reversed(layers):
        d = layer.backward(d)
    return {"W1": d1.dW, "b1": d1.db, "W2": d2.dW, "b2": d2.db}
