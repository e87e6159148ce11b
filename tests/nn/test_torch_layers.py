"""Layers against PyTorch, forward and backward, in float64 and float32.

Each test copies barenet's parameters into the matching torch module, runs both
forwards on the same input, then pushes the same random upstream gradient ``dy``
through both backwards and compares ``dx`` and every parameter gradient.

Tolerances: float64 to rtol 1e-10 (atol 1e-12 only for values that are ~0);
float32 to rtol 1e-4, atol 1e-6. Both libraries compute in the same dtype, so the
float32 gap is rounding in two different summation orders, far below 1e-4.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from barenet import (AvgPool2D, Conv2D, Dense, Dropout, Flatten, LeakyReLU, MaxPool2D, NotReadyError, ReLU, Sigmoid,
                     Softmax, Tanh)

DTYPES = [np.float64, np.float32]
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-4, atol=1e-6)}


def close(ours: np.ndarray, ref: torch.Tensor, dtype: type, what: str) -> None:
    """Same dtype as asked for, and equal to the torch result within the dtype's tolerance."""
    assert ours.dtype == dtype, f"{what}: barenet returned {ours.dtype}, expected {np.dtype(dtype)}"
    np.testing.assert_allclose(ours, ref.detach().numpy(), err_msg=what, **TOL[dtype])


def run_both(layer, module, x: np.ndarray, dtype: type, seed: int = 0) -> tuple[torch.Tensor, np.ndarray]:
    """Forward both, compare y; backward one random dy through both, compare dx. Returns (x_t, dx)."""
    xt = torch.tensor(x, requires_grad=True)
    yt = module(xt)
    y = layer.forward(x.copy(), training=True)  # backward needs a training forward's cache
    close(y, yt, dtype, "forward y")
    # A random dy (not ones) so every output's gradient path is weighted differently.
    dy = np.random.default_rng(seed + 1).standard_normal(y.shape).astype(dtype)
    yt.backward(torch.tensor(dy))
    dx = layer.backward(dy)
    close(dx, xt.grad, dtype, "backward dx")
    return xt, dx


def torch_dtype(dtype: type) -> torch.dtype:
    return torch.float64 if dtype == np.float64 else torch.float32


# -- Dense --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,fin,fout", [(1, 1, 1), (5, 4, 3), (7, 10, 2)])
def test_dense_matches_linear(dtype, n, fin, fout):
    rng = np.random.default_rng(n * 100 + fin)
    layer = Dense(fin, fout, dtype=dtype, seed=1)
    # A nonzero bias, so a forward that dropped b would fail.
    layer.params["b"][:] = rng.standard_normal(fout).astype(dtype)
    lin = torch.nn.Linear(fin, fout, dtype=torch_dtype(dtype))
    with torch.no_grad():  # barenet's W is (in, out); torch's weight is (out, in)
        lin.weight.copy_(torch.tensor(layer.params["W"].T))
        lin.bias.copy_(torch.tensor(layer.params["b"]))
    run_both(layer, lin, rng.standard_normal((n, fin)).astype(dtype), dtype)
    close(layer.grads["W"], lin.weight.grad.T, dtype, "dW")
    close(layer.grads["b"], lin.bias.grad, dtype, "db")


