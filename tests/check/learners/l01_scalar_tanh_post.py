"""Plain Python, one weight per attribute: 2 inputs -> 2 tanh hidden units -> 1 linear output, MSE.

BUG: the derivative of tanh is taken of the unit's output h, not of its input s:
1 - tanh(h)**2 where 1 - h**2 belongs.
"""
import math
import sys

FIXED = "--fixed" in sys.argv[1:]

data = [[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8], [0.2, 0.2]]
targets = [1.0, -0.5, 0.3, 0.0]


class Net:
    def __init__(self):
        self.w11, self.w12, self.w21, self.w22 = 0.4, -0.6, 0.9, 0.3
        self.c1, self.c2 = 0.1, -0.2
        self.v1, self.v2, self.d = 0.7, -1.1, 0.05

    def forward_one(self, x):
        s1 = self.w11 * x[0] + self.w12 * x[1] + self.c1
        s2 = self.w21 * x[0] + self.w22 * x[1] + self.c2
        h1, h2 = math.tanh(s1), math.tanh(s2)
        return s1, s2, h1, h2, self.v1 * h1 + self.v2 * h2 + self.d

    def loss(self):
        total = 0.0
        for x, t in zip(data, targets):
            out = self.forward_one(x)[-1]
            total += (out - t) ** 2
        return total / len(data)

    def gradients(self):
        g = dict.fromkeys(["w11", "w12", "w21", "w22", "c1", "c2", "v1", "v2", "d"], 0.0)
        for x, t in zip(data, targets):
            _, _, h1, h2, out = self.forward_one(x)
            dout = 2 * (out - t) / len(data)
            g["v1"] += dout * h1
            g["v2"] += dout * h2
            g["d"] += dout
            if FIXED:
                ds1 = dout * self.v1 * (1 - h1 ** 2)
                ds2 = dout * self.v2 * (1 - h2 ** 2)
            else:
                ds1 = dout * self.v1 * (1 - math.tanh(h1) ** 2)   # BUG: tanh' of the output
                ds2 = dout * self.v2 * (1 - math.tanh(h2) ** 2)
            g["w11"] += ds1 * x[0]
            g["w12"] += ds1 * x[1]
            g["w21"] += ds2 * x[0]
            g["w22"] += ds2 * x[1]
            g["c1"] += ds1
            g["c2"] += ds2
        return g


net = Net()
params = net


def loss_fn():
    return net.loss()


def grads():
    return net.gradients()
