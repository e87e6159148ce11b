"""scikit-learn adapter: ``BareNetClassifier``, a barenet network behind sklearn's estimator API.

It is an optional extra (``pip install 'barenet[sklearn]'``), imported only when used, so
that ``import barenet`` never pulls scikit-learn in. The estimator passes scikit-learn's
own estimator check suite and works in Pipeline, GridSearchCV and cross_val_score; with
joblib's Dask or Ray backend the same search runs on a cluster (see docs/scaling.md).

    >>> from barenet.sklearn import BareNetClassifier
    >>> clf = BareNetClassifier(hidden_layer_sizes=(64,), epochs=30, random_state=0)
    >>> clf.fit(X_train, y_train).score(X_test, y_test)  # doctest: +SKIP

Fitted estimators pickle (joblib needs that to ship them between processes). To keep a
trained network as a barenet model file instead, save ``clf.model_`` with ``barenet.save``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._optional import require

require("sklearn", "sklearn")  # ImportError naming the extra when scikit-learn is missing

from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.utils import check_random_state  # noqa: E402
from sklearn.utils.multiclass import check_classification_targets  # noqa: E402
from sklearn.utils.validation import check_is_fitted, validate_data  # noqa: E402

from .nn.callbacks import Callback, EarlyStopping  # noqa: E402
from .nn.errors import InputError, ShapeError  # noqa: E402
from .nn.layers import Conv2D, Dense, Flatten, Layer, LeakyReLU, MaxPool2D, ReLU, Sigmoid, Tanh  # noqa: E402
from .nn.losses import SoftmaxCrossEntropy  # noqa: E402
from .nn.model import Sequential  # noqa: E402
from .nn.optim import SGD, Adam, Optimizer, RMSProp  # noqa: E402

__all__ = ["BareNetClassifier"]

DTYPE = "float64"  # sklearn hands over float64; it also keeps predictions batch-size invariant
ACTIVATIONS: dict[str, type[Layer]] = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU}
_HE_INIT = ("relu", "leaky_relu")  # He init suits rectifiers; Glorot suits tanh and sigmoid
OPTIMIZERS = ("adam", "sgd", "rmsprop")


def _make_optimizer(name: str, lr: float) -> Optimizer:
    """``"sgd"`` is SGD with Nesterov momentum 0.9, as in sklearn's MLPClassifier."""
    if name == "sgd":
        return SGD(lr, momentum=0.9, nesterov=True)
    return Adam(lr=lr) if name == "adam" else RMSProp(lr=lr)


def _is_int(v: Any, low: int) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= low


