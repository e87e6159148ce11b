"""Peak memory of one library for one phase, measured in a fresh interpreter.

    python benchmarks/memprobe.py --lib barenet --phase train --batch 64 --threads 2

The probe builds the LeNet model and one batch, reads its resident set size (RSS), resets
the kernel's peak-RSS mark, runs ``steps`` inference batches or training steps, and prints
JSON with the peak RSS above that starting point: the extra memory the phase needs, counted
the same way for both libraries. Each (library, phase, batch) gets its own process so freed
memory kept by the allocator from an earlier phase cannot hide a later phase's peak.

Not ``ru_maxrss``: Linux carries it across exec, so a child started by a big parent would
report the parent's peak. ``VmHWM`` in /proc/self/status belongs to this process image and
``echo 5 > /proc/self/clear_refs`` resets it (Linux >= 4.0).

For barenet's training phase it also reports the tracemalloc peak of one more training step,
which counts NumPy's own allocations (torch's allocator is invisible to tracemalloc).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any, Callable

import nets
from harness import thread_env

LR, MOMENTUM = 0.01, 0.9


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def peak_extra_mib(run: Callable[[], Any]) -> float:
    """Peak RSS while ``run()`` executes, minus the RSS just before it, in MiB."""
    base = _status_kib("VmRSS")
    with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
        fh.write("5")  # VmHWM := current RSS
    run()
    return (_status_kib("VmHWM") - base) / 1024


def probe_barenet(phase: str, batch: int, steps: int, seed: int) -> dict[str, float]:
    import tracemalloc

    import barenet as bn

    X, y = nets.lenet_data(batch, seed)
    model = nets.barenet_lenet(seed)
    if phase == "infer":
        return {"peak_rss_extra_mib": peak_extra_mib(lambda: [model.forward(X) for _ in range(steps)])}
    kw = dict(loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(LR, MOMENTUM), batch_size=batch)
    out = {"peak_rss_extra_mib": peak_extra_mib(lambda: model.fit(X, y, epochs=steps, **kw))}
    tracemalloc.start()
    model.fit(X, y, epochs=1, **kw)
    out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out


def probe_torch(phase: str, batch: int, steps: int, seed: int) -> dict[str, float]:
    import torch

    X, y = (torch.from_numpy(a) for a in nets.lenet_data(batch, seed))
    net = nets.torch_lenet(seed)
    if phase == "infer":
        def infer() -> None:
            with torch.inference_mode():
                net.eval()
                for _ in range(steps):
                    net(X)
        return {"peak_rss_extra_mib": peak_extra_mib(infer)}
    optim = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    gen = torch.Generator().manual_seed(seed)
    return {"peak_rss_extra_mib": peak_extra_mib(lambda: nets.torch_train(net, optim, X, y, steps, batch, gen))}


def run_probe(lib: str, phase: str, batch: int, threads: int, steps: int, seed: int) -> dict[str, float]:
    """Run this file in a fresh interpreter with ``threads`` threads and parse its JSON line."""
    cmd = [sys.executable, os.path.abspath(__file__), "--lib", lib, "--phase", phase, "--batch", str(batch),
           "--threads", str(threads), "--steps", str(steps), "--seed", str(seed)]
    proc = subprocess.run(cmd, env=thread_env(threads), capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"memory probe {lib} {phase} batch {batch} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lib", choices=("barenet", "torch"), required=True)
    parser.add_argument("--phase", choices=("infer", "train"), required=True)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.threads):
        if args.lib == "torch":
            import torch

            torch.set_num_threads(args.threads)
        probe = probe_torch if args.lib == "torch" else probe_barenet
        print(json.dumps(probe(args.phase, args.batch, args.steps, args.seed)))


if __name__ == "__main__":
    main()
