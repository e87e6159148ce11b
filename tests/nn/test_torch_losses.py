"""Losses against PyTorch: the value of forward() and the gradient from backward().

barenet's losses average like torch's default reduction="mean", so the value and
dL/dpred are compared one to one: torch's is ``pred.grad`` after ``loss.backward()``.
Tolerances as elsewhere: float64 rtol 1e-10, float32 rtol 1e-4 (atol 1e-6).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from barenet import MSE, BinaryCrossEntropy, SoftmaxCrossEntropy

DTYPES = [np.float64, np.float32]
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-4, atol=1e-6)}


def compare(loss, torch_loss, pred: np.ndarray, target, dtype: type, torch_target=None) -> np.ndarray:
    """Run barenet's loss and ``torch_loss(pred_t, target_t)``; compare value and gradient."""
    value = loss.forward(pred.copy(), target)
    grad = loss.backward()
    pt = torch.tensor(pred, requires_grad=True)
    tt = torch.tensor(np.asarray(target)) if torch_target is None else torch_target
    ref = torch_loss(pt, tt)
    ref.backward()
    assert isinstance(value, float)
    assert np.isfinite(value) and np.isfinite(grad).all()
    np.testing.assert_allclose(value, ref.item(), err_msg="loss value", **TOL[dtype])
    assert grad.dtype == dtype and grad.shape == pred.shape
    np.testing.assert_allclose(grad, pt.grad.numpy(), err_msg="gradient", **TOL[dtype])
    return grad


# -- MSE ----------------------------------------------------------------------------
def torch_ce(smoothing: float):
    """PyTorch's cross-entropy with label smoothing, as the reference for SoftmaxCrossEntropy."""
    return lambda zt, tt: F.cross_entropy(zt, tt, label_smoothing=smoothing)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(6, 1), (5, 3), (2, 3, 4)])
def test_mse_matches_torch(dtype, shape):
    rng = np.random.default_rng(1)
    pred, target = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    compare(MSE(), F.mse_loss, pred, target, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_mse_labels_against_single_output(dtype):
    # The one reshape MSE allows: labels (N,) against outputs (N, 1). torch gets (N, 1) targets,
    # so a silent broadcast to (N, N) in barenet would change the value and fail here.
    rng = np.random.default_rng(2)
    pred, y = rng.standard_normal((5, 1)).astype(dtype), rng.standard_normal(5).astype(dtype)
    compare(MSE(), F.mse_loss, pred, y, dtype, torch_target=torch.tensor(y.reshape(-1, 1)))


# -- BinaryCrossEntropy on probabilities ---------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("soft", [False, True])
def test_bce_probabilities_matches_bceloss(dtype, soft):
    rng = np.random.default_rng(3)
    p = rng.uniform(0.02, 0.98, (6, 3)).astype(dtype)
    t = (rng.uniform(size=(6, 3)) if soft else rng.integers(0, 2, (6, 3))).astype(dtype)
    compare(BinaryCrossEntropy(), F.binary_cross_entropy, p, t, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_probabilities_exactly_0_and_1_are_finite_like_torch(dtype):
    # log 0 is clamped at -100 and the gradient's p(1-p) at 1e-12 in both libraries: every
    # combination of p in {0, 1} with t in {0, 1, 0.3} must give finite, equal numbers,
    # including the huge (p - t)/1e-12 gradients of confidently wrong predictions.
    p = np.array([[0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.5, 0.25]], dtype=dtype)
    t = np.array([[0.0, 1.0, 1.0, 0.0, 0.3, 0.3, 1.0, 0.0]], dtype=dtype)
    grad = compare(BinaryCrossEntropy(), F.binary_cross_entropy, p, t, dtype)
    assert abs(grad[0, 2]) > 1e9  # p = 0, t = 1: -1e12 / 8, finite and not clamped to 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_probabilities_labels_against_single_output(dtype):
    p = np.array([[0.1], [0.7], [0.5], [0.95]], dtype=dtype)
    y = np.array([0, 1, 1, 0])
    compare(BinaryCrossEntropy(), F.binary_cross_entropy, p, y, dtype,
            torch_target=torch.tensor(y.reshape(-1, 1).astype(dtype)))


# -- BinaryCrossEntropy on logits ---------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("soft", [False, True])
def test_bce_logits_matches_bce_with_logits(dtype, soft):
    rng = np.random.default_rng(4)
    z = (3 * rng.standard_normal((5, 4))).astype(dtype)
    t = (rng.uniform(size=(5, 4)) if soft else rng.integers(0, 2, (5, 4))).astype(dtype)
    compare(BinaryCrossEntropy(from_logits=True), F.binary_cross_entropy_with_logits, z, t, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_logits_extreme_values_are_finite_like_torch(dtype):
    # |z| = 1e4: e^{1e4} overflows, so a naive log(sigmoid(z)) gives inf or nan. Both sides
    # use the log-sum-exp form; right answers give ~0 loss, wrong ones ~1e4.
    z = np.array([[1e4, -1e4, 1e4, -1e4, 50.0, -50.0, 0.0, 1e4]], dtype=dtype)
    t = np.array([[1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.5]], dtype=dtype)
    grad = compare(BinaryCrossEntropy(from_logits=True), F.binary_cross_entropy_with_logits, z, t, dtype)
    np.testing.assert_allclose(grad[0, :4], np.array([0, 0, 1, -1]) / 8, atol=1e-12)


# -- SoftmaxCrossEntropy ------------------------------------------------------------
def onehot(labels: np.ndarray, C: int, dtype: type) -> np.ndarray:
    return np.eye(C, dtype=dtype)[labels]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.35, 1.0])
@pytest.mark.parametrize("target_kind", ["labels", "onehot"])
def test_softmax_ce_matches_cross_entropy(dtype, smoothing, target_kind):
    # Labels go to torch as class indices, one-hot rows as class probabilities: two
    # different torch code paths, both with label_smoothing, both must equal ours.
    rng = np.random.default_rng(5)
    N, C = 6, 5
    z = (2 * rng.standard_normal((N, C))).astype(dtype)
    labels = rng.integers(0, C, N)
    target = labels if target_kind == "labels" else onehot(labels, C, dtype)

    compare(SoftmaxCrossEntropy(label_smoothing=smoothing), torch_ce(smoothing), z, target, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_softmax_ce_probability_rows_match_torch(dtype, smoothing):
    rng = np.random.default_rng(6)
    z = rng.standard_normal((4, 3)).astype(dtype)
    q = rng.dirichlet(np.ones(3), 4).astype(dtype)

    compare(SoftmaxCrossEntropy(label_smoothing=smoothing), torch_ce(smoothing), z, q, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_softmax_ce_extreme_logits_are_finite_like_torch(dtype, smoothing):
    # Logits of +-1e4 overflow a plain exp; log-softmax after subtracting the row max does not.
    # Row 0 is confidently right (loss ~0), row 1 confidently wrong (loss ~2e4).
    z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    labels = np.array([0, 0, 1])

    grad = compare(SoftmaxCrossEntropy(label_smoothing=smoothing), torch_ce(smoothing), z, labels, dtype)
    assert np.allclose(grad.sum(axis=1), 0, atol=1e-6)  # rows of (p - q)/N sum to zero