def _is_real(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _conv_spec(spec: Any, i: int) -> tuple[int, tuple[int, int]]:
    """One ``conv`` entry ``(filters, kernel)`` as ``(filters, (kh, kw))``, else ValueError."""
    try:
        filters, kernel = spec
        kernel = (kernel, kernel) if _is_int(kernel, 1) else tuple(kernel)
    except (TypeError, ValueError):
        kernel = None
    if kernel is None or not _is_int(filters, 1) or len(kernel) != 2 or not all(_is_int(k, 1) for k in kernel):
        raise ValueError(f"BareNetClassifier: conv[{i}] must be a pair (filters, kernel) of positive ints, "
                         f"kernel an int or an (h, w) pair; received {spec!r}")
    return int(filters), (int(kernel[0]), int(kernel[1]))


class _PrintProgress(Callback):
    """Prints one line per epoch: ``epoch 3: loss=0.1234 val_loss=...``."""

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> None:
        values = " ".join(f"{k}={v:.4f}" for k, v in logs.items())
        print(f"epoch {model.epoch}: {values}", flush=True)


class BareNetClassifier(ClassifierMixin, BaseEstimator):
    """A barenet network trained with softmax cross-entropy, as a scikit-learn classifier.

    Architecture: ``[conv trunk] -> (Dense(h) -> activation) per entry of hidden_layer_sizes
    -> Dense(n_classes)``; the logits go through the fused ``SoftmaxCrossEntropy`` against
    the integer-encoded classes (two classes too, so binary and multiclass share one path).

    Shape: X (n_samples, n_features) -> predict_proba (n_samples, n_classes), predict
    (n_samples,). With ``conv``, X is images (n_samples, C, H, W), or flat rows
    (n_samples, C*H*W) together with ``input_shape``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64,)
        Width of each hidden Dense layer; ``()`` gives softmax regression.
    conv : tuple of (filters, kernel) pairs or None, default=None
        A convolutional trunk for image input. Each pair adds
        ``Conv2D(filters, kernel, padding=kernel // 2) -> activation -> MaxPool2D(2)``, so an
        odd kernel keeps H and W and each pool halves them (floor); kernel is an int or an
        (kh, kw) pair. Example: ``((8, 3), (16, 3))`` on 8x8 digits gives 16 maps of 2x2.
        A Flatten joins the trunk to the Dense layers.
    input_shape : (H, W) or (C, H, W) or None, default=None
        With ``conv``: the per-sample image shape for flat input (n_samples, C*H*W), which is
        reshaped to (n_samples, C, H, W); (H, W) means one channel. Not needed for 4-D input.
    activation : {"relu", "tanh", "sigmoid", "leaky_relu"}, default="relu"
        Nonlinearity after every hidden layer, convolutional ones included.
    optimizer : {"adam", "sgd", "rmsprop"}, default="adam"
        ``"sgd"`` uses Nesterov momentum 0.9.
    learning_rate : float, default=1e-3
    batch_size : int, default=32
    epochs : int, default=100
        Passes over the data in ``fit`` (at most that, with early stopping); each
        ``partial_fit`` call is one pass.
    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the training data, stop once the
        validation loss has not improved for ``n_iter_no_change`` epochs, and keep the
        weights of the best epoch. Not used by ``partial_fit``.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    random_state : int, RandomState or None, default=None
        Fixes the initial weights, the batch order and the validation split.
    verbose : int, default=0
        If > 0, print the metrics after each epoch.

    Attributes
    ----------
    classes_ : ndarray (n_classes,), the sorted class labels (any labels, strings included).
    n_features_in_ : int, columns of X seen in fit (C for 4-D image input).
    sample_shape_ : tuple, the per-sample shape the network takes: (n_features,) or (C, H, W).
    model_ : barenet.Sequential, the trained network (outputs logits).
    loss_curve_ : list of float, mean training loss of each epoch run so far.
    validation_scores_ : list of float or None, validation accuracy per epoch (early_stopping only).
    n_iter_ : int, epochs run so far.
    """

    def __init__(self, hidden_layer_sizes: Any = (64,), conv: Any = None, input_shape: Any = None,
                 activation: str = "relu", optimizer: str = "adam", learning_rate: float = 1e-3,
                 batch_size: int = 32, epochs: int = 100, early_stopping: bool = False,
                 validation_fraction: float = 0.1, n_iter_no_change: int = 10, random_state: Any = None,
                 verbose: int = 0) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.conv = conv
        self.input_shape = input_shape
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose

    # -- training ------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> "BareNetClassifier":
        """Build a fresh network and train it for ``epochs`` epochs. X (N, ...), y (N,)."""
        self._check_params()
        X, y = self._validate(X, y, reset=True)
        classes, y_enc = np.unique(y, return_inverse=True)
        model_seed, split_seed = check_random_state(self.random_state).randint(2**31 - 1, size=2)
        self._initialize(classes, X.shape[1:], int(model_seed))
        self._train(X, y_enc, self.epochs, split_seed=int(split_seed) if self.early_stopping else None)
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> "BareNetClassifier":
        """Train one epoch on (X, y), keeping the weights and the optimizer state.

        The first call (on an unfitted estimator) needs ``classes``, every label that any
        call will see, as in sklearn's MLPClassifier. Shapes as in ``fit``.
        """
        first = not hasattr(self, "model_")
        if first:
            if classes is None:
                raise ValueError("BareNetClassifier: pass classes=... (all labels) on the first call of partial_fit")
            self._check_params()
            check_classification_targets(classes)
        X, y = self._validate(X, y, reset=first)
        if first:
            seed = int(check_random_state(self.random_state).randint(2**31 - 1))  # as fit draws it
            self._initialize(np.unique(classes), X.shape[1:], seed)
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"BareNetClassifier: classes {np.unique(classes).tolist()} differ from the classes "
                             f"of the first call, {self.classes_.tolist()}")
        self._train(X, self._encode(y), 1, split_seed=None)
        return self

    def _initialize(self, classes: np.ndarray, sample_shape: tuple, seed: int) -> None:
        """Build ``model_`` for sorted ``classes`` and per-sample input ``sample_shape``; reset training."""
        if len(classes) < 2:
            raise ValueError(f"BareNetClassifier: needs samples of at least 2 classes to learn from, "
                             f"but the data has 1 class ({classes[0]!r})")
        sample_shape = tuple(int(d) for d in sample_shape)
        self.model_ = Sequential(self._build_layers(sample_shape, len(classes)), seed=seed)
        self.classes_, self.sample_shape_ = classes, sample_shape
        self.optimizer_ = _make_optimizer(self.optimizer, float(self.learning_rate))
        self.loss_curve_: list[float] = []
        self.validation_scores_: list[float] | None = None
        self.n_iter_ = 0

    def _train(self, X: np.ndarray, y: np.ndarray, epochs: int, split_seed: int | None) -> None:
        """Run ``epochs`` epochs on encoded labels y (N,); a split seed turns early stopping on."""
        callbacks: list[Callback] = [_PrintProgress()] if self.verbose else []
        validation = None
        if split_seed is not None:
            X, Xv, y, yv = train_test_split(X, y, test_size=self.validation_fraction, random_state=split_seed,
                                            stratify=y)
            validation = (Xv, yv)
            callbacks.append(EarlyStopping("val_loss", patience=self.n_iter_no_change))
        history = self.model_.fit(X, y, loss=SoftmaxCrossEntropy(), optimizer=self.optimizer_, epochs=epochs,
                                  batch_size=int(self.batch_size), validation_data=validation, callbacks=callbacks)
        self.loss_curve_ += history["loss"]
        if validation is not None:
            self.validation_scores_ = history["val_accuracy"]
        self.n_iter_ = self.model_.epoch

    def _encode(self, y: np.ndarray) -> np.ndarray:
        """Labels (N,) -> their indices in ``classes_``; ValueError for labels not seen before."""
        unknown = np.setdiff1d(y, self.classes_)
        if len(unknown):
            raise InputError(f"BareNetClassifier: y has labels {unknown.tolist()} that are not in classes_ "
                             f"{self.classes_.tolist()}")
        return np.searchsorted(self.classes_, y)

    # -- inference -----------------------------------------------------------------
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, (N, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self)
        X = self._validate_X(X)
        return self.model_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample, (N,), labels from ``classes_``."""
        proba = self.predict_proba(X)  # checks fitted-ness before classes_ is read
        return self.classes_[proba.argmax(axis=1)]

    # -- checks --------------------------------------------------------------------
    def _validate(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        """sklearn's checks of X (N, ...) and y (N,) (finite, numeric, classification targets)."""
        X, y = validate_data(self, X, y, reset=reset, dtype=np.float64, allow_nd=self.conv is not None)
        check_classification_targets(y)
        return self._shaped(X, reset), y

    def _validate_X(self, X: Any) -> np.ndarray:
        """sklearn's checks of X at predict time, against the shape seen in fit."""
        X = validate_data(self, X, reset=False, dtype=np.float64, allow_nd=self.conv is not None)
        return self._shaped(X, reset=False)

    def _shaped(self, X: np.ndarray, reset: bool) -> np.ndarray:
        """X as the network takes it: images reshaped for ``conv``, the sample shape checked."""
        if self.conv is not None:
            X = self._as_images(X)
        if not reset and X.shape[1:] != self.sample_shape_:
            raise ShapeError(f"BareNetClassifier: X has samples of shape {X.shape[1:]}, but the network was "
                             f"built for {self.sample_shape_}")
        return X

    def _as_images(self, X: np.ndarray) -> np.ndarray:
        """(N, C, H, W) as is, or flat (N, C*H*W) reshaped by ``input_shape``; else ShapeError."""
        if X.ndim == 4:
            return X
        if X.ndim != 2 or self.input_shape is None:
            raise ShapeError(f"BareNetClassifier: with conv, X must be images (n_samples, C, H, W), or flat "
                             f"(n_samples, C*H*W) with input_shape=(H, W) or (C, H, W); received {X.shape}")
        shape = tuple(self.input_shape)
        shape = (1,) + shape if len(shape) == 2 else shape
        if int(np.prod(shape)) != X.shape[1]:
            raise ShapeError(f"BareNetClassifier: input_shape={self.input_shape!r} holds {int(np.prod(shape))} "
                             f"values per sample, but X has {X.shape[1]} features")
        return X.reshape((len(X),) + shape)

    def _check_params(self) -> None:
        """Hyperparameter checks, run by fit (sklearn keeps __init__ free of logic)."""
        errors = []
        if self.activation not in ACTIVATIONS:
            errors.append(f"activation must be one of {sorted(ACTIVATIONS)}, received {self.activation!r}")
        if self.optimizer not in OPTIMIZERS:
            errors.append(f"optimizer must be one of {list(OPTIMIZERS)}, received {self.optimizer!r}")
        for name in ("batch_size", "epochs", "n_iter_no_change"):
            if not _is_int(getattr(self, name), 1):
                errors.append(f"{name} must be an int >= 1, received {getattr(self, name)!r}")
        if not _is_real(self.learning_rate) or not 0 < self.learning_rate < np.inf:
            errors.append(f"learning_rate must be a positive number, received {self.learning_rate!r}")
        if not _is_real(self.validation_fraction) or not 0 < self.validation_fraction < 1:
            errors.append(f"validation_fraction must be in (0, 1), received {self.validation_fraction!r}")
        if not all(_is_int(h, 1) for h in self._hidden_sizes()):
            errors.append(f"hidden_layer_sizes must be positive ints, received {self.hidden_layer_sizes!r}")
        shape = self.input_shape
        if shape is not None and (np.ndim(shape) != 1 or len(shape) not in (2, 3)
                                  or not all(_is_int(d, 1) for d in shape)):
            errors.append(f"input_shape must be (H, W) or (C, H, W) of positive ints, received {shape!r}")
        if errors:
            raise ValueError("BareNetClassifier: " + "; ".join(errors))

    def _hidden_sizes(self) -> list[Any]:
        sizes = self.hidden_layer_sizes
        return [sizes] if np.ndim(sizes) == 0 else list(sizes)

    # -- architecture --------------------------------------------------------------
    def _build_layers(self, sample_shape: tuple, n_classes: int) -> list[Layer]:
        """The layers for per-sample input (D,) or (C, H, W) and ``n_classes`` logits."""
        layers = self._conv_trunk(sample_shape) if self.conv is not None else []  # images are (C, H, W) here
        init = "he_uniform" if self.activation in _HE_INIT else "glorot_uniform"
        n_in = self._trunk_width(layers, sample_shape)
        for width in self._hidden_sizes():
            layers += [Dense(n_in, int(width), init=init, dtype=DTYPE), ACTIVATIONS[self.activation]()]
            n_in = int(width)
        return layers + [Dense(n_in, n_classes, dtype=DTYPE)]

    @staticmethod
    def _trunk_width(layers: list[Layer], sample_shape: tuple) -> int:
        shape = sample_shape
        for layer in layers:
            shape = layer.output_shape(shape)
        return int(np.prod(shape))

    def _conv_trunk(self, sample_shape: tuple) -> list[Layer]:
        """Conv2D -> activation -> MaxPool2D(2) per ``conv`` entry, then Flatten. (C, H, W) in."""
        if not isinstance(self.conv, (list, tuple)):
            raise ValueError(f"BareNetClassifier: conv must be a sequence of (filters, kernel) pairs, "
                             f"received {self.conv!r}")
        init = "he_uniform" if self.activation in _HE_INIT else "glorot_uniform"
        layers: list[Layer] = []
        shape = tuple(sample_shape)
        for i, spec in enumerate(self.conv):
            filters, (kh, kw) = _conv_spec(spec, i)
            conv = Conv2D(shape[0], filters, (kh, kw), padding=(kh // 2, kw // 2), init=init, dtype=DTYPE)
            shape = conv.output_shape(shape)
            if min(shape[1:]) < 2:
                raise ShapeError(f"BareNetClassifier: conv[{i}] leaves maps of {shape[1]}x{shape[2]}, too small "
                                 f"for MaxPool2D(2); input {sample_shape} fits fewer conv blocks")
            pool = MaxPool2D(2)
            shape = pool.output_shape(shape)
            layers += [conv, ACTIVATIONS[self.activation](), pool]
        return layers + [Flatten()]
