"""Shared benchmark machinery: thread limits, timing, machine info, targets and the table.

Every workload module builds a list of ``Case``s and hands them to ``time_cases``, which
warms each case up once and then times ``repeats`` rounds round-robin (case A, B, C, A, B,
C, ...), so slow drift of a shared machine hits every library alike. Figures are medians
of ``time.perf_counter`` differences; setup (building models, copying weights) happens in
``Case.prepare`` and is never timed.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

Thunk = Callable[[], Any]


@dataclass
class Config:
    """Run-wide settings every workload receives."""

    quick: bool
    threads: int
    repeats: int
    seed: int = 0


@dataclass
class Case:
    """One thing to time.

    ``prepare()`` does the untimed setup and returns the zero-argument thunk that is timed.
    ``warmup`` (optional) prepares a cheaper thunk for the warm-up run; by default the warm-up
    is one full run. ``check(result)`` turns the thunk's return value into untimed metrics
    (accuracy, final loss) after each timed run.
    """

    name: str
    prepare: Callable[[], Thunk]
    warmup: Callable[[], Thunk] | None = None
    check: Callable[[Any], dict[str, float]] | None = None
    metrics: list[dict[str, float]] = field(default_factory=list)


def time_cases(cases: list[Case], repeats: int) -> dict[str, dict[str, Any]]:
    """Warm up every case once, then time ``repeats`` round-robin rounds.

    Returns ``{case: {"times_s": [...], "median_s": m, "metrics": [...]}}``.
    """
    for case in cases:
        (case.warmup or case.prepare)()()
    out: dict[str, dict[str, Any]] = {c.name: {"times_s": [], "metrics": []} for c in cases}
    for _ in range(repeats):
        for case in cases:
            thunk = case.prepare()
            gc.collect()
            t0 = time.perf_counter()
            result = thunk()
            elapsed = time.perf_counter() - t0
            out[case.name]["times_s"].append(elapsed)
            if case.check is not None:
                out[case.name]["metrics"].append(case.check(result))
    for rec in out.values():
        rec["median_s"] = statistics.median(rec["times_s"])
    return out


def median_metric(rec: dict[str, Any], key: str) -> float:
    """Median over the timed runs of one untimed metric returned by ``Case.check``."""
    return float(statistics.median(m[key] for m in rec["metrics"]))


def target(name: str, value: float, threshold: float, note: str = "", at_most: bool = False) -> dict[str, Any]:
    """A target record: met when ``value >= threshold`` (or ``<=`` with ``at_most``, for memory)."""
    met = value <= threshold if at_most else value >= threshold
    return {"name": name, "value": float(value), "threshold": float(threshold), "at_most": at_most,
            "met": bool(met), "note": note}


def limit_threads(n: int) -> Any:
    """Give NumPy's and SciPy's BLAS, the OpenMP pools and PyTorch the same ``n`` threads.

    threadpoolctl only reaches libraries already loaded, so every library the workloads use
    is imported first; the environment variables cover pools that start later (children).
    Returns the threadpoolctl limiter, a context manager that restores the pools on exit.
    """
    os.environ.update(thread_env(n))
    import numpy  # noqa: F401
    import sklearn.neural_network  # noqa: F401 - loads SciPy's BLAS and scikit-learn's OpenMP
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(n)
    return threadpool_limits(limits=n)


def thread_env(n: int) -> dict[str, str]:
    """Environment for a child process so its thread pools start at ``n`` threads."""
    return dict(os.environ, OMP_NUM_THREADS=str(n), OPENBLAS_NUM_THREADS=str(n), MKL_NUM_THREADS=str(n))


def cpu_model() -> str:
    """The ``model name`` line of /proc/cpuinfo, or platform.processor() elsewhere."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def barenet_source() -> dict[str, Any]:
    """Which barenet was measured: git HEAD, whether the tree is dirty, a hash of the engine sources."""
    import hashlib
    import subprocess

    import barenet

    pkg = os.path.dirname(os.path.abspath(barenet.__file__))
    digest = hashlib.sha1()
    for root, _, files in sorted(os.walk(pkg)):
        for name in sorted(f for f in files if f.endswith(".py")):
            with open(os.path.join(root, name), "rb") as fh:
                digest.update(name.encode() + fh.read())

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=pkg, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"version": barenet.__version__, "sources_sha1": digest.hexdigest(), "git_head": git("rev-parse", "HEAD"),
            "git_dirty_src": bool(git("status", "--porcelain", "--", "."))}


def machine_info(threads: int) -> dict[str, Any]:
    """CPU, cores, load, library versions and the BLAS/OpenMP pools threadpoolctl sees."""
    import numpy
    import sklearn
    import torch
    from threadpoolctl import threadpool_info

    keys = ("user_api", "internal_api", "prefix", "filepath", "version", "threading_layer", "architecture",
            "num_threads")
    return {
        "cpu_model": cpu_model(), "cpu_count": os.cpu_count(), "threads_used": threads,
        "loadavg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(), "python": sys.version.split()[0],
        "numpy": numpy.__version__, "torch": torch.__version__, "sklearn": sklearn.__version__,
        "torch_num_threads": torch.get_num_threads(), "barenet": barenet_source(),
        "thread_env": {k: os.environ.get(k) for k in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                      "MKL_NUM_THREADS")},
        "blas": [{k: pool.get(k) for k in keys} for pool in threadpool_info()],
    }


def blas_summary(machine: dict[str, Any]) -> str:
    """One line naming the CPU and each BLAS pool: ``AMD EPYC; BLAS: numpy openblas 0.3.31 (SkylakeX kernels, ...)``."""
    def owner(path: str) -> str:
        return next((name for name in ("numpy", "scipy", "torch") if f"{name}" in (path or "").lower()), "")

    pools = [f"{owner(p.get('filepath'))} {p.get('internal_api')} {p.get('version') or ''} "
             f"({p.get('architecture')} kernels, {p.get('threading_layer')})".replace("  ", " ").strip()
             for p in machine.get("blas", []) if p.get("user_api") == "blas"]
    return f"{machine.get('cpu_model')}; BLAS: {', '.join(pools) or 'unknown'}; {machine.get('threads_used')} threads"


def fmt(value: Any) -> str:
    """Compact number formatting for the table."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if value == 0 or 0.01 <= abs(value) < 1e5:
        return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:.3e}"


def table_rows(results: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(workload, case, metric, value) rows: each summary figure, then the ratios and targets."""
    rows = []
    for wname, wl in results.items():
        for case, metrics in wl["summary"].items():
            rows += [(wname, case, metric, fmt(value)) for metric, value in metrics.items()]
        rows += [(wname, "ratio", rname, fmt(value)) for rname, value in wl["ratios"].items()]
        for t in wl["targets"]:
            verdict = "MET" if t["met"] else "NOT MET"
            sign = "<=" if t.get("at_most") else ">="
            rows.append((wname, "target", f"{t['name']} {sign} {fmt(t['threshold'])}", f"{fmt(t['value'])} {verdict}"))
    return rows


def print_table(results: dict[str, dict[str, Any]], markdown: bool = False,
                machine: dict[str, Any] | None = None) -> None:
    """Print the rows as an aligned text table, or as a Markdown table, under the CPU and BLAS line."""
    head = ("workload", "case", "metric", "value")
    rows = table_rows(results)
    if machine:
        print(("Machine: " if markdown else "machine: ") + blas_summary(machine) + ("\n" if markdown else ""))
    if markdown:
        print("| " + " | ".join(head) + " |\n|---|---|---|---:|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
        return
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths))
    print(line + "\n" + "-" * len(line))
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)))
