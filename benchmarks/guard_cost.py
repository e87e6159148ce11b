"""What the divergence guard costs per training step (issue: it must stay under 2% at batch 64).

For each network, one training step (forward, loss, backward, optimizer step) is timed
with and without the guard's per-batch check (``NonFiniteGuard.on_backward``), interleaved
so that machine noise hits both alike; the figure is the median of the paired ratios.

    python benchmarks/guard_cost.py [--threads 2] [--batch 64] [--repeats 200]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import barenet as bn
from harness import limit_threads
from nets import LENET_CLASSES, MLP_HIDDEN


def networks() -> dict[str, tuple[bn.Sequential, tuple]]:
    mlp = bn.Sequential([bn.Flatten(), bn.Dense(64, MLP_HIDDEN[0]), bn.ReLU(), bn.Dense(*MLP_HIDDEN), bn.ReLU(),
                         bn.Dense(MLP_HIDDEN[1], 10)], seed=0)
    from barenet.zoo import get_arch

    lenet = get_arch("lenet").build((1, 28, 28), LENET_CLASSES, seed=0)
    return {"mlp 64-128-64-10": (mlp, (1, 8, 8)), "lenet 28x28": (lenet, (1, 28, 28))}


def step_times(model: bn.Sequential, shape: tuple, batch: int, repeats: int) -> tuple[float, float]:
    """Median seconds of a step without the guard, and the median of the guard's own check."""
    rng = np.random.default_rng(0)
    X = rng.random((batch, *shape), dtype=np.float32)
    y = rng.integers(0, model.layers[-1].params["b"].size, batch)
    loss, opt, guard = bn.SoftmaxCrossEntropy(), bn.Adam(1e-3), bn.NonFiniteGuard()
    T = loss.prepare(model.forward(X), y)
    guard.on_train_begin(model)
    plain, checks = [], []
    for i in range(repeats):
        t0 = time.perf_counter()
        out = model.forward(X, training=True)
        value = loss.forward_prepared(out, T)
        model.backward(loss.backward(), need_input_grad=False)
        t1 = time.perf_counter()
        guard.on_backward(model, 0, i, {"loss": value})
        t2 = time.perf_counter()
        opt.step(model.layers)
        t3 = time.perf_counter()
        plain.append((t1 - t0) + (t3 - t2))
        checks.append(t2 - t1)
    return statistics.median(plain), statistics.median(checks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=200)
    args = ap.parse_args()
    with limit_threads(args.threads):
        print(f"| network (batch {args.batch}, {args.threads} threads) | step | guard check | cost |")
        print("| --- | ---: | ---: | ---: |")
        for name, (model, shape) in networks().items():
            step, check = step_times(model, shape, args.batch, args.repeats)
            print(f"| {name} | {step * 1e6:.0f} us | {check * 1e6:.1f} us | {100 * check / step:.2f}% |")


if __name__ == "__main__":
    main()
