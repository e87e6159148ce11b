"""The learner's question, answered with barenet on the exact data it gave.

Two pooled letters, four values each: O = label 0, X = label 1. The script trains
1. the question's first network: 4 -> 2 sigmoid -> 1 sigmoid output, MSE on y = 0/1;
2. the question's second network as written: 2 sigmoid outputs -> softmax -> MSE;
3. the fix: 2 logits, one-hot targets, softmax fused with cross-entropy;
prints "Epoch N loss: X" every 1000 epochs as the question does, then answers the four
questions with numbers from these runs. ``--plot FILE`` draws the three loss curves.

Run: python examples/question.py [--epochs 20000] [--plot losses.png]
"""

from __future__ import annotations

import argparse

import numpy as np

import barenet as bn

# The question's two pooled letters (2x2 -> 4 values each).
X = np.array([[0.46931818, 0.44129729, 0.54988949, 0.54295118],   # O
              [0.54976771, 0.54295118, 0.50129169, 0.54988949]],  # X
             dtype=np.float32)
LABELS = np.array([0, 1])  # O -> 0, X -> 1
ONE_HOT = np.eye(2, dtype=np.float32)[LABELS]  # [[1, 0], [0, 1]]
NAMES = ["O", "X"]


class LossPrinter(bn.Callback):
    """Prints "Epoch N loss: X" every ``every`` epochs, like the question's loop."""

    def __init__(self, every: int = 1000) -> None:
        self.every = every

    def on_epoch_end(self, model, epoch, logs):
        if epoch % self.every == 0:
            print(f"Epoch {epoch} loss: {logs['loss']:.3f}")


def train(title: str, layers: list, loss: bn.Loss, y: np.ndarray, epochs: int, lr: float) -> tuple:
    """Per-sample SGD, as in the question's loop; returns (model, loss per epoch)."""
    print(f"\n== {title}")
    model = bn.Sequential(layers, seed=0)
    history = model.fit(X, y, loss=loss, optimizer=bn.SGD(lr=lr), epochs=epochs, batch_size=1,
                        shuffle=False, callbacks=[LossPrinter()])
    proba = model.predict_proba(X)
    for name, row in zip(NAMES, proba):
        print(f"  {name}: p(O) = {row[0]:.3f}, p(X) = {row[1]:.3f} -> {NAMES[int(np.argmax(row))]}")
    return model, np.array(history["loss"])


def vec(values) -> str:
    """A vector with 4 decimals: [0.9997, 0.0003]."""
    return "[" + ", ".join(f"{float(v):.4f}" for v in values) + "]"


def hidden() -> list:
    return [bn.Dense(4, 2), bn.Sigmoid()]


def answer(model: bn.Sequential, first_grads: tuple) -> None:
    """The four answers, with numbers from the runs."""
    p = model.predict_proba(X)
    p0, mse_dp, mse_dz = first_grads
    print("\n== The four questions, answered")
    print(f"1. Yes: with two outputs, y becomes one-hot rows, one per letter: y = {ONE_HOT.astype(int).tolist()}.")
    print(f"2. Nothing in the code says which node is O: the targets do. Training pushes output 0 up for the O\n"
          f"   row and output 1 for the X row. After training p(O | O) = {p[0, 0]:.3f} and p(X | X) = {p[1, 1]:.3f}.")
    print(f"3. No max() during training: the loss needs the whole vector p = {vec(p[0])}.\n"
          f"   max() keeps one number and throws away the gradient of the other. Use argmax only to\n"
          f"   predict: argmax = {int(np.argmax(p[0]))} -> {NAMES[int(np.argmax(p[0]))]}.")
    print(f"4. With softmax + cross-entropy, dL/dz = p - y for the logits z. At the first step, for the O\n"
          f"   letter: p = {vec(p0)}, y = [1, 0], so dL/dz = {vec(p0 - [1, 0])}.\n"
          f"   The question's rule d_L_d_ypred = -2 (y_true - y_pred) = {vec(mse_dp)} on the same p is the\n"
          f"   squared error's dL/dp, not dL/dz: it still has to go through the softmax Jacobian, which gives\n"
          f"   dL/dz = {vec(mse_dz)}. With cross-entropy the Jacobian and the log cancel into p - y.")


def first_step(softmax_model_seed: int = 0) -> tuple:
    """For the O letter before training, on the fixed network (2 logits, softmax): p, the
    question's rule -2 (y - p) (the squared error's dL/dp), and that rule through the softmax
    Jacobian, dL/dz_j = p_j (d_j - sum_k p_k d_k)."""
    fresh = bn.Sequential(hidden() + [bn.Dense(2, 2)], seed=softmax_model_seed)
    p0 = fresh.predict_proba(X[:1])[0].astype(np.float64)
    d = -2 * (ONE_HOT[0] - p0)
    return p0, d, p0 * (d - np.dot(p0, d))


def plot(curves: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for label, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title("The question's two letters, per-sample SGD")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"\nWrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20000)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--plot", default=None, help="write the loss curves to this PNG")
    args = parser.parse_args()
    grads = first_step()  # all three from the same network and the same p
    _, mse1 = train("1. As asked: one sigmoid output, MSE, y = [[0], [1]]",
                    hidden() + [bn.Dense(2, 1), bn.Sigmoid()], bn.MSE(), LABELS, args.epochs, args.lr)
    _, broken = train("2. As written: two sigmoid outputs -> softmax -> MSE",
                      hidden() + [bn.Dense(2, 2), bn.Sigmoid(), bn.Softmax()], bn.MSE(), ONE_HOT,
                      args.epochs, args.lr)
    fixed, ce = train("3. The fix: two logits, one-hot targets, softmax cross-entropy",
                      hidden() + [bn.Dense(2, 2)], bn.SoftmaxCrossEntropy(), ONE_HOT, args.epochs, args.lr)
    answer(fixed, grads)
    if args.plot:
        plot({"1 output, MSE": mse1, "sigmoid -> softmax -> MSE (the question)": broken,
              "logits -> softmax cross-entropy (the fix)": ce}, args.plot)


if __name__ == "__main__":
    main()
