"""The question's style fixed to logits: 4 -> sigmoid h1, h2 -> o1, o2 -> softmax, cross-entropy,
one sample per step, the update written weight by weight.

BUG: the output weights w9 ... w12 are updated first, and then d_L_d_h1 and d_L_d_h2 are
computed with the new w9 ... w12 (stale weights).
"""
import sys

import numpy as np

FIXED = "--fixed" in sys.argv[1:]


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(v):
    e = np.exp(np.array(v) - np.max(v))
    return e / e.sum()


class OurNeuralNetwork:
    def __init__(self):
        rng = np.random.default_rng(19)
        for n in ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2", "w9", "w10", "w11", "w12"]:
            setattr(self, n, float(rng.normal()))

    def feedforward(self, x):
        h1 = sigmoid(self.w1 * x[0] + self.w2 * x[1] + self.w3 * x[2] + self.w4 * x[3] + self.b1)
        h2 = sigmoid(self.w5 * x[0] + self.w6 * x[1] + self.w7 * x[2] + self.w8 * x[3] + self.b2)
        return softmax([self.w9 * h1 + self.w10 * h2, self.w11 * h1 + self.w12 * h2])

    def train(self, x, y_true, learn_rate):
        h1 = sigmoid(self.w1 * x[0] + self.w2 * x[1] + self.w3 * x[2] + self.w4 * x[3] + self.b1)
        h2 = sigmoid(self.w5 * x[0] + self.w6 * x[1] + self.w7 * x[2] + self.w8 * x[3] + self.b2)
        y_pred = softmax([self.w9 * h1 + self.w10 * h2, self.w11 * h1 + self.w12 * h2])
        d_L_d_o1, d_L_d_o2 = y_pred - y_true
        if not FIXED:
            self.w9 -= learn_rate * d_L_d_o1 * h1        # BUG: before d_L_d_h1 reads w9
            self.w10 -= learn_rate * d_L_d_o1 * h2
            self.w11 -= learn_rate * d_L_d_o2 * h1
            self.w12 -= learn_rate * d_L_d_o2 * h2
        d_L_d_h1 = d_L_d_o1 * self.w9 + d_L_d_o2 * self.w11
        d_L_d_h2 = d_L_d_o1 * self.w10 + d_L_d_o2 * self.w12
        d1, d2 = d_L_d_h1 * h1 * (1 - h1), d_L_d_h2 * h2 * (1 - h2)
        self.w1 -= learn_rate * d1 * x[0]
        self.w2 -= learn_rate * d1 * x[1]
        self.w3 -= learn_rate * d1 * x[2]
        self.w4 -= learn_rate * d1 * x[3]
        self.b1 -= learn_rate * d1
        self.w5 -= learn_rate * d2 * x[0]
        self.w6 -= learn_rate * d2 * x[1]
        self.w7 -= learn_rate * d2 * x[2]
        self.w8 -= learn_rate * d2 * x[3]
        self.b2 -= learn_rate * d2
        if FIXED:
            self.w9 -= learn_rate * d_L_d_o1 * h1
            self.w10 -= learn_rate * d_L_d_o1 * h2
            self.w11 -= learn_rate * d_L_d_o2 * h1
            self.w12 -= learn_rate * d_L_d_o2 * h2


network = OurNeuralNetwork()
params = network
X = np.array([[0.46931818, 0.44129729, 0.54988949, 0.54295118]])   # the letter O, pooled
y = np.array([[1.0, 0.0]])                                            # one-hot: o1 is O
lr = 0.5


def loss_fn():
    return -np.log(network.feedforward(X[0])[0])


def step():
    network.train(X[0], y[0], lr)


def forward(X):
    return np.apply_along_axis(network.feedforward, 1, X)
