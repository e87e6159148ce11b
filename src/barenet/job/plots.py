"""Pictures of a training run: curves, confusion matrix, filters, feature maps and mistakes.

Each ``*_figure`` function returns a matplotlib ``Figure`` built without pyplot, so it needs no
display and never switches the backend: a notebook shows the figure inline, and the
``plot_*`` functions behind ``barenet train --plot`` save it as a PNG.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .._optional import require


def new_figure(figsize: tuple[float, float]) -> Any:
    """A matplotlib Figure of its own (no pyplot state, no backend change)."""
    return require("matplotlib.figure", "plot").Figure(figsize=figsize)


def draw_curves(fig: Any, history: dict[str, list[float]], metrics: tuple[str, ...] = ("loss", "accuracy"),
                epochs: list[int] | None = None) -> Any:
    """Training and validation curves, one panel per metric, on ``fig``; x is the epoch (from 1)."""
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics):
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            values = history.get(key) or []
            if values:
                x = epochs if epochs is not None else list(range(1, len(values) + 1))
                marker = "o" if len(values) <= 50 else ""  # dots for a few epochs, a plain line for many
                ax.plot(x[: len(values)], values, style + marker, markersize=3, label=key)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(require("matplotlib.ticker", "plot").MaxNLocator(integer=True))
        ax.set_title(metric)
        if ax.get_lines():
            ax.legend()
    fig.tight_layout()
    return fig


def curves_figure(history: dict[str, list[float]]) -> Any:
    """Loss and accuracy per epoch, training and validation, side by side."""
    return draw_curves(new_figure((9, 3.5)), history)


def confusion_figure(cm: np.ndarray, classes: list[str]) -> Any:
    """The confusion matrix as a heat map with counts (true class rows, predicted columns)."""
    k = len(classes)
    fig = new_figure((1.2 + 0.35 * k, 1.0 + 0.35 * k) if k > 4 else (3.5, 3))
    ax = fig.subplots()
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(k), classes, fontsize=7 if k > 10 else 10)
    ax.set_yticks(range(k), classes, fontsize=7 if k > 10 else 10)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for (i, j), v in np.ndenumerate(cm):
        if v:
            ax.text(j, i, str(v), ha="center", va="center", fontsize=6 if k > 10 else 9,
                    color="white" if v > cm.max() / 2 else "black")
    fig.tight_layout()
    return fig


def _grid(fig: Any, images: list[np.ndarray], titles: list[str], cols: int, cmap: str, symmetric: bool) -> Any:
    """2-D images (sizes may differ) in a grid of ``cols`` columns, without ticks; None leaves a gap."""
    rows = max(1, -(-len(images) // cols))
    axes = fig.subplots(rows, cols, squeeze=False)
    lim = max((float(np.abs(im).max()) for im in images if im is not None), default=0.0) or 1.0
    for ax in axes.ravel():
        ax.axis("off")
    for ax, image, title in zip(axes.ravel(), images, titles):
        if image is None:
            continue
        ax.imshow(image, cmap=cmap, vmin=-lim if symmetric else None, vmax=lim if symmetric else None)
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return fig


def filters_figure(W: np.ndarray) -> Any:
    """A conv layer's kernels W (F, C, kh, kw), one panel per (output, input) channel pair; red > 0 > blue."""
    F, C = W.shape[:2]
    fig = new_figure((1.2 * F + 0.5, 1.2 * C + 0.7))
    titles = [f"{f}" if C == 1 else f"{f}/{c}" for c in range(C) for f in range(F)]
    _grid(fig, [W[f, c] for c in range(C) for f in range(F)], titles, F, "RdBu_r", symmetric=True)
    fig.suptitle("conv filters (output channel" + (")" if C == 1 else " / input channel)"), fontsize=9)
    fig.tight_layout()
    return fig


def feature_maps_figure(model: Any, x: np.ndarray, limit: int = 16) -> Any:
    """What each Conv2D layer of ``model`` makes of one image ``x`` (C, H, W): a row per conv layer,
    up to ``limit`` channels each, as the layer's output before its activation."""
    model.forward(np.asarray(x, dtype=np.float32)[None])
    convs = [(i, out[0]) for i, (layer, out) in enumerate(zip(model.layers, model.outputs))
             if type(layer).__name__ == "Conv2D"]
    cols = min(limit, max((len(maps) for _, maps in convs), default=1))
    fig = new_figure((1.1 * cols + 0.5, 1.3 * max(len(convs), 1) + 0.4))
    images: list[np.ndarray | None] = []
    titles = []
    for i, maps in convs:
        for c in range(cols):
            images.append(maps[c] if c < len(maps) else None)
            titles.append(f"layer {i} ch {c}" if c < len(maps) else "")
    return _grid(fig, images, titles, cols, "viridis", symmetric=False)


def mistakes_figure(X: np.ndarray, y: np.ndarray, pred: np.ndarray, classes: list[str], limit: int = 16) -> Any:
    """Up to ``limit`` images the model got wrong, titled "true -> predicted"."""
    wrong = np.flatnonzero(pred != y)[:limit]
    cols = min(max(len(wrong), 1), 8)
    fig = new_figure((1.4 * cols, 1.6 * max(1, -(-len(wrong) // cols))))
    if not len(wrong):
        fig.text(0.5, 0.5, "no misclassified samples", ha="center", va="center")
        return fig
    titles = [f"{classes[y[i]]} -> {classes[pred[i]]}" for i in wrong]
    return _grid(fig, list(X[wrong, 0]), titles, cols, "gray_r", symmetric=False)


def _save(fig: Any, path: str) -> str:
    fig.savefig(path, dpi=100)
    return path


def plot_curves(history: dict[str, list[float]], path: str) -> str:
    return _save(curves_figure(history), path)


def plot_confusion(cm: np.ndarray, classes: list[str], path: str) -> str:
    return _save(confusion_figure(cm, classes), path)


def plot_filters(W: np.ndarray, path: str) -> str:
    return _save(filters_figure(W), path)


def plot_misclassified(X: np.ndarray, y: np.ndarray, pred: np.ndarray, classes: list[str], path: str,
                       limit: int = 16) -> str:
    return _save(mistakes_figure(X, y, pred, classes, limit), path)


def plot_run(result: Any, folder: str) -> list[str]:
    """Write every plot of a TrainResult into ``folder``; returns the file paths."""
    os.makedirs(folder, exist_ok=True)
    history = result.model.record.get("history") or result.history.history
    paths = [plot_curves(history, os.path.join(folder, "curves.png")),
             plot_confusion(result.confusion, result.classes, os.path.join(folder, "confusion.png"))]
    conv = next((layer for layer in result.model.layers if type(layer).__name__ == "Conv2D"), None)
    if conv is not None:
        paths.append(plot_filters(conv.params["W"], os.path.join(folder, "filters.png")))
    ts = result.test_set
    paths.append(plot_misclassified(ts.X, ts.y, result.predictions, result.classes,
                                    os.path.join(folder, "misclassified.png")))
    return paths
