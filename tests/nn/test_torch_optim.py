"""Optimizers and learning-rate schedules against torch.optim.

Both sides start from the same parameters and see the same sequence of gradients;
after every step the parameters must agree (float64 rtol 1e-10, float32 rtol 1e-4).
Real Dense layers carry barenet's parameters; their ``grads`` are set directly, so
the comparison isolates the update rule from backprop.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from barenet import SGD, Adam, CosineLR, Dense, ExponentialLR, RMSProp, StepLR

DTYPES = [np.float64, np.float32]
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-4, atol=1e-6)}
STEPS = 6


def make_pair(dtype: type, seed: int = 0) -> tuple[list[Dense], list[torch.Tensor]]:
    """Two Dense layers with random W and b, and torch leaf tensors holding copies of them."""
    rng = np.random.default_rng(seed)
    layers = [Dense(4, 3, dtype=dtype, seed=seed), Dense(3, 2, dtype=dtype, seed=seed + 1)]
    for layer in layers:  # nonzero biases: a zero start would hide a wrong weight-decay term
        layer.params["b"][:] = rng.standard_normal(layer.params["b"].shape).astype(dtype)
    tparams = [torch.tensor(layer.params[k].copy(), requires_grad=True) for layer in layers for k in ("W", "b")]
    return layers, tparams


def run_steps(ours, theirs_cls, theirs_kwargs: dict, dtype: type, seed: int = 0, scheduler=None) -> None:
    """Step both optimizers STEPS times on identical gradients and compare after each step."""
    layers, tparams = make_pair(dtype, seed)
    theirs = theirs_cls(tparams, **theirs_kwargs)
    sched = scheduler(theirs) if scheduler else None
    rng = np.random.default_rng(seed + 100)
    for step in range(STEPS):
        if sched is not None:
            ours.set_epoch(step)  # barenet: lr is a pure function of the epoch
        grads = [rng.standard_normal(t.shape).astype(dtype) for t in tparams]
        for layer, (gW, gb) in zip(layers, zip(grads[::2], grads[1::2])):
            layer.grads = {"W": gW.copy(), "b": gb.copy()}
        for t, g in zip(tparams, grads):
            t.grad = torch.tensor(g)
        ours.step(layers)
        theirs.step()
        if sched is not None:
            sched.step()
        ours_flat = [layer.params[k] for layer in layers for k in ("W", "b")]
        for i, (p, t) in enumerate(zip(ours_flat, tparams)):
            assert p.dtype == dtype, f"step {step}: parameter {i} became {p.dtype}"
            np.testing.assert_allclose(p, t.detach().numpy(), err_msg=f"step {step}, parameter {i}",
                                       **TOL[dtype])
    # The run moved the parameters; a no-op optimizer on both sides would otherwise pass.
    layers0, _ = make_pair(dtype, seed)
    assert not np.allclose(layers[0].params["W"], layers0[0].params["W"], rtol=1e-3, atol=0)


SGD_CASES = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.1, weight_decay=0.01),
    dict(lr=0.1, momentum=0.8, weight_decay=0.05),
    dict(lr=0.02, momentum=0.5, nesterov=True, weight_decay=0.1),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", SGD_CASES, ids=str)
def test_sgd_matches_torch(dtype, kwargs):
    # Same argument names in both libraries; torch's dampening stays at its default 0.
    run_steps(SGD(**kwargs), torch.optim.SGD, kwargs, dtype)


ADAM_CASES = [  # (barenet kwargs, torch class, torch kwargs)
    (dict(), torch.optim.Adam, dict()),  # defaults agree: lr 1e-3, betas (0.9, 0.999), eps 1e-8
    (dict(lr=1e-2), torch.optim.Adam, dict(lr=1e-2)),
    (dict(lr=3e-2, betas=(0.8, 0.99), eps=1e-6), torch.optim.Adam, dict(lr=3e-2, betas=(0.8, 0.99), eps=1e-6)),
    # Coupled L2: the decay is added to the gradient and then goes through the moments.
    (dict(lr=1e-2, weight_decay=0.1), torch.optim.Adam, dict(lr=1e-2, weight_decay=0.1)),
    # Decoupled (AdamW): the parameter shrinks by (1 - lr wd) outside the moments. torch's
    # AdamW defaults weight_decay to 1e-2, so it is always passed explicitly.
    (dict(lr=1e-2, weight_decay=0.1, decoupled=True), torch.optim.AdamW, dict(lr=1e-2, weight_decay=0.1)),
    (dict(lr=5e-2, betas=(0.5, 0.9), weight_decay=0.3, decoupled=True), torch.optim.AdamW,
     dict(lr=5e-2, betas=(0.5, 0.9), weight_decay=0.3)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ours_kwargs,theirs_cls,theirs_kwargs", ADAM_CASES, ids=lambda v: str(v))
def test_adam_matches_torch(dtype, ours_kwargs, theirs_cls, theirs_kwargs):
    run_steps(Adam(**ours_kwargs), theirs_cls, theirs_kwargs, dtype, seed=1)


def test_adam_coupled_and_decoupled_decay_differ():
    # Guards the two ADAM_CASES above from passing for the wrong reason: if the two
    # weight-decay modes coincided, either torch reference would accept either rule.
    out = []
    for decoupled in (False, True):
        layers, _ = make_pair(np.float64, seed=2)
        opt = Adam(lr=1e-2, weight_decay=0.5, decoupled=decoupled)
        for _ in range(3):
            for layer in layers:
                layer.grads = {k: np.ones_like(v) for k, v in layer.params.items()}
            opt.step(layers)
        out.append(layers[0].params["W"].copy())
    assert not np.allclose(out[0], out[1], rtol=1e-6, atol=0)


RMSPROP_CASES = [
    dict(),  # defaults agree: lr 1e-2, alpha 0.99, eps 1e-8
    dict(lr=1e-3, alpha=0.9, eps=1e-6),
    dict(lr=5e-2, alpha=0.5, eps=1e-3),  # a large eps makes its placement (outside the sqrt) matter
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", RMSPROP_CASES, ids=str)
def test_rmsprop_matches_torch(dtype, kwargs):
    run_steps(RMSProp(**kwargs), torch.optim.RMSprop, kwargs, dtype, seed=3)


# -- Schedules ----------------------------------------------------------------------
EPOCHS = 20

SCHEDULE_CASES = [  # (barenet schedule, torch scheduler factory)
    (StepLR(3, 0.5), lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5)),
    (StepLR(1, 0.9), lambda o: torch.optim.lr_scheduler.StepLR(o, 1, 0.9)),
    (StepLR(7), lambda o: torch.optim.lr_scheduler.StepLR(o, 7)),  # default gamma 0.1 in both
    (ExponentialLR(0.9), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)),
    (ExponentialLR(0.5), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.5)),
    (CosineLR(EPOCHS), lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, EPOCHS)),
    (CosineLR(EPOCHS, 1e-3), lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, EPOCHS, 1e-3)),
    (CosineLR(7, 0.01), lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 7, 0.01)),
]


def torch_lrs(factory, base_lr: float, epochs: int) -> list[float]:
    """torch's lr for epochs 0..epochs-1: the value after e calls of scheduler.step()."""
    opt = torch.optim.SGD([torch.zeros(1, dtype=torch.float64, requires_grad=True)], lr=base_lr)
    sched, lrs = factory(opt), []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()  # no gradient, so nothing moves; keeps torch's step-order warning quiet
        sched.step()
    return lrs


