"""Layers and the registry that maps a layer's type name to its class.

The registry is the only way a name becomes a class: model files and the CLI look
names up here, so loading a file can never resolve a name to arbitrary code.
"""

from .activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh, log_softmax, sigmoid, softmax
from .base import Layer
from .conv import Conv2D
from .dense import Dense
from .dropout import Dropout
from .pooling import AvgPool2D, MaxPool2D
from .shape import Flatten

LAYERS: dict[str, type[Layer]] = {
    cls.__name__: cls
    for cls in (Dense, Conv2D, MaxPool2D, AvgPool2D, Flatten, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, Dropout)
}

__all__ = ["LAYERS", "Layer", "Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Sigmoid", "Tanh",
           "ReLU", "LeakyReLU", "Softmax", "Dropout", "sigmoid", "softmax", "log_softmax"]
