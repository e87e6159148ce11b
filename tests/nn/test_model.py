"""Sequential end to end: fit and its History, determinism, resuming, callbacks, inference, dtypes."""

from __future__ import annotations

import ast
import json
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest
from helpers import blobs, params_of, same_params

import barenet as bn

X, Y = blobs(20, 3, seed=0)  # 60 samples, 3 separable classes


def mlp(seed=0, dropout=False):
    layers = [bn.Dense(2, 16), bn.Tanh()] + ([bn.Dropout(0.2)] if dropout else []) + [bn.Dense(16, 3)]
    return bn.Sequential(layers, seed=seed)


def train(model, epochs=5, optimizer=None, **kwargs):
    return model.fit(X, Y, loss=bn.SoftmaxCrossEntropy(), optimizer=optimizer or bn.Adam(0.02),
                     epochs=epochs, batch_size=8, **kwargs)


# -- fit and History ---------------------------------------------------------------------------
def test_fit_reduces_the_loss_and_separates_the_classes():
    model = mlp()
    before = model.evaluate(X, Y, bn.SoftmaxCrossEntropy())
    history = train(model, epochs=30, seed=0)
    assert history.epochs == 30 == model.epoch
    assert history["loss"][-1] < 0.1 * history["loss"][0]
    assert history["accuracy"][-1] == 1.0
    after = model.evaluate(X, Y)  # the loss from fit is remembered
    assert after["loss"] < 0.1 * before["loss"] and after["accuracy"] == 1.0
    np.testing.assert_array_equal(model.predict(X), Y)


def test_history_with_validation_data():
    Xv, yv = blobs(5, 3, seed=9)
    history = train(mlp(), epochs=3, seed=0, validation_data=(Xv, yv))
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in history.history.values())
    assert all(0.0 <= a <= 1.0 for a in history["accuracy"] + history["val_accuracy"])
    assert "val_loss" in history and "precision" not in history


def test_validation_split_holds_out_the_last_samples():
    model = mlp()
    history = train(model, epochs=2, seed=0, validation_split=0.25)
    final = model.evaluate(X[-15:], Y[-15:])  # round(60 * 0.25) = 15 samples, taken before shuffling
    assert history["val_loss"][-1] == pytest.approx(final["loss"], rel=1e-6)
    assert history["val_accuracy"][-1] == final["accuracy"]
    assert len(history["val_loss"]) == 2


def test_history_without_validation_has_no_val_keys():
    history = train(mlp(), epochs=1, seed=0)
    assert set(history.history) == {"loss", "accuracy"}


def test_training_accuracy_counts_samples():
    history = train(mlp(), epochs=1, seed=0, optimizer=bn.SGD(1e-9))  # a step too small to matter
    expected = np.mean(mlp().predict(X) == Y)
    assert history["accuracy"][0] == pytest.approx(expected, abs=1e-12)


# -- determinism and resuming ---------------------------------------------------------------------
def test_same_seed_gives_bit_identical_weights():
    runs = [params_of(m) for m in (mlp(3, dropout=True), mlp(3, dropout=True))]
    assert same_params(*runs)
    a, b, c = mlp(3, dropout=True), mlp(3, dropout=True), mlp(3, dropout=True)
    ha, hb = train(a, seed=11), train(b, seed=11)
    train(c, seed=12)
    assert same_params(params_of(a), params_of(b))
    assert ha.history == hb.history
    assert not same_params(params_of(a), params_of(c))  # same init, another shuffle and mask stream
    assert not same_params(params_of(mlp(3)), params_of(mlp(4)))


def test_two_plus_two_epochs_equal_four():
    def make():
        return mlp(5, dropout=True), bn.Adam(0.02, schedule=bn.StepLR(step_size=1, gamma=0.5))

    a, opt_a = make()
    h1 = train(a, epochs=2, optimizer=opt_a, seed=7)
    h2 = train(a, epochs=2, optimizer=opt_a)  # no seed: the streams carry on
    b, opt_b = make()
    h4 = train(b, epochs=4, optimizer=opt_b, seed=7)
    assert a.epoch == b.epoch == 4
    assert h1["loss"] + h2["loss"] == h4["loss"]
    assert same_params(params_of(a), params_of(b))
    assert opt_a.lr == opt_b.lr == 0.02 * 0.5**3  # the schedule saw epochs 0..3, not 0, 1, 0, 1
    for key, state in opt_a.state.items():
        assert all(np.array_equal(v, opt_b.state[key][k]) for k, v in state.items())
    assert a.layers[2].rng.bit_generator.state == b.layers[2].rng.bit_generator.state


