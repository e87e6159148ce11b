"""Workload (a): the question's network on the question's two samples, per-sample SGD.

Network 4 -> Dense(4, 2) + sigmoid -> Dense(2, 2) -> softmax cross-entropy, the corrected
form of the question's. The question itself had no output biases, a sigmoid on each output
node, then a softmax and an MSE loss with ``d_L_d_ypred = -2 * (y_true - y_pred)``; here the
two logits feed a fused softmax cross-entropy whose gradient is ``p - onehot``, with output
biases, so all three implementations compute the same 16-parameter model.

All three start from the same weights (barenet's seeded Glorot draw, copied), train with
learning rate 0.01 for 20,000 epochs of one sample at a time in the fixed order O, X, and
their final losses are reported, so the timing compares implementations of the same math.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from harness import Case, Config, median_metric, target, time_cases

X_Q = [[0.46931818, 0.44129729, 0.54988949, 0.54295118],  # O letter, max pooled 6x6 -> 2x2
       [0.54976771, 0.54295118, 0.50129169, 0.54988949]]  # X letter
ONEHOT_Q = [[1.0, 0.0], [0.0, 1.0]]  # O -> output 0, X -> output 1
LR = 0.01


class ScalarNet:
    """The question's style: one Python float per weight and every partial derivative by hand.

    h_k = sigmoid(sum_i w x_i + b_k); z_j = sum_k w h_k + b_{j+2}; p = softmax(z);
    L = -sum_j t_j log p_j, so dL/dz_j = p_j - t_j. Python floats are float64; math.exp
    is used, the fastest scalar exponential, so this is a strong baseline.
    """

    def __init__(self, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray) -> None:
        self.w1, self.w2, self.w3, self.w4 = (float(v) for v in W1[:, 0])  # into h1
        self.w5, self.w6, self.w7, self.w8 = (float(v) for v in W1[:, 1])  # into h2
        self.b1, self.b2 = (float(v) for v in b1)
        self.w9, self.w10 = (float(v) for v in W2[:, 0])  # into o1
        self.w11, self.w12 = (float(v) for v in W2[:, 1])  # into o2
        self.b3, self.b4 = (float(v) for v in b2)

    def forward(self, x: list[float]) -> tuple[float, float, float, float]:
        """Hidden activations h1, h2 and class probabilities p1, p2 for one sample."""
        h1 = 1.0 / (1.0 + math.exp(-(self.w1 * x[0] + self.w2 * x[1] + self.w3 * x[2] + self.w4 * x[3] + self.b1)))
        h2 = 1.0 / (1.0 + math.exp(-(self.w5 * x[0] + self.w6 * x[1] + self.w7 * x[2] + self.w8 * x[3] + self.b2)))
        z1 = self.w9 * h1 + self.w10 * h2 + self.b3
        z2 = self.w11 * h1 + self.w12 * h2 + self.b4
        m = max(z1, z2)
        e1, e2 = math.exp(z1 - m), math.exp(z2 - m)
        return h1, h2, e1 / (e1 + e2), e2 / (e1 + e2)

    def train(self, data: list[list[float]], targets: list[list[float]], epochs: int, lr: float) -> None:
        """The question's loop: for each epoch, for each sample, forward and update."""
        for _ in range(epochs):
            for x, t in zip(data, targets):
                self.step(x, t, lr)

    def step(self, x: list[float], t: list[float], lr: float) -> None:
        """One SGD step on one sample, each partial derivative written out."""
        h1, h2, p1, p2 = self.forward(x)
        d1, d2 = p1 - t[0], p2 - t[1]  # dL/dz, softmax fused with cross-entropy
        dh1 = (self.w9 * d1 + self.w11 * d2) * h1 * (1.0 - h1)  # dL/d(sum_h1)
        dh2 = (self.w10 * d1 + self.w12 * d2) * h2 * (1.0 - h2)
        self.w9 -= lr * d1 * h1
        self.w10 -= lr * d1 * h2
        self.b3 -= lr * d1
        self.w11 -= lr * d2 * h1
        self.w12 -= lr * d2 * h2
        self.b4 -= lr * d2
        self.w1 -= lr * dh1 * x[0]
        self.w2 -= lr * dh1 * x[1]
        self.w3 -= lr * dh1 * x[2]
        self.w4 -= lr * dh1 * x[3]
        self.b1 -= lr * dh1
        self.w5 -= lr * dh2 * x[0]
        self.w6 -= lr * dh2 * x[1]
        self.w7 -= lr * dh2 * x[2]
        self.w8 -= lr * dh2 * x[3]
        self.b2 -= lr * dh2

    def loss(self, data: list[list[float]], targets: list[list[float]]) -> float:
        """Mean cross-entropy over the samples."""
        total = 0.0
        for x, t in zip(data, targets):
            _, _, p1, p2 = self.forward(x)
            total -= t[0] * math.log(p1) + t[1] * math.log(p2)
        return total / len(data)


