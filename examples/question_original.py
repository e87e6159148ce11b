"""The question's second network, rebuilt as it was asked: its bugs are kept on purpose.

Scalar weights w1 ... w12 and biases b1, b2; two sigmoid hidden units h1, h2; two sigmoid
outputs o1, o2 with a softmax on top; the mean squared error; the labels y = [[0], [1]];
per-sample SGD with learn_rate = 0.01 and d_L_d_ypred = -2 * (y_true - y_pred). The class
is the question's code; only `train` takes learn_rate and epochs as keywords (same
defaults), so that one step can be run, and the weights are seeded.

    python examples/question_original.py                 train as the question did (it fails)
    barenet check examples/question_original.py          check one step of `train`
    barenet check examples/question_original.py --fixes 3    ... with the first 3 fixes

The fixes (docs/tutorial.md, section 6), applied in this order by --fixes N:
    1. one-hot targets, y = [[1, 0], [0, 1]]
    2. the softmax Jacobian, so that dL/do1 and dL/do2 are numbers
    3. h1 and h2 hear both outputs: dL/dh1 = dL/do1 * do1/dh1 + dL/do2 * do2/dh1
    4. the mean over the two outputs: d_L_d_ypred = -2 * (y_true - y_pred) / 2
    5. logits and cross-entropy: no sigmoid on o1, o2, and dL/do = p - y
"""

import sys

import numpy as np

FIXES = int(sys.argv[sys.argv.index("--fixes") + 1]) if "--fixes" in sys.argv else 0
np.random.seed(2)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def deriv_sigmoid(x):
    fx = sigmoid(x)
    return fx * (1 - fx)


def softmax(x):  # the question does not show its softmax: this is the textbook one
    e = np.exp(x)
    return e / np.sum(e)


def mse_loss(y_true, y_pred):
    return ((y_true - y_pred) ** 2).mean()


def cross_entropy(y_true, y_pred):  # fix 5
    return -np.sum(y_true * np.log(y_pred)) / len(y_true)


def activation(s):  # o = sigmoid(s) as asked; fix 5 keeps the score s itself (a logit)
    return s if FIXES >= 5 else sigmoid(s)


def d_activation(s):
    return 1.0 if FIXES >= 5 else deriv_sigmoid(s)


def loss_of(y_true, y_pred):
    return cross_entropy(y_true, y_pred) if FIXES >= 5 else mse_loss(y_true, y_pred)


def d_L_d_o(y_true, y_pred):
    """dL/do1, dL/do2 after the fixes; as asked, d_L_d_ypred itself (no softmax derivative)."""
    if FIXES >= 5:
        return y_pred - y_true                            # softmax + cross-entropy: p - y
    d_L_d_ypred = -2 * (y_true - y_pred)
    if FIXES >= 4:
        d_L_d_ypred = d_L_d_ypred / 2                     # mse_loss averages over the 2 outputs
    if FIXES >= 2:
        jacobian = np.diag(y_pred) - np.outer(y_pred, y_pred)   # dp_k/do_j = p_k (delta_kj - p_j)
        return jacobian.T @ d_L_d_ypred
    return d_L_d_ypred


