"""Conv2D statement by statement: where a forward+backward spends its time, and the ceiling that implies.

    python benchmarks/profile_engine.py --only conv [--threads 1] [--clock cpu]
    python benchmarks/profile_engine.py --only blocks             # the block-size sweep

``conv_split`` replays Conv2D's forward and backward on one input, step by step, with the
layer's own block plan (``windows.conv_plan``), and times each kind of step summed over
the blocks: the padded transpose of the input, unrolling the windows (forward and again in
backward), the three GEMMs, zeroing dx and col2im. It then prints:

- the GEMM share: the three GEMMs' time over the layer's measured forward+backward, which
  is what benchmarks/run.py's layers workload reports as barenet/raw;
- the im2col ceiling: GEMMs / (GEMMs + the two unrolls + col2im). An im2col layer must
  write every window pixel once per pass and fold every gradient back once, so even with
  padding, transposes and Python free, its GEMM share cannot exceed this.

``block_sweep`` times Conv2D and MaxPool2D forward+backward under several block sizes.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

SHAPES = [(64, 1, 28, 6, 5, 2), (64, 6, 14, 16, 5, 0), (32, 32, 16, 64, 3, 1),  # benchmarks/wl_layers.py
          (256, 1, 28, 6, 5, 2), (256, 6, 14, 16, 5, 0)]  # LeNet at batch 256


def conv_split(shape: tuple[int, ...], us: Callable[[Callable[[], Any]], float]) -> dict[str, float]:
    """Microseconds per forward+backward for each step of Conv2D on ``shape`` = (N, C, H=W, F, k, pad)."""
    import barenet as bn
    from barenet.nn.layers.windows import col2im_add, conv_plan, rows_view, split, to_chwn, windows

    N, C, H, F, k, pad = shape
    rng = np.random.default_rng(0)
    layer = bn.Conv2D(C, F, k, padding=pad, seed=0)
    x = rng.standard_normal((N, C, H, H), dtype=np.float32)
    y = layer.forward(x, training=True)
    dy = rng.standard_normal(y.shape, dtype=np.float32)
    xc = layer._padded(x)
    Ho, K = y.shape[2], C * k * k
    plan = conv_plan(Ho, Ho, N, K)
    most = max(blk.b - blk.a for blk, _ in plan) * N
    buf, dbuf = np.ones((K + 1) * (most + 32), np.float32), np.zeros(K * (most + 32), np.float32)
    Wb, Wt = rng.standard_normal((F, K + 1), dtype=np.float32), rng.standard_normal((K, F), dtype=np.float32)
    y2, dy2 = np.empty((F, Ho * Ho * N), np.float32), to_chwn(dy).reshape(F, -1)
    win, dxc = windows(xc, k, k, 1, 1), np.zeros_like(xc)

    def each(step: Callable[[Any, int, int, np.ndarray], Any]) -> Callable[[], None]:
        """Run ``step(block, a, b, cols)`` per block: a block's columns [a, b) and its (K+1, b-a) buffer."""
        def run() -> None:
            for blk, _ in plan:
                a, b = blk.a * N, blk.b * N
                step(blk, a, b, rows_view(buf, K + 1, b - a))
        return run

    def gemms(step: Callable[[np.ndarray, int, int], Any]) -> Callable[[], None]:
        """Run ``step(cols, c0, c1)`` per GEMM column range [c0, c1) of the full (.., M) matrices."""
        def run() -> None:
            for blk, ranges in plan:
                a, b = blk.a * N, blk.b * N
                cols = rows_view(buf, K + 1, b - a)
                for c0, c1 in ranges:
                    step(cols[:, c0:c1], a + c0, a + c1)
        return run

    def dcols_gemms() -> None:  # into the block's padded-row work buffer, as the layer does
        for blk, ranges in plan:
            a, b = blk.a * N, blk.b * N
            dcols = rows_view(dbuf, K, b - a)
            for c0, c1 in ranges:
                np.matmul(Wt, dy2[:, a + c0 : a + c1], out=dcols[:, c0:c1])

    def unroll(blk: Any, a: int, b: int, cols: np.ndarray) -> None:
        part = win[:, :, :, blk.h0 : blk.h1, blk.w0 : blk.w1]
        np.copyto(split(cols[:K], part.shape), part)

    def col2im(blk: Any, a: int, b: int, cols: np.ndarray) -> None:
        d = split(rows_view(dbuf, K, b - a), (C, k, k, blk.h1 - blk.h0, blk.w1 - blk.w0, N))
        with np.errstate(over="ignore", invalid="ignore"):
            col2im_add(d, dxc, blk, 1, 1)

    parts = {
        "input -> padded (C, H, W, N)": us(lambda: layer._padded(x)),
        "dy (N, F, H, W) -> (F, H*W*N)": us(lambda: to_chwn(dy)),
        "unroll windows (forward)": us(each(unroll)),
        "GEMM y = [W | b] [cols; 1]": us(gemms(lambda c, a, b: np.matmul(Wb, c, out=y2[:, a:b]))),
        "unroll windows (backward)": us(each(unroll)),
        "GEMM [dW | db]^T = [cols; 1] dy^T": us(gemms(lambda c, a, b: c @ dy2[:, a:b].T)),
        "GEMM dcols = W^T dy": us(dcols_gemms),
        "zeros dx": us(lambda: np.zeros_like(xc)),
        "col2im adds": us(each(col2im)),  # into the same dx each time: its values grow, the work does not
    }

    def both() -> None:
        layer.clear_cache()  # as Sequential does before a step, so the last step's memory is reused
        layer.forward(x, training=True)
        layer.backward(dy)

    parts["(measured: forward + backward)"] = us(both)
    return parts


