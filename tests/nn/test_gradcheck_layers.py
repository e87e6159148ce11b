"""Numerical gradient checks in float64 of every layer, every loss and a whole model.

Each layer goes through ``barenet.gradcheck`` (objective ``sum(forward(x) * R)`` for a
fixed random R, central differences with eps = 1e-5) over hypothesis-drawn shapes,
kernels, strides and paddings; each loss against a central-difference helper in
tests/helpers.py. Inputs avoid kinks: ReLU inputs keep |x| >= 1e-3 and max-pool windows
hold distinct values 0.1 apart, so no finite difference straddles a switch.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import away_from_zero, distinct, loss_grad_error
from hypothesis import given, settings
from hypothesis import strategies as st

import barenet as bn

TOL = 1e-6
FAST = settings(max_examples=40, deadline=None)
seeds = st.integers(0, 2**32 - 1)
batch = st.integers(1, 3)
pair_or_int = lambda lo, hi: st.one_of(st.integers(lo, hi), st.tuples(st.integers(lo, hi), st.integers(lo, hi)))  # noqa: E731


def pair(v):
    return (v, v) if isinstance(v, int) else v


def check_layer(layer, x, *, training=False):
    """Run barenet.gradcheck and assert every tensor (input and params) is within TOL."""
    result = bn.gradcheck(layer, x, tol=TOL, training=training, max_checks=120)
    names = {r.name.rsplit(".", 1)[-1] for r in result}
    assert names == {"input"} | set(layer.params), f"unexpected tensors checked:\n{result}"
    assert all(r.checked > 0 for r in result)
    assert result.max_rel_error < TOL, f"\n{result}"
    return result


# -- layers with parameters -------------------------------------------------------------
@FAST
@given(n=batch, fin=st.integers(1, 6), fout=st.integers(1, 5), seed=seeds,
       init=st.sampled_from(["glorot_uniform", "he_normal"]))
def test_dense(n, fin, fout, seed, init):
    rng = np.random.default_rng(seed)
    layer = bn.Dense(fin, fout, init=init, seed=seed)
    layer.params["b"][...] = rng.standard_normal(fout)  # a nonzero bias exercises db fully
    check_layer(layer, rng.standard_normal((n, fin)))


@st.composite
def conv_cases(draw):
    """(C, F, kernel, stride, padding, H, W) with H + 2 p_h >= k_h (and likewise for W)."""
    kernel, stride, padding = draw(pair_or_int(1, 4)), draw(pair_or_int(1, 3)), draw(pair_or_int(0, 2))
    (kh, kw), (ph, pw) = pair(kernel), pair(padding)
    H = draw(st.integers(max(1, kh - 2 * ph), kh + 4))
    W = draw(st.integers(max(1, kw - 2 * pw), kw + 4))
    return draw(st.integers(1, 3)), draw(st.integers(1, 3)), kernel, stride, padding, H, W


@FAST
@given(case=conv_cases(), n=st.integers(1, 2), seed=seeds)
def test_conv2d(case, n, seed):
    C, F, kernel, stride, padding, H, W = case
    rng = np.random.default_rng(seed)
    layer = bn.Conv2D(C, F, kernel, stride=stride, padding=padding, seed=seed)
    layer.params["b"][...] = rng.standard_normal(F)
    x = rng.standard_normal((n, C, H, W))
    y = layer.forward(x)
    assert y.shape == (n,) + layer.output_shape((C, H, W))
    check_layer(layer, x)


# -- pooling ------------------------------------------------------------------------------
@st.composite
def pool_cases(draw):
    """(kernel, stride or None, C, H, W) with the image at least as large as the window."""
    kernel = draw(pair_or_int(1, 3))
    stride = draw(st.one_of(st.none(), pair_or_int(1, 3)))
    kh, kw = pair(kernel)
    return kernel, stride, draw(st.integers(1, 2)), draw(st.integers(kh, kh + 4)), draw(st.integers(kw, kw + 4))


@FAST
@given(case=pool_cases(), n=st.integers(1, 2), seed=seeds)
def test_maxpool2d(case, n, seed):
    kernel, stride, C, H, W = case
    x = distinct(np.random.default_rng(seed), (n, C, H, W))
    check_layer(bn.MaxPool2D(kernel, stride=stride), x)


@FAST
@given(case=pool_cases(), n=st.integers(1, 2), seed=seeds)
def test_avgpool2d(case, n, seed):
    kernel, stride, C, H, W = case
    x = np.random.default_rng(seed).standard_normal((n, C, H, W))
    check_layer(bn.AvgPool2D(kernel, stride=stride), x)


# -- shape and elementwise layers ---------------------------------------------------------
shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@FAST
@given(n=batch, shape=shapes, seed=seeds)
def test_flatten(n, shape, seed):
    check_layer(bn.Flatten(), np.random.default_rng(seed).standard_normal((n,) + shape))


@FAST
@given(n=batch, shape=shapes, seed=seeds, scale=st.sampled_from([0.5, 2.0, 4.0]),
       cls=st.sampled_from([bn.Sigmoid, bn.Tanh, bn.Softmax]))
def test_smooth_activations(n, shape, seed, scale, cls):
    # Clipped to |x| <= 4: where sigmoid/tanh saturate (slope < 1e-5), the slope is below the
    # round-off of a central difference in float64 and no finite-difference check can see it.
    x = np.clip(scale * np.random.default_rng(seed).standard_normal((n,) + shape), -4, 4)
    check_layer(cls(), x)


@FAST
@given(n=batch, shape=shapes, seed=seeds, slope=st.floats(-0.5, 0.5, allow_subnormal=False))
def test_relu_and_leaky_relu(n, shape, seed, slope):
    x = away_from_zero(np.random.default_rng(seed), (n,) + shape)
    check_layer(bn.ReLU(), x)
    check_layer(bn.LeakyReLU(slope), x)


@FAST
@given(n=batch, shape=shapes, seed=seeds, p=st.sampled_from([0.0, 0.1, 0.5, 0.9]))
def test_dropout_training(n, shape, seed, p):
    layer = bn.Dropout(p, seed=seed)
    x = np.random.default_rng(seed).standard_normal((n,) + shape)
    check_layer(layer, x, training=True)
    check_layer(layer, x, training=False)


# -- losses ---------------------------------------------------------------------------------
@FAST
@given(n=batch, shape=shapes, seed=seeds)
def test_mse(n, shape, seed):
    rng = np.random.default_rng(seed)
    pred, target = rng.standard_normal((n,) + shape), rng.standard_normal((n,) + shape)
    assert loss_grad_error(bn.MSE(), pred, target) < TOL


@FAST
@given(n=batch, seed=seeds)
def test_mse_labels_against_one_output(n, seed):
    rng = np.random.default_rng(seed)
    assert loss_grad_error(bn.MSE(), rng.standard_normal((n, 1)), rng.standard_normal(n)) < TOL


@FAST
@given(n=batch, k=st.integers(1, 4), seed=seeds, soft=st.booleans())
def test_bce_probabilities(n, k, seed, soft):
    rng = np.random.default_rng(seed)
    pred = rng.uniform(0.1, 0.9, (n, k))  # away from the clamp at log(p) = -100
    target = rng.uniform(0, 1, (n, k)) if soft else rng.integers(0, 2, (n, k)).astype(np.float64)
    assert loss_grad_error(bn.BinaryCrossEntropy(), pred, target) < TOL


@FAST
@given(n=batch, k=st.integers(1, 4), seed=seeds, scale=st.sampled_from([1.0, 5.0, 15.0]))
def test_bce_from_logits(n, k, seed, scale):
    rng = np.random.default_rng(seed)
    z = scale * rng.standard_normal((n, k))
    target = rng.uniform(0, 1, (n, k))
    assert loss_grad_error(bn.BinaryCrossEntropy(from_logits=True), z, target) < TOL


@FAST
@given(n=batch, seed=seeds, from_logits=st.booleans())
def test_bce_labels_against_one_output(n, seed, from_logits):
    rng = np.random.default_rng(seed)
    pred = rng.standard_normal((n, 1)) if from_logits else rng.uniform(0.1, 0.9, (n, 1))
    labels = rng.integers(0, 2, n)
    assert loss_grad_error(bn.BinaryCrossEntropy(from_logits=from_logits), pred, labels) < TOL


@FAST
@given(n=batch, c=st.integers(2, 6), seed=seeds, one_hot=st.booleans(),
       smoothing=st.sampled_from([0.0, 0.1, 0.5, 1.0]), scale=st.sampled_from([1.0, 3.0]))
def test_softmax_cross_entropy(n, c, seed, one_hot, smoothing, scale):
    rng = np.random.default_rng(seed)
    # |z| <= 3: a row won by a margin of ~40 has gradient ~1e-18, below what differences resolve.
    z = np.clip(scale * rng.standard_normal((n, c)), -3, 3)
    labels = rng.integers(0, c, n)
    target = np.eye(c)[labels] if one_hot else labels
    assert loss_grad_error(bn.SoftmaxCrossEntropy(label_smoothing=smoothing), z, target) < TOL


def test_softmax_cross_entropy_labels_and_one_hot_agree():
    rng = np.random.default_rng(0)
    z, labels = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    a, b = bn.SoftmaxCrossEntropy(0.2), bn.SoftmaxCrossEntropy(0.2)
    assert a.forward(z, labels) == pytest.approx(b.forward(z, np.eye(4)[labels]), rel=1e-12)
    np.testing.assert_allclose(a.backward(), b.backward(), rtol=1e-12)


# -- whole models -----------------------------------------------------------------------------
def conv_net(pool, flat):
    return bn.Sequential([
        bn.Conv2D(2, 3, 3, padding=1), bn.Tanh(), pool,
        bn.Conv2D(3, 2, (2, 3), stride=(1, 2)), bn.Sigmoid(),
        bn.Flatten(), bn.Dropout(0.3), bn.Dense(flat, 3),
    ], seed=7)


# (2, 6, 6) -conv 3, pad 1-> (3, 6, 6) -pool-> (3, 3, 3) or (3, 5, 5) -conv (2, 3), stride (1, 2)->
# (2, 2, 1) or (2, 4, 2), so Flatten gives 4 or 16 features.
@pytest.mark.parametrize("pool, flat", [(bn.MaxPool2D(2), 4), (bn.AvgPool2D((2, 2), stride=1), 16)],
                         ids=["max", "avg"])
def test_conv_net_with_loss(pool, flat):
    model = conv_net(pool, flat)
    assert model.summary_rows((2, 6, 6))[5][1] == (flat,)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((4, 2, 6, 6)), rng.integers(0, 3, 4)
    result = bn.gradcheck(model, x, y, bn.SoftmaxCrossEntropy(0.1), training=True, tol=TOL, max_checks=60)
    assert len(result) == 1 + 2 * 3  # input, then W and b of both convs and the dense layer
    assert result.ok and result.max_rel_error < TOL, f"\n{result}"


def test_mlp_with_bce_and_relu():
    model = bn.Sequential([bn.Dense(3, 5), bn.LeakyReLU(0.1), bn.Dense(5, 2), bn.Sigmoid()], seed=2)
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((6, 3)), rng.integers(0, 2, (6, 2)).astype(np.float64)
    hidden = model.layers[0].forward(x.astype(np.float32))
    assert np.abs(hidden).min() > 1e-3  # no pre-activation on the LeakyReLU kink
    result = bn.gradcheck(model, x, y, bn.BinaryCrossEntropy(), tol=TOL, max_checks=None)
    assert result.ok and result.max_rel_error < TOL, f"\n{result}"


def test_gradcheck_leaves_the_model_untouched():
    layer = bn.Dense(3, 2, seed=0)
    before = {k: v.copy() for k, v in layer.params.items()}
    bn.gradcheck(layer, np.ones((2, 3)))
    assert layer.params["W"].dtype == np.float32 and layer.dtype == np.float32
    assert all(np.array_equal(before[k], layer.params[k]) for k in before)


# -- the checker can fail ----------------------------------------------------------------------
class WrongSigmoid(bn.Sigmoid):
    """Backward drops the (1 - y) factor: dx = dy * y."""

    def backward(self, dy):
        y, dy = self._cached_y(dy)
        return dy * y


class WrongDense(bn.Dense):
    """dW is missing a factor 1/2 (reports half of x^T dy); dx and db stay right."""

    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["W"] = 0.5 * self.grads["W"]
        return dx


def test_gradcheck_flags_a_wrong_activation_backward():
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert bn.gradcheck(bn.Sigmoid(), x).max_rel_error < TOL
    result = bn.gradcheck(WrongSigmoid(), x)
    assert not result.ok
    assert result.max_rel_error > 1e-2
    assert "BAD" in str(result)


def test_gradcheck_flags_only_the_wrong_tensor():
    x = np.random.default_rng(1).standard_normal((4, 3))
    result = {r.name: r for r in bn.gradcheck(WrongDense(3, 2, seed=0), x)}
    assert result["input"].ok and result["WrongDense(3, 2).b"].ok
    bad = result["WrongDense(3, 2).W"]
    assert not bad.ok and bad.max_rel_error == pytest.approx(0.5, rel=1e-4)  # |g/2 - g| / |g|


def test_gradcheck_flags_a_wrong_layer_inside_a_model():
    model = bn.Sequential([bn.Dense(3, 4), WrongSigmoid(), bn.Dense(4, 2)], seed=0)
    x, y = np.random.default_rng(2).standard_normal((5, 3)), np.array([0, 1, 1, 0, 1])
    result = {r.name: r for r in bn.gradcheck(model, x, y, bn.SoftmaxCrossEntropy())}
    assert result["Dense(4, 2) at layer 2.W"].ok  # above the wrong layer, gradients are still right
    assert not result["Dense(3, 4) at layer 0.W"].ok and not result["input"].ok
