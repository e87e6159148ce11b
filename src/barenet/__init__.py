"""barenet: a small neural-network library on NumPy with hand-written, tested backprop.

This module only re-exports the public API. The house, one part per folder, is described in
docs/architecture.md:

    nn/          the engine: layers, losses, optimizers, Sequential, fit, gradcheck (NumPy only)
    data/        datasets and image files          modelfile/  safe model files (save, load)
    zoo.py       named architectures               job/        the training job, progress bar, plots, LivePlot
    explain/     a worked training step            doctor/     finds a network's mistakes
    check/       checks backprop a learner wrote   cli/        the ``barenet`` command
    sklearn.py, onnx.py, web/: adapters (optional extras)
"""

from ._version import __version__
from .check import (CheckError, Finding, ForwardReport, GradientReport, check_gradients, check_step,
                    doctor_forward)
from .doctor import doctor
from .job.live import LivePlot
from .job.progress import ProgressBar
from .modelfile import load, save
from .nn import (INITIALIZERS, LAYERS, LOSSES, MSE, OPTIMIZERS, SGD, Adam, AvgPool2D, BarenetError,  # noqa: I001
                 BinaryCrossEntropy, Callback, Conv2D, CosineLR, Dense, Dropout, EarlyStopping, ExponentialLR,
                 Flatten, GradcheckResult, GradReport, History, InputError, Layer, LeakyReLU, Loss, MaxPool2D,
                 ModelFileError, NonFiniteError, NonFiniteGuard, NotReadyError, Optimizer, ReLU, RMSProp,
                 Sequential, ShapeError, Sigmoid, Softmax, SoftmaxCrossEntropy, StepLR, Tanh, glorot_normal,
                 glorot_uniform, gradcheck, he_normal, he_uniform)

__all__ = [
    "Sequential", "Layer", "Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Sigmoid", "Tanh", "ReLU",
    "LeakyReLU", "Softmax", "Dropout", "LAYERS",
    "Loss", "MSE", "BinaryCrossEntropy", "SoftmaxCrossEntropy", "LOSSES",
    "Optimizer", "SGD", "Adam", "RMSProp", "OPTIMIZERS", "StepLR", "ExponentialLR", "CosineLR",
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "INITIALIZERS",
    "Callback", "EarlyStopping", "NonFiniteGuard", "History", "LivePlot", "ProgressBar",
    "gradcheck", "GradReport", "GradcheckResult", "doctor",
    "check_gradients", "check_step", "doctor_forward", "GradientReport", "ForwardReport", "Finding", "CheckError",
    "save", "load",
    "BarenetError", "ShapeError", "InputError", "NotReadyError", "NonFiniteError", "ModelFileError",
    "__version__",
]