def test_resuming_with_a_seed_is_not_the_same_run():
    a, b = mlp(5, dropout=True), mlp(5, dropout=True)
    opt_a, opt_b = bn.Adam(0.02), bn.Adam(0.02)
    train(a, epochs=1, optimizer=opt_a, seed=7)
    train(a, epochs=1, optimizer=opt_a, seed=7)  # reseeding repeats epoch 1's shuffle and masks
    train(b, epochs=2, optimizer=opt_b, seed=7)
    assert not same_params(params_of(a), params_of(b))


# -- callbacks ---------------------------------------------------------------------------------------
class Recorder(bn.Callback):
    """Keeps a copy of the parameters at the end of every epoch."""

    def __init__(self):
        self.params = []

    def on_epoch_end(self, model, epoch, logs):
        assert epoch == len(self.params)
        self.params.append(params_of(model))


def test_early_stopping_restores_the_best_weights():
    Xv, yv = blobs(10, 3, seed=2, spread=1.0)
    yv = yv.copy()
    yv[:6] = (yv[:6] + 1) % 3  # noisy validation labels: val_loss falls, then rises as the fit sharpens
    model, recorder, stopper = mlp(), Recorder(), bn.EarlyStopping("val_loss", patience=2)
    history = train(model, epochs=60, optimizer=bn.Adam(0.003), seed=0, validation_data=(Xv, yv),
                    callbacks=[recorder, stopper])
    val = history["val_loss"]
    best = int(np.argmin(val))
    assert 0 < best < history.epochs - 1 < 59  # improved for a while, then stopped early
    assert history.epochs == best + 2 + 2  # the best epoch, then patience + 1 epochs without improvement
    assert stopper.best_epoch == best and stopper.stopped_epoch == history.epochs - 1
    assert len(recorder.params) == history.epochs
    assert same_params(params_of(model), recorder.params[best])
    assert not same_params(params_of(model), recorder.params[-1])
    assert model.evaluate(Xv, yv)["loss"] == pytest.approx(val[best], rel=1e-6)


def test_early_stopping_on_accuracy_maximizes():
    stopper = bn.EarlyStopping("accuracy", patience=0, restore_best_weights=False)
    history = train(mlp(), epochs=40, seed=0, callbacks=[stopper])
    assert history.epochs < 40
    assert max(history["accuracy"]) == history["accuracy"][stopper.best_epoch]


def test_early_stopping_names_a_missing_metric():
    with pytest.raises(ValueError, match="monitor 'val_loss' is not among the metrics"):
        train(mlp(), epochs=1, callbacks=[bn.EarlyStopping()])