@pytest.mark.parametrize("case", range(len(SCHEDULE_CASES)))
def test_schedule_matches_torch_scheduler(case):
    schedule, factory = SCHEDULE_CASES[case]
    base_lr = 0.3
    # torch's CosineAnnealingLR is periodic past T_max (the rate climbs back up); ours holds at
    # eta_min by design (see CosineLR's docstring), so compare up to T_max only, then check the hold.
    last = min(EPOCHS, schedule.T_max) if isinstance(schedule, CosineLR) else EPOCHS
    expected = torch_lrs(factory, base_lr, last + 1)
    opt = SGD(lr=base_lr, schedule=schedule)
    ours = []
    for e in range(last + 1):
        opt.set_epoch(e)
        ours.append(opt.lr)
        assert opt.lr == schedule(e, base_lr)
    np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-15)
    if isinstance(schedule, CosineLR):
        held = [schedule(e, base_lr) for e in range(last + 1, EPOCHS + 1)]
        np.testing.assert_allclose(held, schedule.eta_min, rtol=0, atol=1e-15)


@pytest.mark.parametrize("dtype", DTYPES)
def test_scheduled_sgd_momentum_steps_match_torch(dtype):
    # The rate from set_epoch must be the one step() uses: parameters, not just lr values, agree.
    run_steps(SGD(lr=0.2, momentum=0.9, schedule=StepLR(2, 0.5)), torch.optim.SGD, dict(lr=0.2, momentum=0.9),
              dtype, seed=4, scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, 2, 0.5))


@pytest.mark.parametrize("dtype", DTYPES)
def test_scheduled_adam_cosine_steps_match_torch(dtype):
    # T_max = 5 with STEPS = 6 epochs (0..5) stays within the range where torch is not periodic.
    run_steps(Adam(lr=0.05, schedule=CosineLR(5, 1e-3)), torch.optim.Adam, dict(lr=0.05), dtype, seed=5,
              scheduler=lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 5, 1e-3))


def test_cosine_hand_worked():
    # T_max = 4, base 1, eta_min 0: lr = (1 + cos(pi e / 4)) / 2 ->
    # e=0: 1; e=1: (1 + 0.70711)/2 = 0.85355; e=2: 0.5; e=3: 0.14645; e=4 and later: 0.
    s = CosineLR(4)
    got = [s(e, 1.0) for e in range(6)]
    want = [1.0, (1 + math.sqrt(0.5)) / 2, 0.5, (1 - math.sqrt(0.5)) / 2, 0.0, 0.0]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
