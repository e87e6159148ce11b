"""The layer contract, checked by one harness parametrized over every registered layer.

Every case in helpers.LAYER_CASES goes through the same checks: output shape, backward
shapes, grads matching params, an inference forward that keeps nothing, errors out of order
and on bad gradients, the JSON config round trip and dtypes. Then property tests for Softmax, Sigmoid and Dropout.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from helpers import LAYER_CASES, build
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import barenet as bn

IDS = [case[0] for case in LAYER_CASES]
N = 3


def sample(case, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal((N,) + case[4]).astype(dtype)


def test_cases_cover_the_registry_exactly():
    classes = [case[1] for case in LAYER_CASES]
    assert set(classes) == set(bn.LAYERS.values())
    assert all(bn.LAYERS[cls.__name__] is cls for cls in classes)
    assert len(set(IDS)) == len(IDS)


@pytest.fixture(params=LAYER_CASES, ids=IDS)
def case(request):
    return request.param


def test_forward_shape_matches_output_shape(case):
    layer, x = build(case), sample(case)
    expected = (N,) + tuple(layer.output_shape(case[4]))
    y_eval = layer.forward(x, training=False)
    y_train = layer.forward(x, training=True)
    assert y_eval.shape == y_train.shape == expected
    if not isinstance(layer, bn.Dropout):  # Dropout is the only layer that differs in training
        np.testing.assert_array_equal(y_eval, y_train)


def test_backward_shapes_and_grads_match_params(case):
    layer, x = build(case), sample(case)
    y = layer.forward(x, training=True)
    dx = layer.backward(np.ones_like(y))
    assert dx.shape == x.shape
    assert layer.grads.keys() == layer.params.keys()
    for k, p in layer.params.items():
        assert layer.grads[k].shape == p.shape, k
    assert bool(layer.params) == (case[1] in (bn.Dense, bn.Conv2D))


def held_arrays(obj, seen=None):
    """Every ndarray reachable from a layer's attributes (through tuples, lists and dicts)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, bn.Layer):
        obj = {k: v for k, v in vars(obj).items() if k not in ("params", "grads")}
    items = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else ()
    return [a for item in items for a in held_arrays(item, seen)]


def test_inference_forward_keeps_nothing(case):
    # The contract: forward(x, training=False) keeps no cache; it also drops a training
    # forward's cache, so a backward can only follow the training forward it belongs to.
    layer, x = build(case), sample(case)
    y = layer.forward(x, training=False)
    held = held_arrays(layer)
    assert not any(np.shares_memory(a, x) or np.shares_memory(a, y) for a in held)
    assert not any(a.ndim and a.shape[0] == N for a in held), [a.shape for a in held]
    layer.forward(x, training=True)
    layer.backward(np.ones_like(y))
    layer.forward(x, training=False)
    with pytest.raises(bn.NotReadyError, match=re.escape(layer.label) + r".*forward\(x, training=True\)"):
        layer.backward(np.ones_like(y))


def test_backward_before_forward_names_the_layer(case):
    layer = build(case)
    with pytest.raises(bn.NotReadyError, match=re.escape(layer.label) + ".*forward"):
        layer.backward(np.ones((N,) + tuple(layer.output_shape(case[4])), dtype=np.float32))


def test_backward_before_forward_names_its_place_in_a_model(case):
    layer = bn.Sequential([bn.Tanh(), build(case)]).layers[1]
    assert layer.label == f"{type(layer).__name__}({', '.join(map(str, layer._label_args()))}) at layer 1"
    with pytest.raises(bn.NotReadyError, match=re.escape(layer.label)):
        layer.backward(np.ones((N,) + tuple(layer.output_shape(case[4])), dtype=np.float32))


def test_wrong_shaped_dy_raises_shape_error(case):
    layer, x = build(case), sample(case)
    y = layer.forward(x, training=True)
    for bad in (np.ones((N + 1,) + y.shape[1:], np.float32), np.ones(y.shape + (1,), np.float32)):
        with pytest.raises(bn.ShapeError, match=re.escape(layer.label) + r".*" + re.escape(str(bad.shape))):
            layer.backward(bad)


def test_config_round_trips_through_json(case):
    layer = build(case)
    cfg = layer.get_config()
    text = json.dumps(cfg)
    rebuilt = bn.LAYERS[type(layer).__name__].from_config(json.loads(text))
    assert type(rebuilt) is type(layer)
    assert rebuilt.get_config() == cfg
    assert json.dumps(rebuilt.get_config()) == text
    assert rebuilt.label == layer.label
    x = sample(case)
    assert rebuilt.forward(x).shape == layer.forward(x).shape
    for k, p in layer.params.items():
        assert rebuilt.params[k].shape == p.shape and rebuilt.params[k].dtype == p.dtype


def test_param_shapes_from_config_match_the_built_layer(case):
    """The model-file loader trusts param_shapes before it builds a layer; it must not drift."""
    layer = build(case)
    shapes = type(layer).param_shapes(json.loads(json.dumps(layer.get_config())))
    assert shapes == {k: p.shape for k, p in layer.params.items()}