# -- Conv2D -------------------------------------------------------------------------
CONV_CASES = [  # (kernel, stride, padding) on a (7, 6) input
    ((3, 3), (1, 1), (0, 0)),
    ((3, 3), (1, 1), (1, 1)),
    ((3, 3), (2, 2), (1, 1)),
    ((1, 1), (1, 1), (0, 0)),
    ((2, 2), (2, 2), (0, 0)),  # stride == kernel: col2im's reshape path; row 6 uncovered
    ((3, 2), (1, 2), (1, 0)),
    ((2, 3), (2, 1), (0, 1)),
    ((5, 3), (3, 2), (2, 1)),  # stride divides neither H + 2p - k nor W + 2p - k
    ((1, 3), (3, 1), (0, 2)),  # stride > kernel along H: some rows get no gradient
    ((4, 4), (3, 3), (0, 0)),
    ((7, 6), (1, 1), (0, 0)),  # kernel covers the whole image: 1x1 output
    ((3, 5), (2, 3), (2, 2)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,stride,padding", CONV_CASES)
def test_conv2d_matches_conv2d(dtype, kernel, stride, padding):
    N, C, Fo, H, W = 2, 3, 4, 7, 6
    rng = np.random.default_rng(sum(kernel) * 10 + sum(stride))
    layer = Conv2D(C, Fo, kernel, stride, padding, dtype=dtype, seed=2)
    layer.params["b"][:] = rng.standard_normal(Fo).astype(dtype)
    conv = torch.nn.Conv2d(C, Fo, kernel, stride, padding, dtype=torch_dtype(dtype))
    with torch.no_grad():  # same (F, C, kh, kw) layout in both libraries
        conv.weight.copy_(torch.tensor(layer.params["W"]))
        conv.bias.copy_(torch.tensor(layer.params["b"]))
    run_both(layer, conv, rng.standard_normal((N, C, H, W)).astype(dtype), dtype)
    close(layer.grads["W"], conv.weight.grad, dtype, "dW")
    close(layer.grads["b"], conv.bias.grad, dtype, "db")


# -- Pooling ------------------------------------------------------------------------
POOL_CASES = [  # (kernel, stride) on an (8, 7) input; None means stride = kernel
    ((2, 2), None),  # W = 7: the last column is in no window
    ((3, 3), (2, 2)),  # overlapping windows
    ((2, 2), (1, 1)),  # overlapping, every inner pixel in four windows
    ((3, 2), (2, 3)),  # non-square kernel and stride
    ((2, 2), (3, 3)),  # stride > kernel: gaps between windows
    ((3, 3), None),  # 3 divides neither 8 nor 7
    ((8, 7), None),  # one window over the whole image
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,stride", POOL_CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_matches_torch(dtype, kernel, stride, kind):
    x = np.random.default_rng(5).standard_normal((2, 3, 8, 7)).astype(dtype)
    if kind == "max":
        layer, module = MaxPool2D(kernel, stride), torch.nn.MaxPool2d(kernel, stride)
    else:
        layer, module = AvgPool2D(kernel, stride), torch.nn.AvgPool2d(kernel, stride)
    run_both(layer, module, x, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,stride", POOL_CASES)
@pytest.mark.parametrize("values", ["few_levels", "constant"])
def test_maxpool_ties_route_to_one_element_like_torch(dtype, kernel, stride, values):
    # Values from {0, 1, 2} (or all equal) put ties in almost every window. A random dy
    # makes the choice visible: sending the gradient to another tied element, or
    # splitting it between them, changes dx.
    rng = np.random.default_rng(6)
    shape = (2, 2, 8, 7)
    x = rng.integers(0, 3, shape).astype(dtype) if values == "few_levels" else np.full(shape, 1.5, dtype)
    layer = MaxPool2D(kernel, stride)
    xt, dx = run_both(layer, torch.nn.MaxPool2d(kernel, stride), x, dtype)
    # Independently of torch's backward: rebuild dx from torch's argmax indices, one per window.
    _, idx = F.max_pool2d(torch.tensor(x), kernel, stride, return_indices=True)
    dy = np.random.default_rng(1).standard_normal(idx.shape).astype(dtype)  # the dy run_both used
    expected = np.zeros((2, 2, 8 * 7), dtype)
    idx = idx.numpy().reshape(2, 2, -1)
    for n in range(2):
        for c in range(2):
            np.add.at(expected[n, c], idx[n, c], dy[n, c].ravel())
    np.testing.assert_allclose(dx, expected.reshape(shape), **TOL[dtype])


def test_maxpool_tie_gradient_goes_to_first_element_of_each_window():
    # Hand-worked: a constant 4x4 image, 2x2 windows. Each window's first element in
    # row-major order, (0,0) (0,2) (2,0) (2,2), takes that window's whole dy; no other pixel gets any.
    layer = MaxPool2D(2)
    layer.forward(np.ones((1, 1, 4, 4)), training=True)
    dx = layer.backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    expected = np.zeros((4, 4))
    expected[0, 0], expected[0, 2], expected[2, 0], expected[2, 2] = 1.0, 2.0, 3.0, 4.0
    np.testing.assert_array_equal(dx[0, 0], expected)
    xt = torch.ones((1, 1, 4, 4), dtype=torch.float64, requires_grad=True)
    F.max_pool2d(xt, 2).backward(torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], dtype=torch.float64))
    np.testing.assert_array_equal(xt.grad.numpy()[0, 0], expected)


# -- Flatten ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 2, 4, 5), (2, 7), (4, 3, 2)])
def test_flatten_matches_torch(dtype, shape):
    x = np.random.default_rng(7).standard_normal(shape).astype(dtype)
    run_both(Flatten(), torch.nn.Flatten(), x, dtype)


# -- Elementwise activations --------------------------------------------------------
SPECIAL = [0.0, -0.0, 50.0, -50.0, 20.0, -20.0, 1e-3, -1e-3, 8.0, -8.0]

ACTIVATIONS = {
    "sigmoid": (Sigmoid, torch.sigmoid),
    "tanh": (Tanh, torch.tanh),
    "relu": (ReLU, torch.relu),  # x = 0 is in SPECIAL: both give gradient 0 there
    "leaky_0.01": (lambda: LeakyReLU(0.01), lambda t: F.leaky_relu(t, 0.01)),
    "leaky_0.3": (lambda: LeakyReLU(0.3), lambda t: F.leaky_relu(t, 0.3)),
    "leaky_-0.5": (lambda: LeakyReLU(-0.5), lambda t: F.leaky_relu(t, -0.5)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(4, 10), (2, 3, 5, 2)])
def test_activation_matches_torch(dtype, name, shape):
    make, fn = ACTIVATIONS[name]
    x = 3 * np.random.default_rng(8).standard_normal(shape)
    x.reshape(-1)[: len(SPECIAL)] = SPECIAL  # large |x| (saturation) and exact zeros (kinks)
    x = x.astype(dtype)
    _, dx = run_both(make(), fn, x, dtype)
    assert np.isfinite(dx).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_far_tails_keep_relative_precision(dtype):
    # sigma(-50) ~ 1.9e-22: an absolute tolerance would accept 0 here, so compare
    # relatively only. torch's 1/(1+exp(50)) is accurate for these values too.
    x = np.array([[-50.0, -30.0, -80.0, 30.0, 50.0]], dtype=dtype)
    y = Sigmoid().forward(x)
    ref = torch.sigmoid(torch.tensor(x)).numpy()
    np.testing.assert_allclose(y, ref, rtol=TOL[dtype]["rtol"], atol=0)
    assert (y[0, :3] > 0).all()


# -- Softmax ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 2), (4, 7), (2, 3, 6)])
def test_softmax_last_axis_full_jvp(dtype, shape):
    # A random dy is needed: with dy = ones the full Jacobian-vector product is 0 and a
    # diagonal-only derivative p(1-p) dy would not be caught by a structured dy.
    x = 2 * np.random.default_rng(9).standard_normal(shape)
    x.reshape(-1, shape[-1])[0] += 300.0  # one row with large logits: tests the max shift
    run_both(Softmax(), lambda t: torch.softmax(t, dim=-1), x.astype(dtype), dtype)


# -- Dropout ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.5, 0.3])
def test_dropout_inference_is_the_identity_like_torch(dtype, p):
    # Inference is the identity in both libraries, and keeps nothing for a backward pass.
    x = np.random.default_rng(10).standard_normal((4, 6)).astype(dtype)
    layer = Dropout(p, seed=0)
    y = layer.forward(x.copy())
    close(y, F.dropout(torch.tensor(x), p, training=False), dtype, "inference forward")
    with pytest.raises(NotReadyError, match=r"forward\(x, training=True\)"):
        layer.backward(np.ones_like(y))


@pytest.mark.parametrize("dtype", DTYPES)
def test_dropout_p0_training_is_the_identity_like_torch(dtype):
    x = np.random.default_rng(10).standard_normal((4, 6)).astype(dtype)
    run_both(Dropout(0.0, seed=0), lambda t: F.dropout(t, 0.0, training=True), x, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_training_with_barenets_mask_in_torch(dtype, p):
    # torch cannot be handed a mask, and the two RNGs differ, so we read barenet's mask
    # off y (x has no zeros, so y == 0 exactly where an element was dropped) and give it
    # to torch's own dropout kernel, aten.native_dropout_backward(g, mask, scale) = g*mask*scale.
    # Forward and backward of dropout are both that product, so this compares the
    # formula and the 1/(1-p) scaling in the dtype, not the random draws.
    rng = np.random.default_rng(11)
    x = (rng.uniform(0.5, 2.0, (8, 50)) * rng.choice([-1, 1], (8, 50))).astype(dtype)
    layer = Dropout(p, seed=3)
    y = layer.forward(x.copy(), training=True)
    keep = torch.tensor(y != 0)
    assert 0 < keep.sum() < keep.numel()  # both kept and dropped elements are present
    scale = 1.0 / (1.0 - p)
    y_ref = torch.ops.aten.native_dropout_backward(torch.tensor(x), keep, scale)
    close(y, y_ref, dtype, "dropout forward")
    dy = rng.standard_normal(x.shape).astype(dtype)
    dx_ref = torch.ops.aten.native_dropout_backward(torch.tensor(dy), keep, scale)
    close(layer.backward(dy), dx_ref, dtype, "dropout backward")
    # The reference is legitimate: torch's own random forward equals that kernel applied to its mask.
    xt = torch.tensor(x)
    yt = F.dropout(xt, p, training=True)
    np.testing.assert_array_equal(yt.numpy(), torch.ops.aten.native_dropout_backward(xt, yt != 0, scale).numpy())


@pytest.mark.parametrize("p", [0.2, 0.5, 0.75])
def test_dropout_statistics_match_torch(p):
    # Different RNGs, so only distributions can agree: the kept fraction is
    # Binomial(n, 1-p)/n in both, within 5 standard deviations of 1 - p.
    n = 200 * 500
    ones = np.ones((200, 500))
    y = Dropout(p, seed=4).forward(ones, training=True)
    torch.manual_seed(0)
    yt = F.dropout(torch.ones((200, 500), dtype=torch.float64), p, training=True).numpy()
    sd = np.sqrt(p * (1 - p) / n)
    for out in (y, yt):
        assert abs(np.mean(out != 0) - (1 - p)) < 5 * sd
        # Kept values are exactly 1/(1-p): E[y] = x, so inference needs no rescaling.
        np.testing.assert_allclose(np.unique(out[out != 0]), [1 / (1 - p)], rtol=1e-12)
    assert abs(y.mean() - 1.0) < 5 * sd / (1 - p)
