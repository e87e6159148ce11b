"""barenet: a small neural-network library on NumPy with hand-written, tested backprop.

The public API is re-exported here; see the README for a tour.
"""

from .check import (CheckError, Finding, ForwardReport, GradientReport, check_gradients, check_step,
                    doctor_forward)
from .callbacks import Callback, EarlyStopping, History, NonFiniteGuard
from .errors import BarenetError, InputError, ModelFileError, NonFiniteError, NotReadyError, ShapeError
from .doctor import doctor
from .gradcheck import GradcheckResult, GradReport, gradcheck
from .init import INITIALIZERS, glorot_normal, glorot_uniform, he_normal, he_uniform
from .io import load, save
from .layers import (LAYERS, AvgPool2D, Conv2D, Dense, Dropout, Flatten, Layer, LeakyReLU, MaxPool2D, ReLU,
                     Sigmoid, Softmax, Tanh)
from .losses import LOSSES, MSE, BinaryCrossEntropy, Loss, SoftmaxCrossEntropy
from .model import Sequential
from .optim import OPTIMIZERS, SGD, Adam, CosineLR, ExponentialLR, Optimizer, RMSProp, StepLR

__version__ = "0.1.0"

__all__ = [
    "Sequential", "Layer", "Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Sigmoid", "Tanh", "ReLU",
    "LeakyReLU", "Softmax", "Dropout", "LAYERS",
    "Loss", "MSE", "BinaryCrossEntropy", "SoftmaxCrossEntropy", "LOSSES",
    "Optimizer", "SGD", "Adam", "RMSProp", "OPTIMIZERS", "StepLR", "ExponentialLR", "CosineLR",
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "INITIALIZERS",
    "Callback", "EarlyStopping", "NonFiniteGuard", "History",
    "gradcheck", "GradReport", "GradcheckResult", "doctor",
    "check_gradients", "check_step", "doctor_forward", "GradientReport", "ForwardReport", "Finding", "CheckError",
    "save", "load",
    "BarenetError", "ShapeError", "InputError", "NotReadyError", "NonFiniteError", "ModelFileError",
    "__version__",
]
