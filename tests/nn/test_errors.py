"""Bad input gives a specific ValueError whose message says who, what was expected and what came.

Each case asserts the exception class (a ValueError subclass: ShapeError or InputError)
and, with ``match``, that the message names the layer or loss, the expected shape and
the received shape or value.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import barenet as bn


def esc(text: str) -> str:
    return re.escape(text)


def mlp() -> bn.Sequential:
    return bn.Sequential([bn.Dense(4, 5), bn.ReLU(), bn.Dense(5, 3)], seed=0)


X_GOOD, Y_GOOD = np.ones((6, 4), np.float32), np.array([0, 1, 2, 0, 1, 2])


def fit(model, X, y, loss=None):
    return model.fit(X, y, loss=loss or bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(0.1), epochs=1)


def test_error_classes_are_value_errors():
    assert issubclass(bn.ShapeError, ValueError) and issubclass(bn.InputError, ValueError)
    assert issubclass(bn.ShapeError, bn.BarenetError) and issubclass(bn.InputError, bn.BarenetError)
    assert not issubclass(bn.NotReadyError, ValueError)


# -- shapes at the door of a layer ----------------------------------------------------------
def test_dense_given_images_names_layer_shapes_and_the_fix():
    with pytest.raises(bn.ShapeError, match=esc("Dense(4, 2): expected input of shape (N, 4), "
                                                "received (2, 4, 3, 3)") + ".*Flatten"):
        bn.Dense(4, 2).forward(np.ones((2, 4, 3, 3)))


def test_conv_given_a_matrix():
    with pytest.raises(bn.ShapeError, match=esc("Conv2D(3, 8, (3, 3)): expected input of shape (N, 3, ?, ?), "
                                                "received (5, 3)")):
        bn.Conv2D(3, 8, 3).forward(np.ones((5, 3)))


@pytest.mark.parametrize("layer, x, expected", [
    (bn.Dense(4, 2), np.ones((2, 5)), "(N, 4)"),
    (bn.Dense(4, 2), np.ones(4), "(N, 4)"),
    (bn.Conv2D(3, 8, (3, 2)), np.ones((2, 1, 5, 5)), "(N, 3, ?, ?)"),
    (bn.MaxPool2D(2), np.ones((2, 5, 5)), "(N, ?, ?, ?)"),
    (bn.AvgPool2D(2), np.ones((2, 1, 1, 5, 5)), "(N, ?, ?, ?)"),
], ids=["dense-features", "dense-no-batch", "conv-channels", "maxpool-rank", "avgpool-rank"])
def test_wrong_features_channels_or_rank(layer, x, expected):
    pattern = esc(f"{layer.label}: expected input of shape {expected}, received {x.shape}")
    with pytest.raises(bn.ShapeError, match=pattern):
        layer.forward(x)


def test_error_inside_a_model_says_where():
    model = bn.Sequential([bn.Conv2D(1, 2, 3), bn.Dense(8, 2)])
    with pytest.raises(bn.ShapeError, match=esc("Dense(8, 2) at layer 1: expected input of shape (N, 8), "
                                                "received (2, 2, 2, 2)")):
        model.forward(np.ones((2, 1, 4, 4)))


@pytest.mark.parametrize("layer, x, what", [
    (bn.Conv2D(3, 8, 3), np.ones((2, 3, 2, 5)), "input (N, 3, 2, 5) with padding (0, 0) is smaller than the kernel (3, 3)"),
    (bn.Conv2D(1, 1, (2, 4), padding=1), np.ones((1, 1, 3, 1)),
     "input (N, 1, 3, 1) with padding (1, 1) is smaller than the kernel (2, 4)"),
    (bn.MaxPool2D(3), np.ones((2, 3, 2, 5)), "input (N, 3, 2, 5) is smaller than the window (3, 3)"),
    (bn.AvgPool2D((1, 6)), np.ones((1, 1, 4, 5)), "input (N, 1, 4, 5) is smaller than the window (1, 6)"),
], ids=["conv", "conv-padded", "maxpool", "avgpool"])
def test_input_smaller_than_the_kernel(layer, x, what):
    with pytest.raises(bn.ShapeError, match=esc(f"{layer.label}: {what}")):
        layer.forward(x)


def test_padding_can_make_a_small_input_fit():
    assert bn.Conv2D(1, 1, 3, padding=1).forward(np.ones((1, 1, 1, 1))).shape == (1, 1, 1, 1)


@pytest.mark.parametrize("layer", [bn.Dense(4, 2), bn.ReLU(), bn.Flatten(), bn.Dropout(0.5)], ids=lambda l: l.label)
def test_empty_batch_into_a_layer(layer):
    with pytest.raises(bn.ShapeError, match=esc(f"{layer.label}: received an empty batch (0, 4)")):
        layer.forward(np.ones((0, 4)), training=True)


# -- the model's data checks ------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("method", ["fit", "predict", "predict_proba", "evaluate"])
def test_nan_or_inf_in_X(method, bad):
    model, X = mlp(), X_GOOD.copy()
    X[3, 2] = bad
    before = model.layers[0].params["W"].copy()
    calls = {"fit": lambda: fit(model, X, Y_GOOD), "predict": lambda: model.predict(X),
             "predict_proba": lambda: model.predict_proba(X),
             "evaluate": lambda: model.evaluate(X, Y_GOOD, bn.SoftmaxCrossEntropy())}
    with pytest.raises(bn.InputError, match=esc(f"Sequential.{method}: X contains NaN or inf (first at index (3, 2))")):
        calls[method]()
    np.testing.assert_array_equal(model.layers[0].params["W"], before)  # nothing was trained


def test_nan_in_validation_data():
    X = X_GOOD.copy()
    X[0, 0] = np.nan
    with pytest.raises(bn.InputError, match=esc("Sequential.fit (validation_data): X contains NaN")):
        mlp().fit(X_GOOD, Y_GOOD, loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(0.1), validation_data=(X, Y_GOOD))


@pytest.mark.parametrize("labels, message", [
    ([0, 1, 3, 0, 1, 2], "labels must be in [0, 3) for 3 outputs, received 3 at index 2"),
    ([0, -1, 2, 0, 1, 2], "labels must be in [0, 3) for 3 outputs, received -1 at index 1"),
    ([0, 1, 2, 0.5, 1, 2], "labels must be integers, received 0.5 at index 3"),
    ([0, 1, 2, 0, np.nan, 2], "targets contain NaN or inf"),
    (["a", "b", "c", "a", "b", "c"], "labels must be integers, received dtype <U1"),
    ([True, False, True, False, True, False], "labels must be integers, received dtype bool"),
], ids=["too-big", "negative", "half", "nan", "strings", "bools"])
def test_bad_labels(labels, message):
    model = mlp()
    before = [layer.params["W"].copy() for layer in (model.layers[0], model.layers[2])]
    with pytest.raises(bn.InputError, match=esc(f"SoftmaxCrossEntropy: {message}")):
        # batches of 2, shuffled: the index is still the caller's, and no step ran before the error
        model.fit(X_GOOD, np.array(labels), loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(1.0), batch_size=2)
    assert all(np.array_equal(w, layer.params["W"]) for w, layer in zip(before, (model.layers[0], model.layers[2])))
    with pytest.raises(bn.InputError, match=esc(message)):
        mlp().evaluate(X_GOOD, np.array(labels), bn.SoftmaxCrossEntropy())


def test_bad_labels_in_validation_data_fail_before_training():
    model = mlp()
    before = model.layers[0].params["W"].copy()
    with pytest.raises(bn.InputError, match=esc("received 7 at index 1")):
        model.fit(X_GOOD, Y_GOOD, loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(1.0),
                  validation_data=(X_GOOD[:2], np.array([0, 7])))
    np.testing.assert_array_equal(model.layers[0].params["W"], before)
    assert model.epoch == 0


def test_bad_one_hot_rows():
    rows = np.eye(3)[Y_GOOD] * 2
    with pytest.raises(bn.InputError, match="SoftmaxCrossEntropy: target rows must be one-hot"):
        fit(mlp(), X_GOOD, rows)


def test_labels_of_the_wrong_rank():
    with pytest.raises(bn.ShapeError, match=esc("SoftmaxCrossEntropy: expected integer labels (N,) or one-hot "
                                                "rows (6, 3), received (6, 2)")):
        bn.SoftmaxCrossEntropy().forward(np.ones((6, 3)), np.ones((6, 2)))


@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_X_and_y_of_different_lengths(method):
    model, y = mlp(), Y_GOOD[:5]
    with pytest.raises(bn.ShapeError, match=esc(f"Sequential.{method}: X has 6 samples but y has shape (5,)")):
        fit(model, X_GOOD, y) if method == "fit" else model.evaluate(X_GOOD, y, bn.SoftmaxCrossEntropy())


@pytest.mark.parametrize("method", ["fit", "predict"])
def test_empty_batch_into_the_model(method):
    model, X = mlp(), np.ones((0, 4), np.float32)
    with pytest.raises(bn.ShapeError, match=esc(f"Sequential.{method}: X is empty (0, 4)")):
        fit(model, X, np.array([], dtype=int)) if method == "fit" else model.predict(X)


def test_X_without_a_batch_axis_or_not_numeric():
    with pytest.raises(bn.ShapeError, match=esc("Sequential.predict: X must have a batch axis, shape (N, ...), "
                                                "received (4,)")):
        mlp().predict(np.ones(4))
    with pytest.raises(bn.InputError, match=esc("Sequential.predict: X must be numeric, received dtype <U1")):
        mlp().predict(np.array([["a", "b", "c", "d"]]))


# -- losses -------------------------------------------------------------------------------------
def test_mse_never_broadcasts_labels_against_two_outputs():
    pred, labels = np.zeros((4, 2)), np.array([0.0, 1.0, 1.0, 0.0])
    with pytest.raises(bn.ShapeError, match=esc("MSE: expected targets of shape (4, 2) to match the predictions, "
                                                "received (4,)") + ".*one-hot"):
        bn.MSE().forward(pred, labels)
    with pytest.raises(bn.ShapeError, match=esc("received (4, 2, 1)")):
        bn.MSE().forward(pred, np.zeros((4, 2, 1)))
    assert bn.MSE().forward(np.zeros((4, 1)), labels) == 0.5  # (N,) against one output is allowed: mean of 0,1,1,0


def test_loss_with_mismatched_batch():
    with pytest.raises(bn.ShapeError, match=esc("MSE: predictions have 3 samples (3, 2) but targets have shape (4, 2)")):
        bn.MSE().forward(np.ones((3, 2)), np.ones((4, 2)))
    with pytest.raises(bn.ShapeError, match=esc("BinaryCrossEntropy: received an empty batch (0, 1)")):
        bn.BinaryCrossEntropy().forward(np.ones((0, 1)), np.ones(0))


def test_softmax_cross_entropy_rejects_a_single_output():
    with pytest.raises(bn.ShapeError, match=esc("SoftmaxCrossEntropy: expected logits of shape (N, C) with C >= 2, "
                                                "received (5, 1)") + ".*BinaryCrossEntropy"):
        bn.SoftmaxCrossEntropy().forward(np.zeros((5, 1)), np.zeros(5, dtype=int))


def test_binary_cross_entropy_value_checks():
    with pytest.raises(bn.InputError, match="BinaryCrossEntropy: predictions must be probabilities.*from_logits=True"):
        bn.BinaryCrossEntropy().forward(np.full((3, 1), 1.5), np.array([1, 0, 1]))
    with pytest.raises(bn.InputError, match=esc("BinaryCrossEntropy: targets must lie in [0, 1]")):
        bn.BinaryCrossEntropy(from_logits=True).forward(np.zeros((3, 1)), np.array([2, 0, 1]))


def test_loss_backward_before_forward():
    for loss in (bn.MSE(), bn.BinaryCrossEntropy(), bn.SoftmaxCrossEntropy()):
        with pytest.raises(bn.NotReadyError, match=esc(f"{type(loss).__name__}: backward() called before forward()")):
            loss.backward()


# -- constructor arguments ---------------------------------------------------------------------
@pytest.mark.parametrize("make, message", [
    (lambda: bn.Dense(0, 2), "Dense: in_features must be a positive int, received 0"),
    (lambda: bn.Dense(3, 2.5), "Dense: out_features must be a positive int, received 2.5"),
    (lambda: bn.Dense(True, 2), "Dense: in_features must be a positive int, received True"),
    (lambda: bn.Conv2D(1, 2, kernel_size=(3,)), "Conv2D: kernel_size must be an int or a pair of ints, received (3,)"),
    (lambda: bn.Conv2D(1, 2, 3, stride=0), "Conv2D: stride must be >= 1, received 0"),
    (lambda: bn.Conv2D(1, 2, 3, padding=(1, -1)), "Conv2D: padding must be >= 0, received (1, -1)"),
    (lambda: bn.Conv2D(0, 2, 3), "Conv2D: in_channels must be a positive int, received 0"),
    (lambda: bn.MaxPool2D((2, 2, 2)), "MaxPool2D: kernel_size must be an int or a pair of ints"),
    (lambda: bn.AvgPool2D(2, stride=0), "AvgPool2D: stride must be >= 1, received 0"),
    (lambda: bn.Dropout(p=1.5), "Dropout: p must be a number in [0, 1), received 1.5"),
    (lambda: bn.Dropout(p=1.0), "Dropout: p must be a number in [0, 1), received 1.0"),
    (lambda: bn.Dropout(p=-0.1), "Dropout: p must be a number in [0, 1), received -0.1"),
    (lambda: bn.LeakyReLU(float("nan")), "LeakyReLU: negative_slope must be a finite number"),
    (lambda: bn.Dense(2, 2, init="glorot"), "Dense: unknown initializer 'glorot'; choose one of"),
    (lambda: bn.Conv2D(1, 1, 1, init="kaiming"), "Conv2D: unknown initializer 'kaiming'"),
    (lambda: bn.SGD(lr=-0.1), "SGD: lr must be a positive number, received -0.1"),
    (lambda: bn.Adam(lr=0), "Adam: lr must be a positive number, received 0"),
    (lambda: bn.RMSProp(lr=float("inf")), "RMSProp: lr must be a positive number, received inf"),
    (lambda: bn.SoftmaxCrossEntropy(label_smoothing=1.5), "SoftmaxCrossEntropy: label_smoothing must be in [0, 1]"),
    (lambda: bn.Sequential([]), "Sequential: needs at least one layer"),
], ids=lambda v: None if callable(v) else v.split(":")[0] + ":" + v.split(",")[0].split(" ")[1])
def test_constructor_arguments(make, message):
    with pytest.raises(ValueError, match=esc(message)):
        make()


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": -1}, "epochs must be an int >= 0, received -1"),
    ({"batch_size": 0}, "batch_size must be an int >= 1, received 0"),
    ({"validation_split": 1.0}, "validation_split must be in [0, 1), received 1.0"),
    ({"validation_split": 0.5, "validation_data": (X_GOOD, Y_GOOD)}, "pass validation_data or validation_split, not both"),
])
def test_fit_arguments(kwargs, message):
    with pytest.raises(ValueError, match=esc(f"Sequential.fit: {message}")):
        mlp().fit(X_GOOD, Y_GOOD, loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(0.1), **kwargs)


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_finite_input_that_overflows_names_the_sample_and_layer(method):
    # 3e38 is a finite float32, but 4 of them summed in Dense(4, 5) overflow to inf, and
    # the next layers turn inf into NaN; argmax of NaN would silently answer class 0.
    X = np.ones((3, 4), np.float32)
    X[1] = 3e38
    with pytest.raises(bn.NonFiniteError, match=esc(f"Sequential.{method}: Dense(4, 5) at layer 0 gives NaN or inf "
                                                    "for sample 1") + ".*3e\\+38"):
        getattr(mlp(), method)(X)
    assert getattr(mlp(), method)(X[[0, 2]]).shape[0] == 2  # the other samples still predict


@pytest.mark.parametrize("method", ["predict", "fit"])
def test_ragged_nested_lists_are_an_input_error(method):
    ragged = [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0]]
    call = (lambda: mlp().predict(ragged)) if method == "predict" else (lambda: fit(mlp(), X_GOOD, [[0], [1, 2]] * 3))
    with pytest.raises(bn.InputError, match="must be a rectangular array"):
        call()


def test_save_refuses_a_non_model_and_a_record_nested_too_deep(tmp_path):
    with pytest.raises(TypeError, match="save: model must be a barenet Sequential, received str"):
        bn.save("model", tmp_path / "m.barenet")
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested too deeply"):
        bn.save(mlp(), tmp_path / "m.barenet", record={"notes": deep})
    assert list(tmp_path.iterdir()) == []
