"""A class with a train step: 3 -> 4 tanh -> 2 softmax, cross-entropy, mean over the batch.

BUG: W2 is updated in place before dh = dz @ W2.T is computed, so the hidden layer's
gradient uses the new W2 (stale-weights, the order of the updates).
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class TwoLayer:
    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        self.W1 = rng.normal(0, 1, (3, 4))
        self.b1 = np.zeros(4)
        self.W2 = rng.normal(0, 1, (4, 2))
        self.b2 = np.zeros(2)

    def forward(self, X):
        self.X = X
        self.h = np.tanh(X @ self.W1 + self.b1)
        self.p = softmax(self.h @ self.W2 + self.b2)
        return self.p

    def train_step(self, X, Y, lr):
        p = self.forward(X)
        dz = (p - Y) / len(X)
        dW2, db2 = self.h.T @ dz, dz.sum(axis=0)
        if not FIXED:
            self.W2 -= lr * dW2                      # BUG: updated before dh needs the old W2
            self.b2 -= lr * db2
        dh = dz @ self.W2.T
        da = dh * (1 - self.h ** 2)
        self.W1 -= lr * (X.T @ da)
        self.b1 -= lr * da.sum(axis=0)
        if FIXED:
            self.W2 -= lr * dW2
            self.b2 -= lr * db2


net = TwoLayer()
rng = np.random.default_rng(5)
X = rng.normal(size=(6, 3))
y = np.eye(2)[[0, 1, 1, 0, 1, 0]]
params = net
lr = 0.5


def loss_fn():
    return -np.mean(np.sum(y * np.log(net.forward(X)), axis=1))


def step():
    net.train_step(X, y, lr)


def forward(X):
    return net.forward(X)
