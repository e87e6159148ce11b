"""The question's own training setup and its fix, ready for ``doctor`` (used by ``barenet doctor``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..nn.layers import Conv2D, Dense, Flatten, MaxPool2D, Sigmoid, Softmax
from ..nn.losses import MSE, Loss
from ..nn.model import Sequential
from ..nn.optim import SGD, Optimizer
from .checkup import doctor
from .report import Report


@dataclass
class Setup:
    """Everything ``doctor`` needs: a model, data, a loss and an optimizer."""

    model: Sequential
    X: np.ndarray
    y: np.ndarray
    loss: Loss
    optimizer: Optimizer
    summary: str

    def diagnose(self, **kwargs: Any) -> Report:
        return doctor(self.model, self.X, self.y, self.loss, optimizer=self.optimizer, **kwargs)


def question_network(seed: int = 0) -> Sequential:
    """The question's second network, as asked: two sigmoid outputs with a softmax on top.

    6x6 -> Conv2D 3x3 -> Sigmoid -> MaxPool 2 (the four pooled values) -> Dense 4->2 ->
    Sigmoid (h1, h2) -> Dense 2->2 -> Sigmoid (o1, o2) -> Softmax. Shape: (N, 1, 6, 6) -> (N, 2).
    """
    return Sequential([Conv2D(1, 1, 3), Sigmoid(), MaxPool2D(2), Flatten(), Dense(4, 2), Sigmoid(),
                       Dense(2, 2), Sigmoid(), Softmax()], seed=seed)


def question_setup(seed: int = 0) -> Setup:
    """The question's training setup on the O/X letters: MSE on the softmax output, plain
    SGD with lr 0.01, and the question's targets ``y = [[0], [1]]``: one 0/1 label per sample."""
    from .. import data

    ds = data.load("ox", "train", seed=seed)
    y = ds.y.reshape(-1, 1).astype(np.float32)  # the question's y = [[0], [1]]
    return Setup(question_network(seed), ds.X, y, MSE(), SGD(lr=0.01),
                 "the question's network: Sigmoid outputs under a Softmax, MSE, SGD lr=0.01, y=[[0],[1]]")


def fixed_setup(seed: int = 0) -> Setup:
    """The corrected setup (zoo ``seed-softmax``): 2 logits, SoftmaxCrossEntropy, integer labels, Adam."""
    from .. import data
    from ..zoo import get_arch

    ds = data.load("ox", "train", seed=seed)
    arch = get_arch("seed-softmax")
    model = arch.build(ds.input_shape, len(ds.classes), seed=seed)
    return Setup(model, ds.X, ds.y, arch.make_loss(), arch.make_optimizer(),
                 "seed-softmax: 2 logits, SoftmaxCrossEntropy on integer labels, Adam")