def report_split(shape: tuple[int, ...], parts: dict[str, float]) -> None:
    total = parts.pop("(measured: forward + backward)")
    gemm = sum(v for name, v in parts.items() if name.startswith("GEMM"))
    moves = sum(v for name, v in parts.items() if name.startswith(("unroll", "col2im")))
    N, C, H, F, k, pad = shape
    print(f"\n== Conv2D({C}, {F}, {k}, padding={pad}) on ({N}, {C}, {H}, {H}), {len(parts)} steps")
    for name, v in parts.items():
        print(f"  {name:<40} {v:9.0f} us  {100 * v / total:5.1f}%")
    print(f"  {'sum of steps':<40} {sum(parts.values()):9.0f} us")
    print(f"  {'layer forward + backward, measured':<40} {total:9.0f} us")
    print(f"  GEMM share {gemm / total:.2f}; im2col ceiling GEMM / (GEMM + unrolls + col2im) = "
          f"{gemm / (gemm + moves):.2f}")


def block_sweep(us: Callable[[Callable[[], Any]], float]) -> None:
    """Conv2D and MaxPool2D forward+backward (microseconds) for several block sizes."""
    import barenet as bn
    import barenet.nn.layers.windows as W

    rng = np.random.default_rng(0)
    saved = (W.GEMM_COLS, W.UNROLL_FLOATS, W.POOL_FLOATS)
    settings = [(1024, 2**20, 2**18), (2048, 2**20, 2**19), (4096, 2**20, 2**20), (8192, 2**21, 2**21),
                (2**30, 2**40, 2**40)]
    print("\n== block sweep: forward + backward in us for (GEMM_COLS, UNROLL_FLOATS, POOL_FLOATS); last = unblocked")
    print("  " + " ".join(f"{str(s):>26}" for s in settings))
    cases = [(bn.Conv2D(1, 6, 5, padding=2, seed=0), (1, 28)), (bn.Conv2D(6, 16, 5, seed=0), (6, 14)),
             (bn.MaxPool2D(2), (6, 28))]
    try:
        for layer, (C, H) in cases:
            for N in (64, 256, 1024):
                x = rng.random((N, C, H, H), dtype=np.float32)
                dy = np.ones_like(layer.forward(x, training=True))
                row = []
                for s in settings:
                    W.GEMM_COLS, W.UNROLL_FLOATS, W.POOL_FLOATS = s

                    def both() -> None:
                        layer.clear_cache()
                        layer.forward(x, training=True)
                        layer.backward(dy)
                    row.append(us(both))
                print(f"  {layer.label:<22} N={N:<5}" + " ".join(f"{v:26.0f}" for v in row))
    finally:
        W.GEMM_COLS, W.UNROLL_FLOATS, W.POOL_FLOATS = saved
