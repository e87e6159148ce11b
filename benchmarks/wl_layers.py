"""Workload (d): GFLOP/s of barenet's Dense and Conv2D forward+backward against raw np.matmul.

Dense on x (N, in), W (in, out): forward ``x @ W``, backward ``x.T @ dy`` and ``dy @ W.T``,
three GEMMs of 2*N*in*out flops each. The raw baseline (the target) runs exactly those three
matmuls on the same arrays; barenet runs ``layer.forward(x, training=True)`` then
``layer.backward(dy)``, which adds the bias, the bias gradient and the input checks, and
computes dx as ``(W @ dy.T).T``, an orientation OpenBLAS runs faster for small batches. The
information baseline ``own_orientation_matmul`` runs the three products in that orientation,
so barenet/own_orientation is the share of the layer that is GEMM.

Conv2D is counted by its im2col GEMMs, M = N*H_out*W_out windows, K = C*kh*kw, F filters:
three GEMMs of 2*M*K*F flops. Two baselines:
- ``raw_matmul``, the layer's own GEMMs (the target): exactly the matmul calls Conv2D makes,
  block by block (``windows.conv_plan``), in its orientation and with its row of ones for
  the bias (``[W | b] @ [cols; 1]``, ``[cols; 1] @ dy^T``, ``W^T @ dy``), on one prebuilt,
  cache-warm block; barenet's time also includes padding, unrolling every block (twice:
  forward and backward), the layout transposes and col2im, so the ratio is the share of the
  layer that is GEMM;
- ``unblocked_matmul`` (information): the three GEMMs on the whole prebuilt ``cols`` (K, M)
  at once, as an unblocked im2col layer would run them; for skinny shapes these are slower
  than the blocked ones, which is why Conv2D blocks.

Each repeat runs barenet and the baselines for about 0.2 s each (0.02 s in quick mode),
alternating them in 10 slices so all meet the same interference; after a warm-up call, the
figure is the median over the repeats. GFLOP/s = flops per call / seconds per call.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any, Callable

import numpy as np

from harness import Config, target

DENSE_SHAPES = [(32, 64, 128), (256, 400, 120), (256, 1024, 1024)]  # (N, in, out)
DENSE_QUICK = [(8, 16, 32), (16, 32, 32)]
CONV_SHAPES = [(64, 1, 28, 6, 5, 2), (64, 6, 14, 16, 5, 0), (32, 32, 16, 64, 3, 1)]  # (N, C, H=W, F, k, pad)
CONV_QUICK = [(4, 1, 12, 3, 3, 1), (2, 2, 8, 4, 3, 0)]


def calibrate(fn: Callable[[], Any], seconds: float) -> int:
    """How many calls of ``fn`` take about ``seconds``: the median of 3 timed calls after a warm one."""
    fn()
    once = []
    for _ in range(3):
        t0 = time.perf_counter()
        fn()
        once.append(time.perf_counter() - t0)
    return max(1, math.ceil(seconds / max(statistics.median(once), 1e-7)))


def dense_fns(shape: tuple[int, int, int], rng: np.random.Generator) -> tuple[Callable, Callable, dict, float]:
    """barenet and raw fwd+bwd callables for one Dense shape, an info baseline, and the flops per call."""
    import barenet as bn

    N, n_in, n_out = shape
    x = rng.standard_normal((N, n_in), dtype=np.float32)
    dy = rng.standard_normal((N, n_out), dtype=np.float32)
    layer = bn.Dense(n_in, n_out, seed=0)
    W = layer.params["W"]

    def layer_fn() -> None:
        layer.forward(x, training=True)
        layer.backward(dy)

    def raw_fn() -> None:
        np.matmul(x, W)
        np.matmul(x.T, dy)
        np.matmul(dy, W.T)

    def own_orientation_fn() -> None:  # the same products in the orientation Dense uses
        np.matmul(x, W)
        np.matmul(x.T, dy)
        np.matmul(W, dy.T)  # dx^T = W dy^T

    return layer_fn, raw_fn, {"own_orientation_matmul": own_orientation_fn}, 3 * 2.0 * N * n_in * n_out


def conv_fns(shape: tuple[int, ...], rng: np.random.Generator) -> tuple[Callable, Callable, dict, float]:
    """barenet, its own blocked GEMMs, and the unblocked GEMMs for one Conv2D shape; and the flops per call."""
    import barenet as bn
    from barenet.nn.layers.windows import conv_plan, rows_view

    N, C, H, F, k, pad = shape
    layer = bn.Conv2D(C, F, k, padding=pad, seed=0)
    x = rng.standard_normal((N, C, H, H), dtype=np.float32)
    Ho = H + 2 * pad - k + 1
    dy = rng.standard_normal((N, F, Ho, Ho), dtype=np.float32)
    M, K = N * Ho * Ho, C * k * k
    cols = rng.standard_normal((K, M), dtype=np.float32)  # channel-major, as conv.py lays it out
    dy2 = rng.standard_normal((F, M), dtype=np.float32)
    Wm = layer.params["W"].reshape(F, K)
    plan = conv_plan(Ho, Ho, N, K)
    most = max(blk.b - blk.a for blk, _ in plan) * N
    buf = rng.standard_normal((K + 1) * (most + 32), dtype=np.float32)
    dbuf = np.empty(K * (most + 32), np.float32)
    Wb, Wt = rng.standard_normal((F, K + 1), dtype=np.float32), np.ascontiguousarray(Wm.T)
    y = np.empty((F, M), np.float32)

    def layer_fn() -> None:
        layer.forward(x, training=True)
        layer.backward(dy)

    def own_fn() -> None:  # the GEMM calls Conv2D makes, on one prebuilt, cache-warm block
        dWbT = np.zeros((K + 1, F), dtype=np.float32)
        for blk, ranges in plan:
            a, m = blk.a * N, (blk.b - blk.a) * N
            block, dcols = rows_view(buf, K + 1, m), rows_view(dbuf, K, m)
            for c0, c1 in ranges:
                np.matmul(Wb, block[:, c0:c1], out=y[:, a + c0 : a + c1])  # y = [W | b] [cols; 1]
                dWbT += block[:, c0:c1] @ dy2[:, a + c0 : a + c1].T  # [dW | db]^T
                np.matmul(Wt, dy2[:, a + c0 : a + c1], out=dcols[:, c0:c1])  # dcols = W^T dy

    def unblocked_fn() -> None:
        np.matmul(Wm, cols)  # y = W cols
        np.matmul(dy2, cols.T)  # dW = dy cols^T
        np.matmul(Wm.T, dy2)  # dcols = W^T dy

    return layer_fn, own_fn, {"unblocked_matmul": unblocked_fn}, 3 * 2.0 * M * K * F


def paired_times(fns: dict[str, Callable[[], Any]], inner: dict[str, int], repeats: int,
                 blocks: int = 10) -> dict[str, dict[str, Any]]:
    """Time each callable ``inner`` times per repeat, alternating them in ``blocks`` slices.

    Alternating barenet and raw matmul within every repeat exposes both to the same
    interference from other processes, so their ratio stays meaningful on a busy machine.
    Returns ``{name: {"times_s": [seconds per repeat], "median_s": m}}`` like ``time_cases``.
    """
    out = {name: {"times_s": [], "metrics": []} for name in fns}
    for name, fn in fns.items():  # warm-up
        fn()
    for _ in range(repeats):
        spent = dict.fromkeys(fns, 0.0)
        for block in range(blocks):
            for name, fn in fns.items():
                calls = inner[name] // blocks + (block < inner[name] % blocks)
                t0 = time.perf_counter()
                for _ in range(calls):
                    fn()
                spent[name] += time.perf_counter() - t0
        for name in fns:
            out[name]["times_s"].append(spent[name])
    for rec in out.values():
        rec["median_s"] = statistics.median(rec["times_s"])
    return out


def run(cfg: Config) -> dict[str, Any]:
    """GFLOP/s per shape for barenet's layer and raw matmul, and their ratio."""
    rng = np.random.default_rng(cfg.seed)
    seconds = 0.02 if cfg.quick else 0.2
    specs = [("dense", s, dense_fns(s, rng)) for s in (DENSE_QUICK if cfg.quick else DENSE_SHAPES)]
    specs += [("conv", s, conv_fns(s, rng)) for s in (CONV_QUICK if cfg.quick else CONV_SHAPES)]
    summary, ratios, raw, params = {}, {}, {}, {}
    for kind, shape, (layer_fn, raw_fn, info, flops) in specs:
        tag = f"{kind}{'x'.join(map(str, shape))}"
        fns = {f"{tag}_barenet": layer_fn, f"{tag}_raw_matmul": raw_fn}
        fns.update({f"{tag}_{name}": fn for name, fn in info.items()})
        inner = {name: calibrate(fn, seconds) for name, fn in fns.items()}
        timed = paired_times(fns, inner, cfg.repeats)
        raw.update(timed)
        per_call = {name: timed[name]["median_s"] / inner[name] for name in fns}
        gflops = {name: flops / t / 1e9 for name, t in per_call.items()}
        summary[tag] = {"barenet_gflops": gflops[f"{tag}_barenet"], "raw_matmul_gflops": gflops[f"{tag}_raw_matmul"],
                        "us_per_call": per_call[f"{tag}_barenet"] * 1e6}
        ratios[f"{tag}: barenet/raw"] = gflops[f"{tag}_barenet"] / gflops[f"{tag}_raw_matmul"]
        for name in info:
            summary[tag][f"{name}_gflops"] = gflops[f"{tag}_{name}"]
            ratios[f"{tag}: barenet/{name} (info)"] = gflops[f"{tag}_barenet"] / gflops[f"{tag}_{name}"]
        params[tag] = {"kind": kind, "shape": list(shape), "flops_per_call": flops, "inner_loops": inner}
    targets = [target(f"{name} (Dense)", r, 0.9) for name, r in ratios.items()
               if name.startswith("dense") and name.endswith("barenet/raw")]
    targets += [target(f"{name} (Conv2D, its own GEMMs)", r, 0.85) for name, r in ratios.items()
                if name.startswith("conv") and name.endswith("barenet/raw")]
    return {"description": "per-layer fwd+bwd GFLOP/s vs raw np.matmul on the same GEMM shapes",
            "params": {"shapes": params, "dense_shape": "(N, in, out)", "conv_shape": "(N, C, H=W, F, k, pad)"},
            "raw": raw, "summary": summary, "ratios": ratios, "targets": targets}