def barenet_model(seed: int) -> Any:
    import barenet as bn

    return bn.Sequential([bn.Dense(4, 2), bn.Sigmoid(), bn.Dense(2, 2)], seed=seed)


def initial_weights(seed: int) -> list[np.ndarray]:
    """W1 (4, 2), b1 (2,), W2 (2, 2), b2 (2,) as barenet draws them for ``seed``."""
    model = barenet_model(seed)
    return [model.layers[0].params["W"], model.layers[0].params["b"],
            model.layers[2].params["W"], model.layers[2].params["b"]]


def scalar_case(seed: int, epochs: int) -> Case:
    def prepare(n: int = epochs) -> Any:
        net = ScalarNet(*initial_weights(seed))
        return lambda: (net.train(X_Q, ONEHOT_Q, n, LR), net)[1]

    return Case("scalar", prepare, warmup=lambda: prepare(max(1, epochs // 20)),
                check=lambda net: {"final_loss": net.loss(X_Q, ONEHOT_Q)})


def barenet_case(seed: int, epochs: int, labels: bool = False) -> Case:
    """``Sequential.fit`` with batch 1, no shuffling: one-hot rows, or integer labels 0/1."""
    import barenet as bn

    X = np.asarray(X_Q, np.float32)
    Y = np.array([0, 1]) if labels else np.asarray(ONEHOT_Q, np.float32)

    def prepare(n: int = epochs) -> Any:
        model = barenet_model(seed)
        fit = dict(loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(LR), epochs=n, batch_size=1, shuffle=False)
        return lambda: (model.fit(X, Y, **fit), model)[1]

    return Case("barenet_labels" if labels else "barenet", prepare, warmup=lambda: prepare(max(1, epochs // 20)),
                check=lambda m: {"final_loss": m.evaluate(X, Y, bn.SoftmaxCrossEntropy())["loss"]})


def torch_net(seed: int) -> Any:
    """The same network in torch.nn, starting from barenet's weights."""
    import torch

    import nets

    net = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.Sigmoid(), torch.nn.Linear(2, 2))
    nets.copy_weights(barenet_model(seed), net)
    return net


def torch_case(seed: int, epochs: int) -> Case:
    import torch

    X, Y = torch.tensor(X_Q, dtype=torch.float32), torch.tensor([0, 1])
    lossf = torch.nn.CrossEntropyLoss()

    def prepare(n: int = epochs) -> Any:
        net = torch_net(seed)
        opt = torch.optim.SGD(net.parameters(), lr=LR)

        def run() -> Any:
            for _ in range(n):
                for i in range(len(X)):
                    opt.zero_grad()
                    lossf(net(X[i : i + 1]), Y[i : i + 1]).backward()
                    opt.step()
            return net
        return run

    def check(net: Any) -> dict[str, float]:
        with torch.no_grad():
            return {"final_loss": float(lossf(net(X), Y))}

    return Case("torch", prepare, warmup=lambda: prepare(max(1, epochs // 20)), check=check)


def run(cfg: Config) -> dict[str, Any]:
    """Time the three implementations and compare epochs per second."""
    epochs = 200 if cfg.quick else 20_000
    cases = [scalar_case(cfg.seed, epochs), barenet_case(cfg.seed, epochs), barenet_case(cfg.seed, epochs, True),
             torch_case(cfg.seed, epochs)]
    timed = time_cases(cases, cfg.repeats)
    summary = {name: {"median_s": rec["median_s"], "epochs_per_s": epochs / rec["median_s"],
                      "us_per_sample_step": rec["median_s"] / (2 * epochs) * 1e6,
                      "final_loss": median_metric(rec, "final_loss")} for name, rec in timed.items()}
    eps = {name: s["epochs_per_s"] for name, s in summary.items()}
    ratios = {"barenet/torch": eps["barenet"] / eps["torch"], "barenet/scalar": eps["barenet"] / eps["scalar"],
              "barenet_labels/torch": eps["barenet_labels"] / eps["torch"],
              "barenet_labels/scalar": eps["barenet_labels"] / eps["scalar"]}
    losses = [s["final_loss"] for s in summary.values()]
    return {
        "description": "question's 4-2-2 net, 2 samples, per-sample SGD lr 0.01, fixed order; "
                       "barenet with one-hot targets (the targets' figure) and with integer labels",
        "params": {"epochs": epochs, "samples": 2, "batch_size": 1, "lr": LR, "steps_per_run": 2 * epochs,
                   "final_loss_spread": max(losses) - min(losses)},
        "raw": timed, "summary": summary, "ratios": ratios,
        "targets": [target("barenet/torch epochs/s", ratios["barenet/torch"], 3.0),
                    target("barenet/scalar epochs/s", ratios["barenet/scalar"], 1.0)],
    }
