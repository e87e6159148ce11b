"""The fast Conv2D, MaxPool2D and AvgPool2D equal their loop-based definitions (reference_windows.py).

Forward and backward, over strides, paddings, rectangular kernels, odd sizes, and batch
sizes that cross the blocks the fast paths work in (nn/layers/windows.py): every case runs
with the real block sizes and again with tiny ones, which split each batch into partial
rows and uneven GEMM column ranges; one batch of 80 crosses the real GEMM_COLS.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import barenet as bn
from barenet.nn.layers import pooling, windows
from reference_windows import conv2d, conv2d_backward, pool2d, pool2d_backward

TINY = {"GEMM_COLS": 7, "UNROLL_FLOATS": 64, "POOL_FLOATS": 40}  # values per block: a few positions


@pytest.fixture(params=["real-blocks", "tiny-blocks"])
def block_sizes(request, monkeypatch):
    """Run a test with the real block sizes, then with tiny ones that cut every batch into many blocks."""
    if request.param == "tiny-blocks":  # the plans are cached by block size, so nothing stale survives
        for name, value in TINY.items():
            monkeypatch.setattr(windows, name, value)
    return request.param

CONV_CASES = [  # (N, C, H, W, F, kernel, stride, padding)
    (2, 1, 6, 6, 1, (3, 3), (1, 1), (0, 0)),
    (3, 2, 7, 5, 3, (3, 2), (2, 1), (1, 2)),
    (2, 3, 8, 8, 2, (5, 5), (1, 1), (2, 2)),
    (1, 2, 9, 7, 4, (1, 1), (3, 2), (0, 1)),
    (37, 1, 6, 6, 2, (2, 3), (2, 2), (1, 0)),
    (80, 1, 8, 8, 2, (3, 3), (1, 1), (1, 1)),  # 8*8*80 = 5,120 columns: two GEMM ranges of real size
]
POOL_CASES = [  # (N, C, H, W, kernel, stride)
    (2, 1, 4, 4, (2, 2), (2, 2)),
    (3, 2, 7, 6, (3, 2), (1, 2)),
    (2, 3, 5, 5, (2, 2), (1, 1)),
    (37, 2, 9, 8, (3, 3), (2, 3)),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv2d_equals_its_definition(case, block_sizes):
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
def test_pooling_equals_its_definition(case, kind, cls, block_sizes):
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


def test_the_blocked_cases_do_cross_blocks(block_sizes):
    # The equality tests above prove something about blocks only if the plans really split.
    N, C, H, W, F, kernel, stride, padding = CONV_CASES[-1]
    Ho = (H + 2 * padding[0] - kernel[0]) // stride[0] + 1
    plan = windows.conv_plan(Ho, Ho, N, C * kernel[0] * kernel[1])
    ranges = [r for _, rs in plan for r in rs]
    assert len(ranges) >= 2
    if block_sizes == "tiny-blocks":
        assert len(plan) > Ho and any(blk.w1 - blk.w0 < Ho for blk, _ in plan)  # partial rows
        assert len(windows.pool_blocks(4, 4, 37, 2, 3, 3)) > 4


@settings(max_examples=200, deadline=None)
@given(Ho=st.integers(1, 9), Wo=st.integers(1, 9), N=st.integers(1, 40), max_cols=st.integers(1, 500))
def test_blocks_cover_every_position_once_in_order(Ho, Wo, N, max_cols):
    plan = windows.blocks(Ho, Wo, N, max_cols)
    positions = []
    for blk in plan:
        assert blk.h0 < blk.h1 and blk.w0 < blk.w1
        assert blk.h1 - blk.h0 == 1 or (blk.w0, blk.w1) == (0, Wo)  # whole rows, or part of one row
        block = [h * Wo + w for h in range(blk.h0, blk.h1) for w in range(blk.w0, blk.w1)]
        assert block == list(range(blk.a, blk.b))  # a contiguous range of positions
        assert len(block) * N <= max(max_cols, N)  # within the budget, or a single position
        positions += block
    assert positions == list(range(Ho * Wo))


def test_work_buffer_rows_avoid_4k_aliasing_and_split_never_copies():
    buf = np.zeros(10 * 5000, np.float32)
    for m in (1024, 3584, 4096, 4097):
        view = windows.rows_view(buf, 3, m)
        assert view.shape == (3, m) and np.shares_memory(view, buf)
        ld = view.strides[0] // 4
        assert ld >= m and ld % 32 == 16
    with pytest.raises(RuntimeError, match="would copy"):
        windows.split(np.zeros((4, 6))[:, :3], (12,))


def test_conv2d_in_threads_at_once_gives_each_thread_its_own_answer():
    # Work buffers are per thread (windows.scratch): inference running in several threads
    # at once, on one layer, must not mix up their blocks.
    layer = bn.Conv2D(3, 4, 3, padding=1, seed=0)
    inputs = [np.random.default_rng(i).standard_normal((20, 3, 9, 9)).astype(np.float32) for i in range(4)]
    expected = [layer.forward(x) for x in inputs]
    results, errors = [None] * 4, []

    def run(i):
        try:
            for _ in range(20):
                results[i] = layer.forward(inputs[i])
                np.testing.assert_array_equal(results[i], expected[i])
        except AssertionError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


@pytest.mark.parametrize("kind, cls", [("max", bn.MaxPool2D), ("mean", bn.AvgPool2D)])
@pytest.mark.parametrize("case", [(2, 2, 70, 41, (33, 40), (5, 1)), (3, 1, 40, 37, (33, 32), (2, 3))], ids=str)
def test_big_windows_equal_the_definition(case, kind, cls):
    """A window of over BIG_WINDOW offsets is reduced at once (a forged 256x256 pool in a 3 KB file took 3.5 s)."""
    N, C, H, W, kernel, stride = case
    x = np.random.default_rng(1).standard_normal((N, C, H, W))
    layer = cls(kernel, stride=stride)
    y = layer.forward(x, training=True)
    np.testing.assert_allclose(y, pool2d(x, kernel, stride, kind), rtol=1e-12, atol=1e-12)
    assert kernel[0] * kernel[1] > pooling.BIG_WINDOW
    walk = cls(kernel, stride=stride)
    walk._blocks = None  # forward must not walk the offsets (calling this would raise TypeError)
    np.testing.assert_array_equal(walk.forward(x), y)
    dy = np.random.default_rng(2).standard_normal(y.shape)  # backward keeps the per-offset walk
    np.testing.assert_allclose(layer.backward(dy), pool2d_backward(x, dy, kernel, stride, kind), rtol=1e-12, atol=1e-12)