def test_dtypes(case):
    if case[1] in (bn.Dense, bn.Conv2D):
        layer = build(case)
        assert all(p.dtype == np.float32 for p in layer.params.values())
        for x_dtype in (np.float32, np.float64):  # float32 params cast any input to float32
            y = layer.forward(sample(case, x_dtype), training=True)
            assert y.dtype == np.float32
            assert layer.backward(np.ones_like(y)).dtype == np.float32
            assert all(g.dtype == np.float32 for g in layer.grads.values())
        layer = build(case, dtype="float64")
        assert all(p.dtype == np.float64 for p in layer.params.values())
        assert layer.get_config()["dtype"] == "float64"
        y = layer.forward(sample(case, np.float32), training=True)
        assert y.dtype == np.float64
        assert layer.backward(np.ones_like(y)).dtype == np.float64
        assert all(g.dtype == np.float64 for g in layer.grads.values())
    else:
        for dtype in (np.float32, np.float64):
            layer = build(case)
            y = layer.forward(sample(case, dtype), training=True)
            assert y.dtype == dtype
            assert layer.backward(np.ones_like(y)).dtype == dtype


def test_bad_dtype_argument_is_rejected():
    for cls, args in ((bn.Dense, (2, 2)), (bn.Conv2D, (1, 1, 1))):
        with pytest.raises(ValueError, match="float32 or float64.*int32"):
            cls(*args, dtype="int32")


def test_integer_input_is_computed_as_float():
    layer = bn.ReLU()
    y = layer.forward(np.array([[-1, 2]]))
    assert y.dtype == np.float32 and y.tolist() == [[0.0, 2.0]]


# -- property tests -------------------------------------------------------------------------
logits = hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=6),
                    elements=st.floats(-1e4, 1e4, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(z=logits, dtype=st.sampled_from([np.float32, np.float64]))
def test_softmax_rows_sum_to_one(z, dtype):
    p = bn.Softmax().forward(z.astype(dtype))
    assert p.dtype == dtype and np.isfinite(p).all()
    assert (p >= 0).all() and (p <= 1).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-5 if dtype == np.float32 else 1e-12)
    winners = z.astype(dtype).argmax(axis=-1)
    assert (np.take_along_axis(p, winners[..., None], -1) == p.max(axis=-1, keepdims=True)).all()


def test_softmax_extremes():
    p = bn.Softmax().forward(np.array([[1e4, -1e4, 0.0], [5.0, 5.0, 5.0]]))
    np.testing.assert_array_equal(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], 1 / 3, rtol=1e-15)


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=3, max_side=6),
                    elements=st.floats(-1e4, 1e4, allow_nan=False)),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_sigmoid_in_unit_interval_and_finite(x, dtype):
    y = bn.Sigmoid().forward(x.astype(dtype))
    assert y.dtype == dtype and np.isfinite(y).all()
    assert (y >= 0).all() and (y <= 1).all()
    np.testing.assert_allclose(y + bn.Sigmoid().forward(-x.astype(dtype)), 1.0, atol=1e-6)  # s(x) + s(-x) = 1


def test_sigmoid_extremes_without_warnings():
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        y = bn.Sigmoid().forward(np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]]))
    assert y[0, 0] == 0.0 and y[0, 2] == 0.5 and y[0, -1] == 1.0
    assert 0 < y[0, 1] < 1e-21  # e^-50 ~ 1.9e-22 keeps full relative precision, not 0


@settings(max_examples=30, deadline=None)
@given(p=st.floats(0.0, 0.9), seed=st.integers(0, 2**32 - 1))
def test_dropout_is_identity_at_inference(p, seed):
    layer = bn.Dropout(p, seed=seed)
    x = np.random.default_rng(seed).standard_normal((4, 5))
    np.testing.assert_array_equal(layer.forward(x), x)
    with pytest.raises(bn.NotReadyError, match="training=True"):  # inference keeps no mask to backpropagate
        layer.backward(np.ones((4, 5)))


@settings(max_examples=30, deadline=None)
@given(p=st.floats(0.05, 0.9), seed=st.integers(0, 2**32 - 1))
def test_dropout_keeps_the_mean_in_training(p, seed):
    layer = bn.Dropout(p, seed=seed)
    x = np.full((200, 500), 2.0)
    y = layer.forward(x, training=True)
    mask = y / x
    scale = 1 / (1 - p)
    assert np.all((mask == 0) | np.isclose(mask, scale, rtol=1e-12))
    kept = np.mean(mask != 0)
    assert abs(kept - (1 - p)) < 0.01  # 1e5 Bernoulli draws: std <= 0.0016
    assert abs(y.mean() - 2.0) < 0.05 * scale
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), mask)  # dx = dy * mask


def test_dropout_same_seed_same_mask():
    x = np.ones((8, 50))
    a, b = bn.Dropout(0.5, seed=42), bn.Dropout(0.5, seed=42)
    ya, yb = a.forward(x, training=True), b.forward(x, training=True)
    np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a.forward(x, training=True), ya)  # the stream moves on between calls
    assert not np.array_equal(bn.Dropout(0.5, seed=43).forward(x, training=True), ya)


def test_dropout_float32_mask():
    y = bn.Dropout(0.25, seed=0).forward(np.ones((3, 4), np.float32), training=True)
    assert y.dtype == np.float32
    assert set(np.unique(y).tolist()) <= {0.0, np.float32(1 / 0.75).item()}