def test_callback_hooks_run_in_order():
    calls = []

    class Spy(bn.Callback):
        def on_train_begin(self, model):
            calls.append("begin")

        def on_backward(self, model, epoch, batch, logs):
            assert all(np.isfinite(g).all() for layer in model.layers for g in layer.grads.values())
            calls.append(("backward", epoch, batch))

        def on_epoch_end(self, model, epoch, logs):
            calls.append(("epoch", epoch))

        def on_train_end(self, model):
            calls.append("end")

    train(mlp(), epochs=2, seed=0, callbacks=[Spy()])
    per_epoch = lambda e: [("backward", e, b) for b in range(8)] + [("epoch", e)]  # noqa: E731  60 / 8 -> 8 batches
    assert calls == ["begin"] + per_epoch(0) + per_epoch(1) + ["end"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_non_finite_guard_on_a_huge_learning_rate():
    model = bn.Sequential([bn.Dense(2, 8), bn.ReLU(), bn.Dense(8, 3)], seed=0)
    before = params_of(model)
    with pytest.raises(bn.NonFiniteError, match=r"epoch 1, batch [2-8]: Dense\(\d+, \d+\) at layer \d .*non-finite"):
        train(model, epochs=3, optimizer=bn.SGD(1e30), seed=0)
    assert model.epoch == 0 and not same_params(params_of(model), before)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_non_finite_guard_on_overflowing_inputs():
    model = bn.Sequential([bn.Dense(2, 8, init="zeros"), bn.Dense(8, 3)], seed=0)
    model.layers[0].params["W"][...] = 1.0  # 3e38 + 3e38 overflows float32
    Xbig = np.full((4, 2), 3e38, np.float32)
    with pytest.raises(bn.NonFiniteError, match=re.escape("epoch 1, batch 1: Dense(2, 8) at layer 0 produced "
                                                          "a non-finite output")):
        model.fit(Xbig, Y[:4], loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(0.1), seed=0)
    assert issubclass(bn.NonFiniteError, FloatingPointError)


# -- inference ------------------------------------------------------------------------------------------
def test_predict_and_predict_proba():
    model = mlp(1)
    rng = np.random.default_rng(0)
    Xt = rng.standard_normal((25, 2)).astype(np.float32)
    logits = model.forward(Xt)
    proba = model.predict_proba(Xt)
    assert proba.shape == (25, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(model.predict(Xt), logits.argmax(axis=1))
    np.testing.assert_array_equal(proba.argmax(axis=1), logits.argmax(axis=1))
    softmax_model = bn.Sequential(model.layers + [bn.Softmax()])
    np.testing.assert_allclose(softmax_model.predict_proba(Xt), proba, rtol=1e-6)  # not softmaxed twice


def test_single_sigmoid_output_predicts_by_threshold():
    model = bn.Sequential([bn.Dense(2, 1), bn.Sigmoid()], seed=0)
    Xt = np.random.default_rng(1).standard_normal((30, 2)).astype(np.float32) * 3
    p = model.forward(Xt)[:, 0]
    proba = model.predict_proba(Xt)
    assert proba.shape == (30, 2)
    np.testing.assert_allclose(proba, np.stack([1 - p, p], axis=1))
    np.testing.assert_array_equal(model.predict(Xt), (p >= 0.5).astype(int))
    assert 0 < model.predict(Xt).sum() < 30  # both classes occur, so the threshold was exercised


def test_single_output_of_exactly_one_half_is_class_one_everywhere():
    # With zero weights every p is exactly 0.5: predict, evaluate and fit must agree on the label.
    model = bn.Sequential([bn.Dense(2, 1, init="zeros"), bn.Sigmoid()])
    ones = np.ones(4, dtype=int)
    np.testing.assert_array_equal(model.predict(X[:4]), ones)
    assert model.evaluate(X[:4], ones, bn.BinaryCrossEntropy())["accuracy"] == 1.0
    logits = bn.Sequential([bn.Dense(2, 1, init="zeros")])  # logit 0 means p = 0.5 too
    np.testing.assert_array_equal(logits.predict(X[:4]), ones)
    np.testing.assert_allclose(logits.predict_proba(X[:4]), 0.5)


def test_evaluate_returns_loss_and_accuracy():
    model = mlp(2)
    result = model.evaluate(X, Y, bn.SoftmaxCrossEntropy())
    assert set(result) == {"loss", "accuracy"}
    assert result["loss"] == pytest.approx(bn.SoftmaxCrossEntropy().forward(model.forward(X), Y), rel=1e-7)
    assert result["accuracy"] == pytest.approx(np.mean(model.predict(X) == Y))
    onehot = model.evaluate(X, np.eye(3)[Y], bn.SoftmaxCrossEntropy())
    assert onehot["loss"] == pytest.approx(result["loss"], rel=1e-6) and onehot["accuracy"] == result["accuracy"]
    with pytest.raises(ValueError, match="pass loss=..., or fit the model first"):
        mlp().evaluate(X, Y)


# -- dtypes and imports -------------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", [bn.SGD(0.01, momentum=0.9, nesterov=True, weight_decay=1e-4),
                                       bn.Adam(1e-3, weight_decay=1e-4), bn.RMSProp(1e-3)],
                         ids=["sgd", "adam", "rmsprop"])
