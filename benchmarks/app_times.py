"""How long the letters application takes: data generation, training and evaluation, separately.

    python benchmarks/app_times.py [--threads N] [--out PATH]

Times, in one fresh process each (so no cache carries over between them):
1. generating the letters train and test splits (``data.load``, what ``barenet train``
   does before its first step);
2. ``barenet train --dataset letters --quiet`` end to end, and inside it the ``fit`` call
   alone (the CLI's training minus data generation, model building and saving);
3. ``barenet evaluate MODEL`` on the letters test set end to end (the model file loaded,
   the test set generated, every test image predicted).
Prints one JSON object. These are single wall-clock runs on a shared machine: compare them
only with runs made under a similar load (the JSON records the load average).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from harness import thread_env

FIT_TIMER = r"""
import sys, time
import barenet.nn.model as m
spent = []
real_fit = m.Sequential.fit
def timed_fit(self, *a, **k):
    t0 = time.perf_counter()
    try:
        return real_fit(self, *a, **k)
    finally:
        spent.append(time.perf_counter() - t0)
m.Sequential.fit = timed_fit
from barenet.cli.main import main
code = main(sys.argv[1:])
print(f"FIT_SECONDS {sum(spent):.3f}", file=sys.stderr)
sys.exit(code)
"""

DATA_TIMER = r"""
import time
from barenet import data
t0 = time.perf_counter(); data.load("letters", "train", seed=0); t1 = time.perf_counter()
data.load("letters", "test", seed=0); t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f}")
"""


def run(code: list[str], threads: int) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *code], env=thread_env(threads), capture_output=True, text=True,
                          timeout=1800)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(code[:3])} failed:\n{proc.stderr}")
    return elapsed, proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", default=None, help="also write the JSON here")
    args = parser.parse_args()
    out = {"threads": args.threads, "loadavg_at_start": list(os.getloadavg())}
    _, proc = run(["-c", DATA_TIMER], args.threads)
    out["data_train_s"], out["data_test_s"] = map(float, proc.stdout.split())
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "letters.barenet")
        wall, proc = run(["-c", FIT_TIMER, "train", "--dataset", "letters", "--quiet", "--out", model], args.threads)
        out["train_cli_s"] = wall
        out["train_fit_s"] = float(proc.stderr.split("FIT_SECONDS")[-1])
        out["train_output"] = proc.stdout.strip().splitlines()[:3]
        wall, proc = run(["-m", "barenet", "evaluate", model], args.threads)
        out["evaluate_cli_s"] = wall
        out["evaluate_output"] = proc.stdout.strip().splitlines()[0]
    out["loadavg_at_end"] = list(os.getloadavg())
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
