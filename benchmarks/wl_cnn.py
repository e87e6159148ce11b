"""Workload (c): a LeNet-5-style CNN on 28x28 inputs, barenet vs PyTorch.

Conv(1->6, 5x5, pad 2) ReLU MaxPool(2) Conv(6->16, 5x5) ReLU MaxPool(2) Flatten
Dense(400->120) ReLU Dense(120->84) ReLU Dense(84->26). The data are seeded uniform random
float32 images with 26 random classes: this workload measures throughput, not learning.

- Training samples/s: one epoch of shuffled mini-batches, SGD lr 0.01 momentum 0.9
  (barenet ``Sequential.fit``; torch's standard zero_grad/forward/backward/step loop).
- Inference samples/s: forward over the data in batches of 64, 256 and 1,024 (barenet
  ``model.forward`` with training=False; torch ``eval()`` under ``inference_mode``).
- Peak memory: ``memprobe.py`` in a fresh interpreter per library, phase and batch (see its
  docstring): peak RSS above the RSS before the phase.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import nets
from harness import Case, Config, target, time_cases
from memprobe import LR, MOMENTUM, run_probe


def barenet_train_case(X: np.ndarray, y: np.ndarray, batch: int, seed: int) -> Case:
    import barenet as bn

    def prepare(n: int = len(X)) -> Any:
        model = nets.barenet_lenet(seed)
        kw = dict(loss=bn.SoftmaxCrossEntropy(), optimizer=bn.SGD(LR, MOMENTUM), epochs=1,
                  batch_size=batch, shuffle=True, seed=seed)
        return lambda: model.fit(X[:n], y[:n], **kw)

    return Case(f"barenet_train_b{batch}", prepare, warmup=lambda: prepare(min(len(X), 4 * batch)))


def torch_train_case(X: np.ndarray, y: np.ndarray, batch: int, seed: int) -> Case:
    import torch

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def prepare(n: int = len(X)) -> Any:
        net = nets.torch_lenet(seed)
        optim = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
        gen = torch.Generator().manual_seed(seed)
        return lambda: nets.torch_train(net, optim, Xt[:n], yt[:n], 1, batch, gen)

    return Case(f"torch_train_b{batch}", prepare, warmup=lambda: prepare(min(len(X), 4 * batch)))


def barenet_infer_case(X: np.ndarray, batch: int, seed: int) -> Case:
    model = nets.barenet_lenet(seed)

    def run() -> None:
        for start in range(0, len(X), batch):
            model.forward(X[start : start + batch])

    return Case(f"barenet_infer_b{batch}", lambda: run)


def torch_infer_case(X: np.ndarray, batch: int, seed: int) -> Case:
    import torch

    net, Xt = nets.torch_lenet(seed).eval(), torch.from_numpy(X)

    def run() -> None:
        with torch.inference_mode():
            for start in range(0, len(Xt), batch):
                net(Xt[start : start + batch])

    return Case(f"torch_infer_b{batch}", lambda: run)


def speed(timed: dict[str, Any], n_train: int, n_infer: int) -> dict[str, dict[str, float]]:
    """Median seconds and samples/s for every timed case."""
    return {name: {"median_s": rec["median_s"],
                   "samples_per_s": (n_train if "_train_" in name else n_infer) / rec["median_s"]}
            for name, rec in timed.items()}


def memory(batches: tuple[int, ...], cfg: Config) -> dict[str, dict[str, float]]:
    """Peak extra RSS per library, phase and batch."""
    out = {}
    for b in batches:
        for lib in ("barenet", "torch"):
            row = {}
            for phase in ("infer", "train"):
                probe = run_probe(lib, phase, b, cfg.threads, 2 if cfg.quick else 3, cfg.seed)
                row[f"{phase}_peak_rss_extra_mib"] = probe["peak_rss_extra_mib"]
                if "tracemalloc_peak_mib" in probe:
                    row["train_tracemalloc_peak_mib"] = probe["tracemalloc_peak_mib"]
            out[f"{lib}_mem_b{b}"] = row
    return out


def run(cfg: Config) -> dict[str, Any]:
    """Throughput at each batch size, then the memory probes."""
    train_batches, infer_batches = ((8, 16), (8, 16, 32)) if cfg.quick else ((64, 256), (64, 256, 1024))
    n_train, n_infer = (32, 32) if cfg.quick else (1024, 2048)
    X, y = nets.lenet_data(max(n_train, n_infer), cfg.seed)
    cases = []
    for b in sorted(set(train_batches) | set(infer_batches)):
        if b in train_batches:
            cases += [barenet_train_case(X[:n_train], y[:n_train], b, cfg.seed),
                      torch_train_case(X[:n_train], y[:n_train], b, cfg.seed)]
        if b in infer_batches:
            cases += [barenet_infer_case(X[:n_infer], b, cfg.seed), torch_infer_case(X[:n_infer], b, cfg.seed)]
    timed = time_cases(cases, cfg.repeats)
    summary, ratios, targets = speed(timed, n_train, n_infer), {}, []
    for kind, batches in (("train", train_batches), ("infer", infer_batches)):
        for b in batches:
            r = summary[f"barenet_{kind}_b{b}"]["samples_per_s"] / summary[f"torch_{kind}_b{b}"]["samples_per_s"]
            ratios[f"{kind} b{b}: barenet/torch"] = r
            targets.append(target(f"{kind} b{b}: barenet/torch samples/s", r, 1.0))
    mem_batches = train_batches[:1] if cfg.quick else train_batches
    mem = memory(mem_batches, cfg)
    summary.update(mem)
    for b in mem_batches:
        for phase in ("infer", "train"):
            key = f"{phase}_peak_rss_extra_mib"
            r = mem[f"barenet_mem_b{b}"][key] / max(mem[f"torch_mem_b{b}"][key], 1e-3)
            ratios[f"{phase} b{b}: memory barenet/torch"] = r
            if b == mem_batches[-1]:
                targets.append(target(f"{phase} b{b}: peak extra memory barenet/torch", r, 1.25, at_most=True))
    return {
        "description": "LeNet-5-style CNN, 28x28 random data, 26 classes; samples/s and peak memory",
        "params": {"train_batches": list(train_batches), "infer_batches": list(infer_batches), "n_train": n_train,
                   "n_infer": n_infer, "lr": LR, "momentum": MOMENTUM, "memory_method": "fresh subprocess per "
                   "lib/phase/batch: peak RSS (VmHWM, reset via clear_refs) minus RSS before the phase"},
        "raw": timed, "summary": summary, "ratios": ratios, "targets": targets,
    }
