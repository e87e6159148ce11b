"""Dense layer objects with a train step, 3 -> 4 sigmoid -> 2 softmax, cross-entropy.

BUG: Dense.backward adds its gradients into self.dW and self.db (+=) and nothing ever
sets them back to zero, so each step applies the sum of every step's gradients so far.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]


class Dense:
    def __init__(self, n_in, n_out, rng):
        self.W, self.b = rng.normal(0, 1, (n_in, n_out)), np.zeros(n_out)
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, d):
        if FIXED:
            self.dW, self.db = self.x.T @ d, d.sum(axis=0)
        else:
            self.dW += self.x.T @ d                       # BUG: never zeroed
            self.db += d.sum(axis=0)
        return d @ self.W.T

    def update(self, lr):
        self.W -= lr * self.dW
        self.b -= lr * self.db


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


rng = np.random.default_rng(22)
l1, l2 = Dense(3, 4, rng), Dense(4, 2, rng)
X = rng.normal(size=(6, 3))
y = np.eye(2)[[0, 0, 1, 1, 0, 1]]
params = {"W1": l1.W, "b1": l1.b, "W2": l2.W, "b2": l2.b}
lr = 0.1


def forward(X):
    return softmax(l2.forward(sigmoid(l1.forward(X))))


def loss_fn():
    return -np.mean(np.sum(y * np.log(forward(X)), axis=1))


def step():
    h = sigmoid(l1.forward(X))
    p = softmax(l2.forward(h))
    dh = l2.backward((p - y) / len(X))
    l1.backward(dh * h * (1 - h))
    l2.update(lr)
    l1.update(lr)
