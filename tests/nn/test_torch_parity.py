"""End to end against PyTorch: the same small CNN trained the same way in both libraries.

The per-part comparisons live next to this file: test_torch_layers.py (every layer,
forward and backward), test_torch_losses.py and test_torch_optim.py (optimizers and
schedules). Here the parts run together through ``Sequential.fit``: if any of them, or
the loop that joins them, drifted from torch, the weights would drift apart.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from barenet import SGD, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential, SoftmaxCrossEntropy

N, C, H, W, K = 12, 2, 8, 8, 4  # samples, channels, height, width, classes
BATCH, EPOCHS = 4, 2  # 3 batches per epoch, 6 SGD steps in all


def build_pair(seed: int) -> tuple[Sequential, torch.nn.Sequential]:
    model = Sequential([Conv2D(C, 3, 3, padding=1, dtype="float64"), ReLU(), MaxPool2D(2), Flatten(),
                        Dense(3 * 4 * 4, K, dtype="float64")], seed=seed)
    conv, dense = model.layers[0], model.layers[4]
    rng = np.random.default_rng(seed)
    for layer in (conv, dense):  # nonzero biases, so bias updates are compared from step 1
        layer.params["b"][:] = 0.1 * rng.standard_normal(layer.params["b"].shape)
    net = torch.nn.Sequential(torch.nn.Conv2d(C, 3, 3, padding=1, dtype=torch.float64), torch.nn.ReLU(),
                              torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                              torch.nn.Linear(3 * 4 * 4, K, dtype=torch.float64))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(conv.params["W"]))
        net[0].bias.copy_(torch.tensor(conv.params["b"]))
        net[4].weight.copy_(torch.tensor(dense.params["W"].T))  # ours (in, out), torch's (out, in)
        net[4].bias.copy_(torch.tensor(dense.params["b"]))
    return model, net


def torch_train(net: torch.nn.Sequential, X: np.ndarray, y: np.ndarray, lr: float, momentum: float) -> list[float]:
    """The loop fit(shuffle=False) runs: batches in order, mean loss, one step per batch."""
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    epoch_losses = []
    for _ in range(EPOCHS):
        total = 0.0
        for start in range(0, N, BATCH):
            xb, yb = torch.tensor(X[start : start + BATCH]), torch.tensor(y[start : start + BATCH])
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        epoch_losses.append(total / N)  # fit's History logs the sample-weighted mean loss
    return epoch_losses


@pytest.mark.parametrize("seed", [0, 1])
def test_small_cnn_trains_identically_to_torch(seed):
    rng = np.random.default_rng(100 + seed)
    X = rng.standard_normal((N, C, H, W))
    y = rng.integers(0, K, N)
    model, net = build_pair(seed)
    start = model.layers[4].params["W"].copy()
    lr, momentum = 0.1, 0.9

    history = model.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=SGD(lr, momentum=momentum),
                        epochs=EPOCHS, batch_size=BATCH, shuffle=False)
    losses = torch_train(net, X, y, lr, momentum)

    conv, dense = model.layers[0], model.layers[4]
    pairs = [(conv.params["W"], net[0].weight), (conv.params["b"], net[0].bias),
             (dense.params["W"], net[4].weight.T), (dense.params["b"], net[4].bias)]
    for name, (ours, theirs) in zip(["conv.W", "conv.b", "dense.W", "dense.b"], pairs):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-9)
    # Training moved the weights well beyond the tolerance, so agreement is not agreement at rest.
    assert np.abs(dense.params["W"] - start).max() > 1e-3
    # Both runs also predict the same classes afterwards.
    np.testing.assert_array_equal(model.predict(X), net(torch.tensor(X)).argmax(dim=1).numpy())
