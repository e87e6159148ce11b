"""The benchmark networks, each built twice: in barenet and as its torch.nn twin.

A torch twin starts from the barenet model's initial weights (``copy_weights``), so both
libraries train exactly the same model from the same point. ``torch_train`` is the
standard PyTorch loop, used wherever torch trains.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MLP_HIDDEN = (128, 64)
LENET_CLASSES = 26


def copy_weights(model: Any, net: Any) -> None:
    """Copy every barenet Dense/Conv2D's W and b into the matching torch Linear/Conv2d, in order.

    Dense's W is (in, out) and torch's Linear weight (out, in), so it goes in transposed;
    Conv2D and Conv2d share the (F, C, kh, kw) layout.
    """
    import torch

    src = [layer for layer in model.layers if layer.params]
    dst = [m for m in net if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))]
    with torch.no_grad():
        for layer, mod in zip(src, dst, strict=True):
            W = layer.params["W"]
            mod.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T if W.ndim == 2 else W)))
            mod.bias.copy_(torch.from_numpy(layer.params["b"]))


def torch_train(net: Any, optim: Any, X: Any, y: Any, epochs: int, batch: int, gen: Any) -> None:
    """The standard loop: shuffle, then per batch zero_grad, forward, loss, backward, step."""
    import torch

    lossf = torch.nn.CrossEntropyLoss()
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=gen)
        for start in range(0, len(X), batch):
            idx = order[start : start + batch]
            optim.zero_grad()
            lossf(net(X[idx]), y[idx]).backward()
            optim.step()


def barenet_mlp(seed: int) -> Any:
    """64 -> 128 -> ReLU -> 64 -> ReLU -> 10 logits."""
    import barenet as bn

    h1, h2 = MLP_HIDDEN
    return bn.Sequential([bn.Dense(64, h1), bn.ReLU(), bn.Dense(h1, h2), bn.ReLU(), bn.Dense(h2, 10)], seed=seed)


def torch_mlp(seed: int) -> Any:
    import torch

    nn, (h1, h2) = torch.nn, MLP_HIDDEN
    net = nn.Sequential(nn.Linear(64, h1), nn.ReLU(), nn.Linear(h1, h2), nn.ReLU(), nn.Linear(h2, 10))
    copy_weights(barenet_mlp(seed), net)
    return net


def lenet_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded uniform random images (n, 1, 28, 28) float32 and labels in [0, 26)."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 28, 28), dtype=np.float32), rng.integers(0, LENET_CLASSES, n).astype(np.int64)


def barenet_lenet(seed: int) -> Any:
    """Conv 1->6 5x5 pad 2, ReLU, MaxPool 2, Conv 6->16 5x5, ReLU, MaxPool 2, 400-120-84-26."""
    import barenet as bn

    return bn.Sequential([
        bn.Conv2D(1, 6, 5, padding=2), bn.ReLU(), bn.MaxPool2D(2),
        bn.Conv2D(6, 16, 5), bn.ReLU(), bn.MaxPool2D(2), bn.Flatten(),
        bn.Dense(400, 120), bn.ReLU(), bn.Dense(120, 84), bn.ReLU(), bn.Dense(84, LENET_CLASSES),
    ], seed=seed)


def torch_lenet(seed: int) -> Any:
    import torch

    nn = torch.nn
    net = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, LENET_CLASSES))
    copy_weights(barenet_lenet(seed), net)
    return net