class OurNeuralNetwork:
    def __init__(self):
        # Weights for h1 (First Node in the Hidden Layer)
        self.w1 = np.random.normal()
        self.w2 = np.random.normal()
        self.w3 = np.random.normal()
        self.w4 = np.random.normal()
        # Weights for h2 (Second Node in the Hidden Layer)
        self.w5 = np.random.normal()
        self.w6 = np.random.normal()
        self.w7 = np.random.normal()
        self.w8 = np.random.normal()

        # Biases in the hidden layer
        self.b1 = np.random.normal()  # First Node
        self.b2 = np.random.normal()  # Second Node

        self.w9 = np.random.normal()
        self.w10 = np.random.normal()
        self.w11 = np.random.normal()
        self.w12 = np.random.normal()

    def testForward(self, x):
        h1 = sigmoid(self.w1 * x[0] + self.w2 * x[1] + self.w3 * x[2] + self.w4 * x[3] + self.b1)
        h2 = sigmoid(self.w5 * x[0] + self.w6 * x[1] + self.w7 * x[2] + self.w8 * x[3] + self.b2)
        o1 = activation(self.w9 * h1 + self.w10 * h2)
        o2 = activation(self.w11 * h1 + self.w12 * h2)
        output = softmax([o1, o2])
        return output

    def feedforward(self, x):
        h1 = sigmoid(self.w1 * x[0] + self.w2 * x[1] + self.w3 * x[2] + self.w4 * x[3] + self.b1)
        h2 = sigmoid(self.w5 * x[0] + self.w6 * x[1] + self.w7 * x[2] + self.w8 * x[3] + self.b2)
        o1 = activation(self.w9 * h1 + self.w10 * h2)
        o2 = activation(self.w11 * h1 + self.w12 * h2)
        output = softmax([o1, o2])
        return output

    def train(self, data, all_y_trues, learn_rate=0.01, epochs=20000):
        for epoch in range(epochs):
            for x, y_true in zip(data, all_y_trues):
                # Feedforward
                sum_h1 = self.w1 * x[0] + self.w2 * x[1] + self.w3 * x[2] + self.w4 * x[3] + self.b1
                h1 = sigmoid(sum_h1)

                sum_h2 = self.w5 * x[0] + self.w6 * x[1] + self.w7 * x[2] + self.w8 * x[3] + self.b2
                h2 = sigmoid(sum_h2)

                sum_o1 = (self.w9 * h1 + self.w10 * h2)
                o1 = activation(sum_o1)
                sum_o2 = (self.w11 * h1 + self.w12 * h2)
                o2 = activation(sum_o2)

                # Check this later, might be implemented wrong ######################
                y_pred = softmax([o1, o2])

                # Partial Derivates ->
                d_L_d_ypred = d_L_d_o(y_true, y_pred)  # as asked: -2 * (y_true - y_pred)
                d_L_d_o1, d_L_d_o2 = (d_L_d_ypred, d_L_d_ypred) if FIXES < 2 else d_L_d_ypred

                # Node o1
                d_ypred_d_w9 = h1 * d_activation(sum_o1)
                d_ypred_d_w10 = h2 * d_activation(sum_o1)

                # Node o2
                d_ypred_d_w11 = h1 * d_activation(sum_o2)
                d_ypred_d_w12 = h2 * d_activation(sum_o2)

                d_ypred_d_h1_o1 = self.w9 * d_activation(sum_o1)
                d_ypred_d_h2_o1 = self.w10 * d_activation(sum_o1)
                d_ypred_d_h1_o2 = self.w11 * d_activation(sum_o2)
                d_ypred_d_h2_o2 = self.w12 * d_activation(sum_o2)

                # What reaches h1 and h2: as asked, h1 hears o1 only and h2 hears o2 only
                d_L_d_h1 = d_L_d_o1 * d_ypred_d_h1_o1
                d_L_d_h2 = d_L_d_o2 * d_ypred_d_h2_o2
                if FIXES >= 3:
                    d_L_d_h1 = d_L_d_h1 + d_L_d_o2 * d_ypred_d_h1_o2
                    d_L_d_h2 = d_L_d_h2 + d_L_d_o1 * d_ypred_d_h2_o1

                # Node h1
                d_h1_d_w1 = x[0] * deriv_sigmoid(sum_h1)
                d_h1_d_w2 = x[1] * deriv_sigmoid(sum_h1)
                d_h1_d_w3 = x[2] * deriv_sigmoid(sum_h1)
                d_h1_d_w4 = x[3] * deriv_sigmoid(sum_h1)
                d_h1_d_b1 = deriv_sigmoid(sum_h1)

                # Node h2
                d_h2_d_w5 = x[0] * deriv_sigmoid(sum_h2)
                d_h2_d_w6 = x[1] * deriv_sigmoid(sum_h2)
                d_h2_d_w7 = x[2] * deriv_sigmoid(sum_h2)
                d_h2_d_w8 = x[3] * deriv_sigmoid(sum_h2)
                d_h2_d_b2 = deriv_sigmoid(sum_h2)

                # Update weights and biases
                # Node h1
                self.w1 -= learn_rate * d_L_d_h1 * d_h1_d_w1
                self.w2 -= learn_rate * d_L_d_h1 * d_h1_d_w2
                self.w3 -= learn_rate * d_L_d_h1 * d_h1_d_w3
                self.w4 -= learn_rate * d_L_d_h1 * d_h1_d_w4
                self.b1 -= learn_rate * d_L_d_h1 * d_h1_d_b1

                # Node h2
                self.w5 -= learn_rate * d_L_d_h2 * d_h2_d_w5
                self.w6 -= learn_rate * d_L_d_h2 * d_h2_d_w6
                self.w7 -= learn_rate * d_L_d_h2 * d_h2_d_w7
                self.w8 -= learn_rate * d_L_d_h2 * d_h2_d_w8
                self.b2 -= learn_rate * d_L_d_h2 * d_h2_d_b2

                # Node o1
                self.w9 -= learn_rate * d_L_d_o1 * d_ypred_d_w9
                self.w10 -= learn_rate * d_L_d_o1 * d_ypred_d_w10

                # Node o2
                self.w11 -= learn_rate * d_L_d_o2 * d_ypred_d_w11
                self.w12 -= learn_rate * d_L_d_o2 * d_ypred_d_w12

            # Check this later after fixing the softmax issue #################################
            if epoch % 10000 == 0:
                y_preds = np.apply_along_axis(self.feedforward, 1, data)
                loss = loss_of(all_y_trues, y_preds)
                print("Epoch %d loss: %.3f" % (epoch, loss))


# The question's data: the O and X letters max-pooled to 2x2 (4 values each).
data = np.array([[0.46931818, 0.44129729, 0.54988949, 0.54295118],   # O
                 [0.54976771, 0.54295118, 0.50129169, 0.54988949]])  # X
all_y_trues = np.array([[0], [1]]) if FIXES < 1 else np.array([[1, 0], [0, 1]])
network = OurNeuralNetwork()

# -- What `barenet check` reads (docs/check.md): one step of the loop above, on the O letter.
params = network                      # the object whose float attributes are the weights
X, y = data[:1], all_y_trues[:1]      # the batch of that step
lr = 0.01                             # train's learn_rate


def loss_fn():
    return loss_of(y, forward(X))


def step():
    network.train(X, y, learn_rate=lr, epochs=1)


def forward(X):
    return np.apply_along_axis(network.feedforward, 1, X)


if __name__ == "__main__":
    try:
        network.train(data, all_y_trues)
    except ValueError as exc:  # what the question calls its "shapes problem"
        print(f"ValueError: {exc}")
        print(f"After the first step w1 = {network.w1}: every weight became an array, one value per output.")
        print("barenet check examples/question_original.py names this and the other bugs.")
        sys.exit(1)
    print("p(O), p(X) for the O and X letters:", forward(data).round(3).tolist())
