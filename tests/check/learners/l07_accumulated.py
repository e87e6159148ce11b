"""A class that keeps its gradients in buffers, 4 -> 3 tanh -> 2 softmax, cross-entropy.

BUG: the gradient buffers are accumulated (+=) and never reset between steps.
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class Net:
    def __init__(self):
        rng = np.random.default_rng(7)
        self.W1, self.b1 = rng.normal(0, 1, (4, 3)), np.zeros(3)
        self.W2, self.b2 = rng.normal(0, 1, (3, 2)), np.zeros(2)
        self.dW1, self.db1 = np.zeros_like(self.W1), np.zeros_like(self.b1)
        self.dW2, self.db2 = np.zeros_like(self.W2), np.zeros_like(self.b2)

    def forward(self, X):
        self.h = np.tanh(X @ self.W1 + self.b1)
        return softmax(self.h @ self.W2 + self.b2)

    def backward(self, X, Y):
        if FIXED:
            self.dW1[:] = 0; self.db1[:] = 0; self.dW2[:] = 0; self.db2[:] = 0
        p = self.forward(X)
        dz = (p - Y) / len(X)
        self.dW2 += self.h.T @ dz                     # BUG: += without zeroing first
        self.db2 += dz.sum(axis=0)
        da = (dz @ self.W2.T) * (1 - self.h ** 2)
        self.dW1 += X.T @ da
        self.db1 += da.sum(axis=0)


net = Net()
rng = np.random.default_rng(8)
X = rng.normal(size=(5, 4))
y = np.eye(2)[[0, 1, 0, 1, 1]]
params = {"W1": net.W1, "b1": net.b1, "W2": net.W2, "b2": net.b2}


def loss_fn():
    return -np.mean(np.sum(y * np.log(net.forward(X)), axis=1))


def grads():
    net.backward(X, y)
    return {"W1": net.dW1, "b1": net.db1, "W2": net.dW2, "b2": net.db2}