@pytest.mark.parametrize("x_dtype", [np.float32, np.float64])
def test_float32_stays_float32_through_training(optimizer, x_dtype):
    model = bn.Sequential([bn.Conv2D(1, 2, 3, padding=1), bn.ReLU(), bn.MaxPool2D(2), bn.Flatten(),
                           bn.Dropout(0.1), bn.Dense(8, 4), bn.Sigmoid(), bn.Dense(4, 3)], seed=0)
    Xi = np.random.default_rng(0).standard_normal((6, 1, 4, 4)).astype(x_dtype)
    model.fit(Xi, Y[:6], loss=bn.SoftmaxCrossEntropy(0.1), optimizer=optimizer, epochs=2, batch_size=3, seed=0)
    assert [out.dtype for out in model.outputs] == [np.float32] * len(model.layers)
    out = model.forward(Xi, training=True)
    model.backward(np.ones_like(out), keep_input_grads=True)
    assert len(model.input_grads) == len(model.layers)
    assert all(g.dtype == np.float32 for g in model.input_grads)
    for layer in model.layers:
        assert all(p.dtype == np.float32 for p in layer.params.values())
        assert all(g.dtype == np.float32 for g in layer.grads.values())
    arrays = [v for state in optimizer.state.values() for v in state.values() if isinstance(v, np.ndarray)]
    assert len(optimizer.state) == 6 and arrays and all(a.dtype == np.float32 for a in arrays)
    assert model.predict_proba(Xi).dtype == np.float32


def test_float64_model_stays_float64():
    model = bn.Sequential([bn.Dense(2, 4, dtype="float64"), bn.Tanh(), bn.Dense(4, 3, dtype="float64")], seed=0)
    opt = bn.Adam(0.01)
    model.fit(X, Y, loss=bn.SoftmaxCrossEntropy(), optimizer=opt, epochs=1, seed=0)
    assert all(out.dtype == np.float64 for out in model.outputs)
    assert all(v.dtype == np.float64 for s in opt.state.values() for v in s.values() if isinstance(v, np.ndarray))


