"""Workload (b): MLP 64-128-64-10 (ReLU) on scikit-learn's digits, barenet vs sklearn vs torch.

Data: ``load_digits`` scaled to [0, 1] as float32, a fixed stratified 75/25 split (1347
train, 450 test). Every library trains the same architecture for the same epochs with batch
32, shuffling each epoch, no weight decay, softmax cross-entropy, with

- Adam: lr 1e-3, betas (0.9, 0.999), eps 1e-8;
- SGD: lr 1e-2, momentum 0.9, Nesterov (scikit-learn's default SGD, matched in the others).

barenet and torch start from the same (barenet-drawn) weights; scikit-learn uses its own
Glorot initialization with ``random_state`` fixed. Timed: the training call only; the final
test accuracy is measured afterwards, untimed.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import nets
from harness import Case, Config, median_metric, target, time_cases

BATCH = 32
OPTIMIZERS = {"adam": 1e-3, "sgd": 1e-2}  # name -> learning rate
MOMENTUM = 0.9


def digits_split(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Xtr, Xte (float32 in [0, 1], shape (N, 64)), ytr, yte (int64)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    Xtr, Xte, ytr, yte = train_test_split(X, digits.target.astype(np.int64), test_size=0.25,
                                          random_state=seed, stratify=digits.target)
    return Xtr, Xte, ytr, yte


def barenet_case(opt: str, data: tuple, epochs: int, seed: int) -> Case:
    import barenet as bn

    Xtr, Xte, ytr, yte = data

    def prepare() -> Any:
        model = nets.barenet_mlp(seed)
        optim = bn.Adam(OPTIMIZERS[opt]) if opt == "adam" else bn.SGD(OPTIMIZERS[opt], MOMENTUM, nesterov=True)
        kw = dict(loss=bn.SoftmaxCrossEntropy(), optimizer=optim, epochs=epochs, batch_size=BATCH,
                  shuffle=True, seed=seed)
        return lambda: (model.fit(Xtr, ytr, **kw), model)[1]

    return Case(f"barenet_{opt}", prepare, check=lambda m: {"test_acc": float(np.mean(m.predict(Xte) == yte))})


def sklearn_case(opt: str, data: tuple, epochs: int, seed: int) -> Case:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    Xtr, Xte, ytr, yte = data

    def prepare() -> Any:
        clf = MLPClassifier(hidden_layer_sizes=nets.MLP_HIDDEN, activation="relu", solver=opt, alpha=0.0,
                            batch_size=BATCH, learning_rate_init=OPTIMIZERS[opt], max_iter=epochs,
                            shuffle=True, random_state=seed, tol=0.0, n_iter_no_change=epochs + 1,
                            early_stopping=False, momentum=MOMENTUM, nesterovs_momentum=True)

        def run() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                return clf.fit(Xtr, ytr)
        return run

    return Case(f"sklearn_{opt}", prepare, check=lambda c: {"test_acc": float(c.score(Xte, yte))})


def torch_case(opt: str, data: tuple, epochs: int, seed: int) -> Case:
    import torch

    Xtr, Xte, ytr, yte = (torch.from_numpy(a) for a in data)

    def prepare() -> Any:
        net = nets.torch_mlp(seed)
        lr = OPTIMIZERS[opt]
        optim = (torch.optim.Adam(net.parameters(), lr=lr) if opt == "adam"
                 else torch.optim.SGD(net.parameters(), lr=lr, momentum=MOMENTUM, nesterov=True))
        gen = torch.Generator().manual_seed(seed)
        return lambda: (nets.torch_train(net, optim, Xtr, ytr, epochs, BATCH, gen), net)[1]

    def check(net: Any) -> dict[str, float]:
        with torch.inference_mode():
            return {"test_acc": float((net(Xte).argmax(1) == yte).float().mean())}

    return Case(f"torch_{opt}", prepare, check=check)


def run(cfg: Config) -> dict[str, Any]:
    """Time training per library and optimizer; compare speed and final test accuracy."""
    epochs = 3 if cfg.quick else 50
    data = digits_split(cfg.seed)
    cases = [make(opt, data, epochs, cfg.seed) for opt in OPTIMIZERS
             for make in (barenet_case, sklearn_case, torch_case)]
    timed = time_cases(cases, cfg.repeats)
    summary = {name: {"median_s": rec["median_s"], "epochs_per_s": epochs / rec["median_s"],
                      "test_acc": median_metric(rec, "test_acc")} for name, rec in timed.items()}
    ratios, targets = {}, []
    for opt in OPTIMIZERS:
        b, s, t = (summary[f"{lib}_{opt}"] for lib in ("barenet", "sklearn", "torch"))
        ratios[f"{opt}: barenet/torch"] = t["median_s"] / b["median_s"]
        ratios[f"{opt}: barenet/sklearn"] = s["median_s"] / b["median_s"]
        targets.append(target(f"{opt}: barenet/torch speed", ratios[f"{opt}: barenet/torch"], 2.0))
        equal_or_better = b["test_acc"] >= s["test_acc"] - 0.01
        value = ratios[f"{opt}: barenet/sklearn"] if equal_or_better else 0.0
        targets.append(target(f"{opt}: barenet/sklearn speed at >= acc", value, 1.5,
                              "accuracy counts as equal within 1 point; value is 0 when it is worse"))
    return {
        "description": "MLP 64-128-64-10 ReLU on sklearn digits, batch 32, Adam and SGD",
        "params": {"epochs": epochs, "batch_size": BATCH, "train": len(data[0]), "test": len(data[1]),
                   "lr": OPTIMIZERS, "sgd_momentum": MOMENTUM, "nesterov": True},
        "raw": timed, "summary": summary, "ratios": ratios, "targets": targets,
    }
