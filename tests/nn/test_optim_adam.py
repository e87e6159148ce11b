"""Adam's rule, one parameter at a time, and its all-at-once step give the same numbers bit for bit.

``Adam.update`` is the formula a reader checks against the paper; ``Adam.step`` runs it on
flat buffers. The reference below steps through ``Optimizer.step``, the base class's plain
loop over parameters, so the fast path is compared with the readable rule and nothing else.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import barenet as bn


def layers(dtype="float32", seed=0):
    return [bn.Dense(5, 4, dtype=dtype, seed=seed), bn.Dense(4, 3, dtype=dtype, seed=seed + 1)]


def set_grads(ls, rng):
    for layer in ls:
        for k, p in layer.params.items():
            layer.grads[k] = rng.standard_normal(p.shape).astype(p.dtype)


def assert_same(ls_a, ls_b, opt_a, opt_b):
    for i, (a, b) in enumerate(zip(ls_a, ls_b)):
        for k in a.params:
            np.testing.assert_array_equal(a.params[k], b.params[k])
            for slot in ("m", "v", "step"):
                np.testing.assert_array_equal(opt_a.state[(i, k)][slot], opt_b.state[(i, k)][slot])


@pytest.mark.parametrize("kw", [{}, {"weight_decay": 0.1}, {"weight_decay": 0.1, "decoupled": True}])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_fast_step_equals_the_per_parameter_rule_bit_for_bit(kw, dtype):
    fast_layers, ref_layers = layers(dtype), layers(dtype)
    fast, ref = bn.Adam(0.01, **kw), bn.Adam(0.01, **kw)
    for step in range(4):
        set_grads(fast_layers, np.random.default_rng(step))
        set_grads(ref_layers, np.random.default_rng(step))
        fast.step(fast_layers)
        bn.Optimizer.step(ref, ref_layers)  # the base class: update() once per parameter
        assert_same(fast_layers, ref_layers, fast, ref)


def test_the_rule_is_the_formula_in_the_docstring():
    # One parameter, two steps, by hand: m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t).
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p, state = np.array([1.0, -2.0]), {}
    opt = bn.Adam(lr, betas=(b1, b2), eps=eps)
    m = v = np.zeros(2)
    expected = p.copy()
    for t, g in enumerate([np.array([0.5, -1.0]), np.array([0.25, 2.0])], start=1):
        opt.update(state, p, g)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        expected = expected - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        np.testing.assert_allclose(p, expected, rtol=1e-14)
    assert state["step"] == 2 and math.isclose(float(state["v"][1]), b2 * (1 - b2) * 1.0 + (1 - b2) * 4.0)


def test_a_replaced_or_cleared_state_is_honoured():
    fast_layers, ref_layers = layers(), layers()
    fast, ref = bn.Adam(0.01), bn.Adam(0.01)
    for step in range(6):
        if step == 2:
            fast.state = copy.deepcopy(fast.state)  # as a restored model file would bring it
        if step == 4:
            fast.state, ref.state = {}, {}  # as a user resetting the optimizer would
        set_grads(fast_layers, np.random.default_rng(step))
        set_grads(ref_layers, np.random.default_rng(step))
        fast.step(fast_layers)
        bn.Optimizer.step(ref, ref_layers)
        assert_same(fast_layers, ref_layers, fast, ref)
    assert fast.state[(0, "W")]["step"] == 2  # counted again from the reset


def test_mixed_dtypes_step_each_parameter_in_its_own_dtype():
    ls = [bn.Dense(5, 4, dtype="float32", seed=0), bn.Dense(4, 3, dtype="float64", seed=1)]
    ref_ls = [bn.Dense(5, 4, dtype="float32", seed=0), bn.Dense(4, 3, dtype="float64", seed=1)]
    opt, ref = bn.Adam(0.01), bn.Adam(0.01)
    set_grads(ls, np.random.default_rng(0))
    set_grads(ref_ls, np.random.default_rng(0))
    opt.step(ls)
    bn.Optimizer.step(ref, ref_ls)
    assert opt.state[(1, "W")]["m"].dtype == np.float64 and opt.state[(0, "W")]["m"].dtype == np.float32
    assert_same(ls, ref_ls, opt, ref)
