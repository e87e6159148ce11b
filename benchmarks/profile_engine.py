"""Where barenet's time goes: per-layer and per-step breakdowns of the benchmark workloads.

    python benchmarks/profile_engine.py [--threads N] [--clock wall|cpu] [--only question|mlp|cnn|conv|blocks]

For each workload it times, in isolation and as a median of many calls, every piece of one
``Sequential.fit`` step (each layer's forward and backward, the loss, the optimizer step,
the NaN guard, the accuracy bookkeeping) and compares their sum with the real per-batch
cost of ``fit``; the gap is the loop's own overhead. ``conv`` splits Conv2D into its steps
(padding, unrolling, GEMMs, col2im; see profile_conv.py) and reports the GEMM share and the
ceiling an im2col layer has; ``blocks`` sweeps the block sizes in ``nn/layers/windows.py``.
These are the measurements behind the speed work described in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any, Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nets  # noqa: E402


CLOCK = time.perf_counter  # --clock cpu: time.process_time


def us(fn: Callable[[], Any], budget: float = 0.2) -> float:
    """Median microseconds per call of ``fn`` over 5 batches of calls lasting ~budget in all."""
    fn()
    t0 = CLOCK()
    fn()
    n = max(1, int(budget / 5 / max(CLOCK() - t0, 1e-6)))
    samples = []
    for _ in range(5):
        t0 = CLOCK()
        for _ in range(n):
            fn()
        samples.append((CLOCK() - t0) / n * 1e6)
    return statistics.median(samples)


def report(title: str, rows: list[tuple[str, float]], total: float | None = None) -> None:
    print(f"\n== {title}")
    parts = sum(v for _, v in rows)
    for name, v in rows:
        print(f"  {name:<44} {v:10.1f} us  {100 * v / (total or parts):5.1f}%")
    if total is not None:
        print(f"  {'(sum of parts)':<44} {parts:10.1f} us")
        print(f"  {'fit, measured per batch':<44} {total:10.1f} us  (loop overhead {total - parts:.1f} us)")


def step_parts(model: Any, loss: Any, opt: Any, xb: np.ndarray, yb: np.ndarray) -> list[tuple[str, float]]:
    """Time each piece of one training step on one batch."""
    import barenet as bn
    from barenet.nn.checks import labels_of

    rows, x = [], xb
    for layer in model.layers:
        rows.append((f"fwd  {layer.label}", us(lambda layer=layer, x=x: layer.forward(x, training=True))))
        x = layer.forward(x, training=True)
    rows.append(("loss.forward", us(lambda: loss.forward(x, yb))))
    rows.append(("loss.backward", us(loss.backward)))
    dy = loss.backward()
    for layer in reversed(model.layers):  # caches still hold the forward sweep's inputs
        rows.append((f"bwd  {layer.label}", us(lambda layer=layer, dy=dy: layer.backward(dy))))
        dy = layer.backward(dy)
    model.forward(xb, training=True)
    model.backward(loss.backward())
    guard = bn.NonFiniteGuard()
    rows.append(("NonFiniteGuard.on_backward", us(lambda: guard.on_backward(model, 0, 0, {"loss": 1.0}))))
    rows.append(("optimizer.step", us(lambda: opt.step(model.layers))))
    rows.append(("accuracy (labels_from_output == labels_of)",
                 us(lambda: int(np.sum(model.labels_from_output(x) == labels_of(yb))))))
    return rows


def fit_us_per_batch(make: Callable[[], Any], X: np.ndarray, y: np.ndarray, batch: int, epochs: int,
                     opt: Callable[[], Any], shuffle: bool) -> float:
    import barenet as bn

    times = []
    for _ in range(3):
        model = make()
        t0 = time.perf_counter()
        model.fit(X, y, loss=bn.SoftmaxCrossEntropy(), optimizer=opt(), epochs=epochs, batch_size=batch,
                  shuffle=shuffle)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) / (epochs * -(-len(X) // batch)) * 1e6


def profile_question() -> None:
    import barenet as bn
    from wl_question import ONEHOT_Q, X_Q, barenet_model

    X, Y = np.asarray(X_Q, np.float32), np.asarray(ONEHOT_Q, np.float32)
    model = barenet_model(0)
    rows = step_parts(model, bn.SoftmaxCrossEntropy(), bn.SGD(0.01), X[:1], Y[:1])
    total = fit_us_per_batch(lambda: barenet_model(0), X, Y, 1, 2000, lambda: bn.SGD(0.01), False)
    report("question: one fit step, batch 1, one-hot targets", rows, total)
    labels = np.array([0, 1])
    lab = fit_us_per_batch(lambda: barenet_model(0), X, labels, 1, 2000, lambda: bn.SGD(0.01), False)
    print(f"  same fit with integer labels instead of one-hot: {lab:.1f} us per batch")


def profile_mlp() -> None:
    import barenet as bn
    from wl_mlp import digits_split

    Xtr, _, ytr, _ = digits_split(0)
    for name, opt in (("adam", lambda: bn.Adam(1e-3)), ("sgd", lambda: bn.SGD(1e-2, 0.9, nesterov=True))):
        model = nets.barenet_mlp(0)
        rows = step_parts(model, bn.SoftmaxCrossEntropy(), opt(), Xtr[:32], ytr[:32])
        total = fit_us_per_batch(lambda: nets.barenet_mlp(0), Xtr, ytr, 32, 3, opt, True)
        report(f"mlp ({name}): one fit step, batch 32", rows, total)


def profile_cnn(batches: tuple[int, ...] = (64, 256)) -> None:
    import barenet as bn

    X, y = nets.lenet_data(max(batches) * 4, 0)
    for b in batches:
        model = nets.barenet_lenet(0)
        opt = lambda: bn.SGD(0.01, 0.9)  # noqa: E731
        rows = step_parts(model, bn.SoftmaxCrossEntropy(), opt(), X[:b], y[:b])
        total = fit_us_per_batch(lambda: nets.barenet_lenet(0), X[: 4 * b], y[: 4 * b], b, 1, opt, True)
        report(f"cnn: one fit step, batch {b}", rows, total)


def profile_layer(layer: Any, x: np.ndarray) -> None:
    y = layer.forward(x, training=True)
    dy = np.ones_like(y)
    def train_forward() -> None:
        layer.clear_cache()  # as Sequential does before a step, so the last step's memory is reused
        layer.forward(x, training=True)

    fwd = us(train_forward)
    inf = us(lambda: layer.forward(x))
    bwd = us(lambda: layer.backward(dy) if layer._cache is not None else layer.forward(x, training=True))
    print(f"  {layer.label:<24} on {str(x.shape):<18} forward {fwd:7.0f} us (inference {inf:7.0f}), "
          f"backward {bwd:7.0f} us")


def profile_conv() -> None:
    import barenet as bn
    from profile_conv import SHAPES, conv_split, report_split

    for shape in SHAPES:
        report_split(shape, conv_split(shape, us))
    print("\n== pooling and ReLU on LeNet's first feature maps")
    rng = np.random.default_rng(0)
    for N in (64, 256):
        profile_layer(bn.MaxPool2D(2), rng.random((N, 6, 28, 28), dtype=np.float32))
        profile_layer(bn.ReLU(), rng.random((N, 6, 28, 28), dtype=np.float32) - 0.5)


def profile_blocks() -> None:
    from profile_conv import block_sweep

    block_sweep(us)


def main() -> None:
    parser = argparse.ArgumentParser(description="per-step and per-layer timing of barenet's hot paths")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", choices=("question", "mlp", "cnn", "conv", "blocks"), action="append")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="cpu: this process's CPU time, steadier on a busy machine with --threads 1")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    with threadpool_limits(limits=args.threads):
        print(f"threads: {args.threads}, clock: {args.clock}, load average: {os.getloadavg()[0]:.1f}")
        profiles = {"question": profile_question, "mlp": profile_mlp, "cnn": profile_cnn, "conv": profile_conv,
                    "blocks": profile_blocks}
        for name in args.only or profiles:
            profiles[name]()


if __name__ == "__main__":
    main()
