"""Adam's flat-buffer step: the same numbers as one parameter at a time, and safe state handling."""

from __future__ import annotations

import numpy as np

import barenet as bn


def layers(dtype="float32", seed=0):
    return [bn.Dense(5, 4, dtype=dtype, seed=seed), bn.Dense(4, 3, dtype=dtype, seed=seed + 1)]


def set_grads(ls, rng):
    for layer in ls:
        for k, p in layer.params.items():
            layer.grads[k] = rng.standard_normal(p.shape).astype(p.dtype)


def per_parameter(opt, ls):
    for key, p, g in opt._pairs(ls):
        opt._update(opt.state.setdefault(key, {}), p, g)


def test_flat_step_equals_the_per_parameter_step_bit_for_bit():
    flat_layers, ref_layers = layers(), layers()
    flat, ref = bn.Adam(0.01, weight_decay=0.1), bn.Adam(0.01, weight_decay=0.1)
    for step in range(4):
        set_grads(flat_layers, np.random.default_rng(step))
        set_grads(ref_layers, np.random.default_rng(step))
        flat.step(flat_layers)
        per_parameter(ref, ref_layers)
    for a, b in zip(flat_layers, ref_layers):
        for k in a.params:
            assert np.array_equal(a.params[k], b.params[k])
            assert np.array_equal(flat.state[(flat_layers.index(a), k)]["v"], ref.state[(ref_layers.index(b), k)]["v"])


def test_state_entries_are_views_of_one_buffer_and_a_cleared_state_starts_over():
    ls, opt = layers(), bn.Adam(0.01)
    set_grads(ls, np.random.default_rng(0))
    opt.step(ls)
    keys, m, _ = opt._flat
    assert all(opt.state[k]["m"].base is m for k in keys) and opt.state[keys[0]]["step"] == 1
    opt.state = {}  # as a user resetting the optimizer would
    set_grads(ls, np.random.default_rng(1))
    opt.step(ls)
    assert all(opt.state[k]["step"] == 1 for k in keys)  # fresh moments, not the old buffer's


def test_mixed_dtypes_take_the_per_parameter_path():
    ls = [bn.Dense(5, 4, dtype="float32", seed=0), bn.Dense(4, 3, dtype="float64", seed=1)]
    opt = bn.Adam(0.01)
    set_grads(ls, np.random.default_rng(0))
    opt.step(ls)
    assert opt.state[(1, "W")]["m"].dtype == np.float64 and opt.state[(0, "W")]["m"].dtype == np.float32
    assert getattr(opt, "_flat", None) is None
