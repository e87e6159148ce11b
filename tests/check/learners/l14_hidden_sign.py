"""Plain Python lists and loops, 3 inputs -> 2 tanh units -> 1 linear output, MSE, one weight list per layer.

BUG: tanh' written as h**2 - 1 instead of 1 - h**2: the hidden layer's gradients flip sign.
"""
import math
import sys

FIXED = "--fixed" in sys.argv[1:]
X = [[0.2, 0.7, -0.1], [0.9, -0.4, 0.3], [-0.5, 0.1, 0.8]]
y = [0.5, -0.2, 0.9]


class Model:
    def __init__(self):
        self.u1, self.u2, self.u3 = 0.3, -0.8, 0.5        # weights into h1
        self.k1, self.k2, self.k3 = -0.4, 0.6, 0.2        # weights into h2
        self.a, self.b = 1.2, -0.7                       # output weights
        self.bias = 0.05

    def hid(self, x):
        h1 = math.tanh(self.u1 * x[0] + self.u2 * x[1] + self.u3 * x[2])
        h2 = math.tanh(self.k1 * x[0] + self.k2 * x[1] + self.k3 * x[2])
        return h1, h2

    def predict(self, x):
        h1, h2 = self.hid(x)
        return self.a * h1 + self.b * h2 + self.bias


model = Model()
params = model


def loss_fn():
    return sum((model.predict(x) - t) ** 2 for x, t in zip(X, y)) / len(X)


def grads():
    g = {n: 0.0 for n in ("u1", "u2", "u3", "k1", "k2", "k3", "a", "b", "bias")}
    for x, t in zip(X, y):
        h1, h2 = model.hid(x)
        e = 2 * (model.predict(x) - t) / len(X)
        g["a"] += e * h1
        g["b"] += e * h2
        g["bias"] += e
        d1 = (1 - h1 * h1) if FIXED else (h1 * h1 - 1)   # BUG: the sign of tanh'
        d2 = (1 - h2 * h2) if FIXED else (h2 * h2 - 1)
        for i, name in enumerate(("u1", "u2", "u3")):
            g[name] += e * model.a * d1 * x[i]
        for i, name in enumerate(("k1", "k2", "k3")):
            g[name] += e * model.b * d2 * x[i]
    return g
