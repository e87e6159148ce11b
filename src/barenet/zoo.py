"""Built-in architectures, by name, for the CLI and for users.

Each entry builds a Sequential for a per-sample input shape (C, H, W) and a number of
classes, and says which loss it trains with and how it is trained by default.

- ``seed-1out``: the question's first network. 6x6 -> Conv2D 3x3 -> Sigmoid -> MaxPool 2
  (4 values) -> Dense 2 + Sigmoid -> Dense 1 + Sigmoid, trained with MSE on labels 0/1.
- ``seed-softmax``: the same, but Dense 2 -> 2 logits trained with SoftmaxCrossEntropy,
  which is one-hot targets, softmax and cross-entropy fused.
- ``mlp``: Flatten -> Dense 128 -> ReLU -> Dense 64 -> ReLU -> Dense K.
- ``lenet``: a LeNet-5-style CNN for 28x28 (conv 5x5 x6, pool, conv 5x5 x16, pool, 120, 84, K).
- ``lenet-wide``: the same plan, wider (conv 5x5 x16, pool, conv 5x5 x32, pool, 128, K)
  (about 120k parameters).
- ``cnn3``: three blocks of a 3x3 convolution, ReLU and 2x2 max pooling (32, 64 and 96
  filters: 28 -> 14 -> 7 -> 3), then 128 hidden units, dropout 0.3 and K, trained with label
  smoothing 0.1: the shipped letters model, which reads handwriting as well as type (about
  187k parameters). Stacked 3x3 kernels see as far as 5x5 ones with fewer weights, and a
  third pooling stage leaves a 3x3 map, so the dense layer stays small.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .nn.layers import Conv2D, Dense, Dropout, Flatten, Layer, MaxPool2D, ReLU, Sigmoid
from .nn.losses import MSE, Loss, SoftmaxCrossEntropy
from .nn.model import Sequential
from .nn.optim import SGD, Adam, ExponentialLR, Optimizer, RMSProp


@dataclass(frozen=True)
class Arch:
    """A named architecture and how it trains by default."""

    name: str
    build_layers: Callable[[tuple, int], list[Layer]]
    make_loss: Callable[[], Loss]
    lr: float
    epochs: int
    batch_size: int
    summary: str
    decay: float = 1.0  # per-epoch learning-rate factor (ExponentialLR); 1.0 keeps it constant

    def build(self, input_shape: tuple, n_classes: int, seed: int | None = 0) -> Sequential:
        return Sequential(self.build_layers(tuple(input_shape), n_classes), seed=seed)

    def make_optimizer(self, lr: float | None = None) -> Optimizer:
        return make_optimizer("adam", self.lr if lr is None else lr, self.decay)


def _seed_trunk(input_shape: tuple) -> list[Layer]:
    C, H, W = input_shape
    if (H, W) != (6, 6):
        raise ValueError(f"the seed networks take 6x6 letters (the 'ox' dataset), received {H}x{W}")
    # conv 3x3 on 6x6 -> 4x4; pool 2 -> 2x2: the question's four pooled values.
    return [Conv2D(C, 1, 3), Sigmoid(), MaxPool2D(2), Flatten(), Dense(4, 2), Sigmoid()]


def _seed_1out(input_shape: tuple, n_classes: int) -> list[Layer]:
    if n_classes != 2:
        raise ValueError(f"seed-1out has one output, so it separates 2 classes, received {n_classes}")
    return _seed_trunk(input_shape) + [Dense(2, 1), Sigmoid()]


def _seed_softmax(input_shape: tuple, n_classes: int) -> list[Layer]:
    return _seed_trunk(input_shape) + [Dense(2, n_classes)]


def _mlp(input_shape: tuple, n_classes: int) -> list[Layer]:
    n_in = 1
    for d in input_shape:
        n_in *= d
    return [Flatten(), Dense(n_in, 128, init="he_uniform"), ReLU(),
            Dense(128, 64, init="he_uniform"), ReLU(), Dense(64, n_classes)]


def _lenet(input_shape: tuple, n_classes: int) -> list[Layer]:
    C, H, W = input_shape
    trunk: list[Layer] = [Conv2D(C, 6, 5, padding=2, init="he_uniform"), ReLU(), MaxPool2D(2),
                          Conv2D(6, 16, 5, init="he_uniform"), ReLU(), MaxPool2D(2), Flatten()]
    shape = input_shape
    for layer in trunk:
        shape = layer.output_shape(shape)
    if min(shape) < 1:
        raise ValueError(f"lenet needs images of at least 12x12, received {H}x{W}")
    return trunk + [Dense(shape[0], 120, init="he_uniform"), ReLU(),
                    Dense(120, 84, init="he_uniform"), ReLU(), Dense(84, n_classes)]


def _lenet_wide(input_shape: tuple, n_classes: int) -> list[Layer]:
    C, H, W = input_shape
    trunk: list[Layer] = [Conv2D(C, 16, 5, padding=2, init="he_uniform"), ReLU(), MaxPool2D(2),
                          Conv2D(16, 32, 5, init="he_uniform"), ReLU(), MaxPool2D(2), Flatten()]
    shape = input_shape
    for layer in trunk:
        shape = layer.output_shape(shape)
    if min(shape) < 1:
        raise ValueError(f"lenet-wide needs images of at least 12x12, received {H}x{W}")
    return trunk + [Dense(shape[0], 128, init="he_uniform"), ReLU(), Dense(128, n_classes)]


def _cnn3(input_shape: tuple, n_classes: int) -> list[Layer]:
    C, H, W = input_shape
    trunk: list[Layer] = []
    for c_in, c_out in ((C, 32), (32, 64), (64, 96)):
        trunk += [Conv2D(c_in, c_out, 3, padding=1, init="he_uniform"), ReLU(), MaxPool2D(2)]
    trunk.append(Flatten())
    shape = input_shape
    for layer in trunk:
        shape = layer.output_shape(shape)
    if min(shape) < 1:
        raise ValueError(f"cnn3 needs images of at least 8x8, received {H}x{W}")
    return trunk + [Dense(shape[0], 128, init="he_uniform"), ReLU(), Dropout(0.3), Dense(128, n_classes)]


ARCHS: dict[str, Arch] = {
    a.name: a
    for a in (
        Arch("seed-1out", _seed_1out, MSE, lr=0.05, epochs=60, batch_size=8,
             summary="the question's first network: one sigmoid output trained with MSE"),
        Arch("seed-softmax", _seed_softmax, SoftmaxCrossEntropy, lr=0.05, epochs=20, batch_size=8,
             summary="the question's network with 2 logits, one-hot targets and softmax cross-entropy"),
        Arch("mlp", _mlp, SoftmaxCrossEntropy, lr=1e-3, epochs=30, batch_size=32,
             summary="multilayer perceptron 128-64 with ReLU"),
        Arch("lenet", _lenet, SoftmaxCrossEntropy, lr=2e-3, epochs=8, batch_size=64, decay=0.8,
             summary="LeNet-5-style CNN for 28x28 images"),
        Arch("lenet-wide", _lenet_wide, SoftmaxCrossEntropy, lr=2e-3, epochs=10, batch_size=64, decay=0.8,
             summary="a wider LeNet (16 and 32 filters, 128 hidden)"),
        Arch("cnn3", _cnn3, lambda: SoftmaxCrossEntropy(label_smoothing=0.1), lr=2e-3, epochs=8, batch_size=64,
             decay=0.75, summary="three 3x3 conv blocks (32, 64, 96 filters), 128 hidden, dropout: letters as "
                                "people write them"),
    )
}


def make_optimizer(name: str, lr: float, decay: float = 1.0) -> Optimizer:
    """The optimizer a CLI name stands for (SGD gets momentum 0.9), with an optional decay.

    The decay is ExponentialLR, a function of the epoch alone, so a resumed run gets the
    same rates as one long run.
    """
    schedule = ExponentialLR(decay) if decay != 1.0 else None
    makers = {"adam": lambda: Adam(lr=lr, schedule=schedule),
              "sgd": lambda: SGD(lr=lr, momentum=0.9, schedule=schedule),
              "rmsprop": lambda: RMSProp(lr=lr, schedule=schedule)}
    if name not in makers:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(makers)}")
    return makers[name]()


def get_arch(name: str) -> Arch:
    """Look an architecture up by name; ValueError lists the choices."""
    if name not in ARCHS:
        raise ValueError(f"unknown architecture {name!r}; choose one of {', '.join(ARCHS)}")
    return ARCHS[name]