def test_config_round_trip_of_a_model():
    model = mlp(0, dropout=True)
    text = json.dumps(model.get_config())
    rebuilt = bn.Sequential.from_config(json.loads(text))
    assert json.dumps(rebuilt.get_config()) == text
    with pytest.raises(ValueError, match="unknown type 'os.system'"):
        bn.Sequential.from_config({"layers": [{"type": "os.system", "config": {}}]})


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The absolute names a relative ``from ... import`` statement in ``module`` refers to."""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    if node.module:
        return [".".join(base + [node.module])]
    return [".".join(base + [a.name]) for a in node.names]


def test_engine_files_import_only_numpy_the_standard_library_and_the_engine():
    # import-linter holds the same line in CI (see pyproject.toml); this test also covers
    # imports inside functions, which a lazy upward import would hide from a quick look.
    nn = pathlib.Path(bn.__file__).parent / "nn"
    files = sorted(nn.rglob("*.py"))
    assert len(files) >= 15
    for f in files:
        module = "barenet." + ".".join(f.relative_to(nn.parent).with_suffix("").parts)
        is_package = f.name == "__init__.py"
        module = module.removesuffix(".__init__")
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [node.module.split(".")[0]]
            elif isinstance(node, ast.ImportFrom):
                outside = [m for m in _absolute(node, module, is_package) if not m.startswith("barenet.nn")]
                assert not outside, f"{f.name} imports {outside}, outside the engine"
                continue
            else:
                continue
            bad = [r for r in roots if r != "numpy" and r not in sys.stdlib_module_names]
            assert not bad, f"{f.name} imports {bad}"


def test_importing_barenet_loads_no_heavy_libraries():
    code = ("import sys, barenet, barenet.nn.fit, barenet.nn.gradcheck; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'torch', 'sklearn', 'matplotlib', 'PIL', 'scipy', 'pandas', 'tensorflow', 'jax'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


# -- inference keeps nothing ----------------------------------------------------------------------------
def test_inference_forward_keeps_no_outputs_and_no_caches():
    model = bn.Sequential([bn.Conv2D(1, 2, 3, padding=1), bn.ReLU(), bn.MaxPool2D(2), bn.Flatten(),
                           bn.Dense(8, 3)], seed=0)
    x = np.random.default_rng(0).standard_normal((5, 1, 4, 4)).astype(np.float32)
    y = model.forward(x, training=True)
    assert len(model.outputs) == len(model.layers) and model.outputs[-1] is y
    np.testing.assert_array_equal(model.forward(x), y)  # same numbers, nothing kept
    assert model.outputs == []
    with pytest.raises(bn.NotReadyError, match=re.escape("Dense(8, 3) at layer 4") + r".*forward\(x, training=True\)"):
        model.backward(np.ones_like(y))
    kept = model.forward(x, keep_outputs=True)  # what the draw-a-letter page asks for
    assert [o.shape[1:] for o in model.outputs] == [(2, 4, 4), (2, 4, 4), (2, 2, 2), (8,), (3,)]
    np.testing.assert_array_equal(model.outputs[-1], kept)
    with pytest.raises(bn.NotReadyError):  # outputs, but still no caches
        model.backward(np.ones_like(y))


def test_backward_keeps_input_grads_only_when_asked():
    model = bn.Sequential([bn.Dense(2, 4), bn.Tanh(), bn.Dense(4, 3)], seed=0)
    out = model.forward(X, training=True)
    dx = model.backward(np.ones_like(out))
    assert model.input_grads == [] and dx.shape == X.shape
    out = model.forward(X, training=True)
    dx2 = model.backward(np.ones_like(out), keep_input_grads=True)
    assert [g.shape for g in model.input_grads] == [X.shape, (len(X), 4), (len(X), 4)]
    np.testing.assert_array_equal(model.input_grads[0], dx2)
    np.testing.assert_array_equal(dx, dx2)


def test_large_inference_batches_run_in_parts_that_equal_one_pass(monkeypatch):
    import barenet.nn.model as model_module

    model = bn.Sequential([bn.Conv2D(1, 3, 3, padding=1, dtype="float64"), bn.ReLU(), bn.MaxPool2D(2), bn.Flatten(),
                           bn.Dropout(0.5), bn.Dense(12, 4, dtype="float64")], seed=0)
    x = np.random.default_rng(1).standard_normal((23, 1, 4, 4))
    whole = model.forward(x, keep_outputs=True)  # keep_outputs: one pass over the whole batch
    calls = []
    first = model.layers[0]
    monkeypatch.setattr(first, "forward",
                        lambda x, training=False, f=first.forward: calls.append(len(x)) or f(x, training))
    monkeypatch.setattr(model_module, "INFERENCE_FLOATS", 480)  # the largest output is 3*4*4 = 48 values a sample
    parts = model.forward(x)
    assert calls == [8, 8, 7]  # at most 10 samples a part: 23 in three balanced parts
    np.testing.assert_allclose(parts, whole, rtol=1e-13, atol=1e-13)
    assert model.outputs == []


def test_a_misfit_batch_split_in_parts_still_names_the_whole_batch(monkeypatch):
    import barenet.nn.model as model_module

    monkeypatch.setattr(model_module, "INFERENCE_FLOATS", 10)
    model = bn.Sequential([bn.Conv2D(2, 3, 3), bn.Flatten()], seed=0)
    with pytest.raises(bn.ShapeError, match=re.escape("received (40, 1, 5, 5)")):
        model.forward(np.zeros((40, 1, 5, 5)))


@pytest.mark.parametrize("act, swapped", [(bn.ReLU(), True), (bn.Sigmoid(), True), (bn.Tanh(), True),
                                          (bn.LeakyReLU(0.1), True), (bn.LeakyReLU(-0.5), False)],
                         ids=["relu", "sigmoid", "tanh", "leaky", "leaky-negative"])
def test_inference_pools_before_a_non_decreasing_activation_with_the_same_numbers(act, swapped):
    # f(max x) = max f(x) for a non-decreasing f: the same element wins, so the same bits.
    model = bn.Sequential([bn.Conv2D(1, 2, 3, padding=1), act, bn.MaxPool2D(2), bn.Flatten(), bn.Dense(8, 3)],
                          seed=0)
    order = model._inference_order()
    assert (order[1:3] == [model.layers[2], act]) is swapped
    x = np.random.default_rng(2).standard_normal((9, 1, 4, 4)).astype(np.float32)
    x[0, 0, :2, :2] = -1.0  # a window of equal negatives: a tie after ReLU
    np.testing.assert_array_equal(model.forward(x), model.forward(x, keep_outputs=True))


def test_inference_shortcuts_leave_layers_that_are_not_barenets_own_alone(monkeypatch):
    import barenet.nn.model as model_module

    class BatchMean(bn.Layer):  # mixes samples: sub-batches would change its output
        def forward(self, x, training=False):
            return x - x.mean(axis=0)

    class MyReLU(bn.ReLU):  # a subclass may compute something else
        def forward(self, x, training=False):
            return x

    monkeypatch.setattr(model_module, "INFERENCE_FLOATS", 8)
    model = bn.Sequential([bn.Flatten(), BatchMean()])
    x = np.arange(40.0).reshape(10, 4)
    np.testing.assert_array_equal(model.forward(x), x - x.mean(axis=0))
    relu = MyReLU()
    model = bn.Sequential([relu, bn.MaxPool2D(2)])
    assert model._inference_order() == model.layers
