"""Smoke test for benchmarks/run.py: the quick suite runs and writes complete, sane JSON.

This is how CI proves the benchmark script works. It never asserts timings or targets:
those depend on the machine. ``--threads 1`` keeps the run short and steady on a shared CI
runner (several threads per library on busy cores slow PyTorch's OpenMP down by orders of
magnitude); the thread count is a plain argument, so every code path is the same.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")
pytest.importorskip("threadpoolctl")

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = ("question", "mlp", "cnn", "layers")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--threads", "1", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, f"run.py --quick failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    assert "targets met" in proc.stdout and "machine: " in proc.stdout
    return json.loads(out.read_text())


def positive(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def test_every_workload_is_in_the_json(results: dict) -> None:
    assert set(results["workloads"]) == set(WORKLOADS)
    assert results["config"]["quick"] is True


def test_machine_info_is_recorded(results: dict) -> None:
    machine = results["machine"]
    assert machine["cpu_model"] and machine["cpu_count"] >= 1 and machine["threads_used"] == 1
    for lib in ("numpy", "torch", "sklearn"):
        assert machine[lib]
    assert isinstance(machine["blas"], list)
    # The CPU and BLAS kernel, which the ratios depend on, are named in the JSON and the table.
    assert machine["cpu_model"] in machine["blas_summary"] and "BLAS:" in machine["blas_summary"]
    assert any(pool.get("user_api") == "blas" for pool in machine["blas"])


@pytest.mark.parametrize("name", WORKLOADS)
def test_timings_are_positive_medians_of_repeats(results: dict, name: str) -> None:
    raw = results["workloads"][name]["raw"]
    assert raw
    for case, rec in raw.items():
        assert len(rec["times_s"]) >= 3, case
        assert all(positive(t) for t in rec["times_s"]), case
        assert positive(rec["median_s"]), case


@pytest.mark.parametrize("name", WORKLOADS)
def test_summary_ratios_and_targets_are_numbers(results: dict, name: str) -> None:
    wl = results["workloads"][name]
    for case, metrics in wl["summary"].items():
        assert metrics, case
        for metric, value in metrics.items():
            if metric.endswith("_mib"):  # a peak above the starting RSS can be ~0, never negative
                assert isinstance(value, (int, float)) and value >= 0, (case, metric, value)
            else:
                assert positive(value), (case, metric, value)
    assert wl["ratios"] and all(positive(r) for r in wl["ratios"].values())
    assert wl["targets"]
    for t in wl["targets"]:
        assert isinstance(t["met"], bool) and math.isfinite(t["value"]) and positive(t["threshold"])


def test_cnn_memory_targets_are_upper_bounds(results: dict) -> None:
    targets = {t["name"]: t for t in results["workloads"]["cnn"]["targets"]}
    memory = [t for name, t in targets.items() if "memory" in name]
    assert {t["name"].split(":")[0].split()[0] for t in memory} == {"infer", "train"}
    for t in memory:  # met means at most the threshold
        assert t["at_most"] is True and t["met"] == (t["value"] <= t["threshold"])
