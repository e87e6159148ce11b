"""Pictures of a training run: curves, confusion matrix, filters, feature maps and mistakes.

Each ``draw_*`` function returns a matplotlib ``Figure`` built without pyplot (on an Agg
canvas), so it needs no display and never switches the backend: a notebook shows the figure
inline, and the ``plot_*`` functions behind ``barenet train --plot`` save it as a PNG.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .._optional import require


def new_figure(figsize: tuple[float, float], layout: str | None = None) -> Any:
    """A matplotlib Figure of its own, on an Agg canvas (no pyplot state, no backend change)."""
    Figure = require("matplotlib.figure", "plot").Figure
    fig = Figure(figsize=figsize, layout=layout)
    require("matplotlib.backends.backend_agg", "plot").FigureCanvasAgg(fig)  # renders for savefig and layout
    return fig


def draw_curves(history: dict[str, list[float]], metrics: tuple[str, ...] = ("loss", "accuracy"),
                epochs: list[int] | None = None, figsize: tuple[float, float] | None = None) -> Any:
    """Training and validation curves, one panel per metric; x is the epoch (from 1, or ``epochs``)."""
    fig = new_figure(figsize or (4.5 * len(metrics), 3.5))
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    integer_ticks = require("matplotlib.ticker", "plot").MaxNLocator(integer=True)
    for ax, metric in zip(axes, metrics):
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            values = history.get(key) or []
            if values:
                x = epochs if epochs is not None else list(range(1, len(values) + 1))
                marker = "o" if len(values) <= 50 else ""  # dots for a few epochs, a plain line for many
                ax.plot(x[: len(values)], values, style + marker, markersize=3, label=key)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(integer_ticks)
        ax.set_title(metric)
        if ax.get_lines():
            ax.legend()
    fig.tight_layout()
    return fig


def draw_confusion(cm: np.ndarray, classes: list[str]) -> Any:
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


def _grid(fig: Any, images: list[np.ndarray | None], titles: list[str], cols: int, cmap: str) -> Any:
    """2-D images (sizes may differ) in a grid of ``cols`` columns, without ticks; None leaves a gap."""
    rows = max(1, -(-len(images) // cols))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, image, title in zip(axes.ravel(), images, titles):
        if image is not None:
            ax.imshow(image, cmap=cmap)
            ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return fig


def draw_filters(W: np.ndarray) -> Any:
    """A conv layer's kernels, one panel per (output, input) channel pair, on one colour scale
    (blue negative, red positive) shown beside them. Shape: W (F, C, kh, kw)."""
    F, C = W.shape[:2]
    # Wide enough for the title and the colour bar even for one filter; constrained layout keeps both in.
    fig = new_figure((max(1.2 * F + 1.4, 3.8), 1.2 * C + 1.0), layout="constrained")
    axes = fig.subplots(C, F, squeeze=False)
    lim = float(np.abs(W).max()) or 1.0
    for f in range(F):
        for c in range(C):
            ax = axes[c][f]
            image = ax.imshow(W[f, c], cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.colorbar(image, ax=axes, shrink=0.9, label="weight")
    fig.suptitle(f"first conv layer: {F} filter{'s' if F != 1 else ''}", fontsize=10)
    return fig


def draw_feature_maps(model: Any, x: np.ndarray, limit: int = 16) -> Any:
    """What each Conv2D layer of ``model`` makes of one image ``x`` (C, H, W): a row per conv
    layer, up to ``limit`` channels each, the layer's output before its activation."""
    model.forward(np.asarray(x, dtype=np.float32)[None], keep_outputs=True)
    convs = [(i, out[0]) for i, (layer, out) in enumerate(zip(model.layers, model.outputs))
             if type(layer).__name__ == "Conv2D"]
    cols = min(limit, max((len(maps) for _, maps in convs), default=1))
    fig = new_figure((1.1 * cols + 0.5, 1.3 * max(len(convs), 1) + 0.4))
    images: list[np.ndarray | None] = []
    titles = []
    for i, maps in convs:
        for c in range(cols):
            images.append(maps[c] if c < len(maps) else None)
            titles.append(f"layer {i} ch {c}")
    return _grid(fig, images, titles, cols, "viridis")


def draw_misclassified(X: np.ndarray, y: np.ndarray, pred: np.ndarray, classes: list[str], limit: int = 16) -> Any:
    """Up to ``limit`` images the model got wrong, titled "true -> predicted"; with no mistake,
    a picture that says so. Shape: X (N, 1, H, W), y and pred (N,)."""
    wrong = np.flatnonzero(pred != y)[:limit]
    if not len(wrong):
        fig = new_figure((4.0, 1.2))
        ax = fig.subplots()
        ax.axis("off")
        ax.text(0.5, 0.5, f"no mistakes: all {len(y)} test images classified correctly", ha="center",
                va="center", fontsize=10, transform=ax.transAxes)
        return fig
    cols = min(len(wrong), 8)
    fig = new_figure((1.4 * cols, 1.6 * -(-len(wrong) // cols)))
    titles = [f"{classes[y[i]]} -> {classes[pred[i]]}" for i in wrong]
    return _grid(fig, [X[i, 0] for i in wrong], titles, cols, "gray_r")


def _save(fig: Any, path: str) -> str:
    fig.savefig(path, dpi=100)
    return path


def plot_curves(history: dict[str, list[float]], path: str) -> str:
    """Loss and accuracy per epoch, training and validation, side by side."""
    return _save(draw_curves(history), path)


def plot_confusion(cm: np.ndarray, classes: list[str], path: str) -> str:
    return _save(draw_confusion(cm, classes), path)


def plot_filters(W: np.ndarray, path: str) -> str:
    return _save(draw_filters(W), path)


def plot_misclassified(X: np.ndarray, y: np.ndarray, pred: np.ndarray, classes: list[str], path: str,
                       limit: int = 16) -> str:
    return _save(draw_misclassified(X, y, pred, classes, limit), path)


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
