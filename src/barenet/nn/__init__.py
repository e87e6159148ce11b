"""The engine: layers with hand-written backprop, losses, optimizers and the Sequential model.

- ``layers/``: the layers and the ``LAYERS`` registry (the layer contract is in
  docs/architecture.md);
- ``losses.py``, ``optim.py``, ``initializers.py``: losses, optimizers with schedules, initial weights;
- ``model.py``: ``Sequential``; ``fit.py``: its mini-batch training loop; ``callbacks.py``;
- ``gradcheck.py``: central differences for any model; ``errors.py``: the exception classes.

Imports: NumPy and the standard library only. Nothing here knows about files, datasets,
the command line, plots or the web; an import-linter contract in CI holds that line.
"""

from .callbacks import Callback, EarlyStopping, History, NonFiniteGuard
from .errors import BarenetError, InputError, ModelFileError, NonFiniteError, NotReadyError, ShapeError
from .gradcheck import GradcheckResult, GradReport, gradcheck
from .initializers import INITIALIZERS, glorot_normal, glorot_uniform, he_normal, he_uniform
from .layers import (
                     LAYERS,
                     AvgPool2D,
                     Conv2D,
                     Dense,
                     Dropout,
                     Flatten,
                     Layer,
                     LeakyReLU,
                     MaxPool2D,
                     ReLU,
                     Sigmoid,
                     Softmax,
                     Tanh,
)
from .losses import LOSSES, MSE, BinaryCrossEntropy, Loss, SoftmaxCrossEntropy
from .model import Sequential
from .optim import OPTIMIZERS, SGD, Adam, CosineLR, ExponentialLR, Optimizer, RMSProp, StepLR

__all__ = [
    "Sequential", "Layer", "Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Sigmoid", "Tanh", "ReLU",
    "LeakyReLU", "Softmax", "Dropout", "LAYERS",
    "Loss", "MSE", "BinaryCrossEntropy", "SoftmaxCrossEntropy", "LOSSES",
    "Optimizer", "SGD", "Adam", "RMSProp", "OPTIMIZERS", "StepLR", "ExponentialLR", "CosineLR",
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "INITIALIZERS",
    "Callback", "EarlyStopping", "NonFiniteGuard", "History",
    "gradcheck", "GradReport", "GradcheckResult",
    "BarenetError", "ShapeError", "InputError", "NotReadyError", "NonFiniteError", "ModelFileError",
]
