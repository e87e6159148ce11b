"""Benchmark barenet against a scalar baseline, scikit-learn and PyTorch on the CPU.

    python benchmarks/run.py                     # full suite (several minutes)
    python benchmarks/run.py --quick             # tiny sizes, 3 repeats: a CI smoke run (< 60 s)
    python benchmarks/run.py --only mlp --threads 1 --out /tmp/mlp.json
    python benchmarks/run.py --table benchmarks/results.json --markdown   # reprint, no run

Workloads (see benchmarks/README.md): ``question`` (the question's 4-2-2 network, per-sample
SGD), ``mlp`` (digits MLP vs scikit-learn and torch), ``cnn`` (LeNet-5 throughput and peak
memory), ``layers`` (Dense and Conv2D GFLOP/s against raw np.matmul). Every library gets the
same thread count; every figure is a median of repeats after a warm-up, and every ratio is
computed within this one run. Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402  (the sibling modules live next to this script)

WORKLOADS = ("question", "mlp", "cnn", "layers")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="barenet benchmarks: prints a table and writes JSON")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and 3 repeats, for CI smoke runs")
    parser.add_argument("--only", choices=WORKLOADS, action="append",
                        help="run only this workload (repeatable); default: all")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="threads for NumPy's BLAS and PyTorch alike (default: os.cpu_count())")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed repeats per figure (default 5, or 3 with --quick; at least 5 for a full run)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(HERE, "results.json"), help="JSON output path")
    parser.add_argument("--table", metavar="JSON", help="only print the table of an earlier run's JSON")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error(f"--threads must be >= 1, received {args.threads}")
    if args.repeats is None:
        args.repeats = 3 if args.quick else 5
    if args.repeats < (1 if args.quick else 5):
        parser.error(f"--repeats must be >= 5 for a full run, received {args.repeats}")
    return args


def load_workload(name: str) -> Any:
    """The module of one workload; each exposes ``run(cfg) -> dict``."""
    import importlib

    return importlib.import_module(f"wl_{name}")


def run_all(names: list[str], cfg: harness.Config) -> dict[str, Any]:
    results = {}
    for name in names:
        t0 = time.perf_counter()
        print(f"[{name}] running ...", file=sys.stderr, flush=True)
        results[name] = load_workload(name).run(cfg)
        results[name]["wall_s"] = time.perf_counter() - t0
        print(f"[{name}] done in {results[name]['wall_s']:.1f} s", file=sys.stderr, flush=True)
    return results


def write_json(path: str, payload: dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=1, sort_keys=False)
        fh.write("\n")


def warn_if_busy(machine: dict[str, Any], threads: int) -> None:
    """Say so when other processes already load the CPUs: such timings are not trustworthy."""
    load = (machine.get("loadavg_at_start") or [0.0])[0]
    spare = (machine.get("cpu_count") or 1) - load
    if spare < threads:
        print(f"warning: load average {load:.1f} on {machine.get('cpu_count')} CPUs before starting; with "
              f"{threads} threads per library the timings compete with other processes (PyTorch's OpenMP "
              "suffers most). Rerun on a quiet machine or with fewer --threads.", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.table:
        with open(args.table, encoding="utf-8") as fh:
            saved = json.load(fh)
        harness.print_table(saved["workloads"], markdown=args.markdown, machine=saved.get("machine"))
        return 0
    names = list(dict.fromkeys(args.only or WORKLOADS))
    cfg = harness.Config(quick=args.quick, threads=args.threads, repeats=args.repeats, seed=args.seed)
    with harness.limit_threads(args.threads):
        machine = harness.machine_info(args.threads)
        warn_if_busy(machine, args.threads)
        t0 = time.perf_counter()
        results = run_all(names, cfg)
    machine["loadavg_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    payload = {"machine": machine, "config": vars(args) | {"workloads": names},
               "total_wall_s": time.perf_counter() - t0, "workloads": results}
    machine["blas_summary"] = harness.blas_summary(machine)
    harness.print_table(results, markdown=args.markdown, machine=machine)
    met = [t["met"] for wl in results.values() for t in wl["targets"]]
    print(f"\n{sum(met)}/{len(met)} targets met; {args.threads} threads; "
          f"total {payload['total_wall_s']:.0f} s; JSON written to {args.out}")
    write_json(args.out, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
