"""The fast Conv2D, MaxPool2D and AvgPool2D equal their loop-based definitions (reference_windows.py).

Forward and backward, over strides, paddings, rectangular kernels, odd sizes, and batch
sizes large enough to cross any chunking the fast paths do.
"""

from __future__ import annotations

import numpy as np
import pytest

import barenet as bn
from reference_windows import conv2d, conv2d_backward, pool2d, pool2d_backward

CONV_CASES = [  # (N, C, H, W, F, kernel, stride, padding)
    (2, 1, 6, 6, 1, (3, 3), (1, 1), (0, 0)),
    (3, 2, 7, 5, 3, (3, 2), (2, 1), (1, 2)),
    (2, 3, 8, 8, 2, (5, 5), (1, 1), (2, 2)),
    (1, 2, 9, 7, 4, (1, 1), (3, 2), (0, 1)),
    (37, 1, 6, 6, 2, (2, 3), (2, 2), (1, 0)),
]
POOL_CASES = [  # (N, C, H, W, kernel, stride)
    (2, 1, 4, 4, (2, 2), (2, 2)),
    (3, 2, 7, 6, (3, 2), (1, 2)),
    (2, 3, 5, 5, (2, 2), (1, 1)),
    (37, 2, 9, 8, (3, 3), (2, 3)),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv2d_equals_its_definition(case):
    N, C, H, W, F, kernel, stride, padding = case
    rng = np.random.default_rng(sum(case[:5]))
    layer = bn.Conv2D(C, F, kernel, stride=stride, padding=padding, dtype="float64", seed=0)
    layer.params["b"][...] = rng.standard_normal(F)
    x = rng.standard_normal((N, C, H, W))
    y = layer.forward(x, training=True)
    np.testing.assert_allclose(y, conv2d(x, layer.params["W"], layer.params["b"], stride, padding), rtol=1e-12,
                               atol=1e-12)
    dy = rng.standard_normal(y.shape)
    dx = layer.backward(dy)
    ref_dx, ref_dW, ref_db = conv2d_backward(x, layer.params["W"], dy, stride, padding)
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], ref_dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], ref_db, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind, cls", [("max", bn.MaxPool2D), ("mean", bn.AvgPool2D)])
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_pooling_equals_its_definition(case, kind, cls):
    N, C, H, W, kernel, stride = case
    rng = np.random.default_rng(sum(case[:4]))
    x = rng.standard_normal((N, C, H, W))
    x[0, 0, :2, :2] = 1.5  # a tie: the first maximum in row-major order takes the gradient
    layer = cls(kernel, stride=stride)
    y = layer.forward(x, training=True)
    np.testing.assert_allclose(y, pool2d(x, kernel, stride, kind), rtol=1e-12, atol=1e-12)
    dy = rng.standard_normal(y.shape)
    np.testing.assert_allclose(layer.backward(dy), pool2d_backward(x, dy, kernel, stride, kind), rtol=1e-12,
                               atol=1e-12)


def test_the_reference_is_the_arithmetic_by_hand():
    # One 3x3 image, a 2x2 kernel, stride 1, no padding:
    # y[0,0] = 1*1 + 2*0 + 4*0 + 5*1 = 6 (+ b = 0.5), y[1,1] = 5 + 9 = 14.5 - the diagonal sums.
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    W = np.array([[[[1.0, 0.0], [0.0, 1.0]]]])
    y = conv2d(x, W, np.array([0.5]), (1, 1), (0, 0))
    assert y[0, 0].tolist() == [[6.5, 8.5], [12.5, 14.5]]
    assert pool2d(x, (2, 2), (1, 1), "max")[0, 0].tolist() == [[5.0, 6.0], [8.0, 9.0]]
    assert pool2d(x, (2, 2), (1, 1), "mean")[0, 0].tolist() == [[3.0, 4.0], [6.0, 7.0]]
