"""PNG plots of a training run, drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .._optional import require


def _pyplot() -> Any:
    matplotlib = require("matplotlib", "plot")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_curves(history: dict[str, list[float]], path: str) -> str:
    """Loss and accuracy per epoch, training and validation, side by side."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    for ax, metric in zip(axes, ("loss", "accuracy")):
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            if history.get(key):
                ax.plot(np.arange(1, len(history[key]) + 1), history[key], style, label=key)
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_confusion(cm: np.ndarray, classes: list[str], path: str) -> str:
    """The confusion matrix as a heat map with counts (true class rows, predicted columns)."""
    plt = _pyplot()
    k = len(classes)
    fig, ax = plt.subplots(figsize=(1.2 + 0.35 * k, 1.0 + 0.35 * k) if k > 4 else (3.5, 3))
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
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_filters(W: np.ndarray, path: str) -> str:
    """The first conv layer's kernels, one panel per (output, input) channel pair, on one
    colour scale (blue negative, red positive) shown beside them."""
    return _save(draw_filters(W), path)


def _save(fig: Any, path: str) -> str:
    fig.savefig(path, dpi=100)
    _pyplot().close(fig)
    return path


def draw_filters(W: np.ndarray) -> Any:
    """The figure of :func:`plot_filters`. Shape: W (F, C, kh, kw)."""
    plt = _pyplot()
    F, C = W.shape[:2]
    # Wide enough for the title and the colour bar even for one filter; constrained layout keeps both in.
    fig, axes = plt.subplots(C, F, figsize=(max(1.2 * F + 1.4, 3.8), 1.2 * C + 1.0), squeeze=False,
                             layout="constrained")
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


def plot_misclassified(X: np.ndarray, y: np.ndarray, pred: np.ndarray, classes: list[str], path: str,
                       limit: int = 16) -> str:
    """Up to ``limit`` test images the model got wrong, titled "true -> predicted"; with no
    mistake, a picture that says so."""
    return _save(draw_misclassified(X, y, pred, classes, limit), path)


def draw_misclassified(X: np.ndarray, y: np.ndarray, pred: np.ndarray, classes: list[str], limit: int = 16) -> Any:
    """The figure of :func:`plot_misclassified`. Shape: X (N, 1, H, W), y and pred (N,)."""
    plt = _pyplot()
    wrong = np.flatnonzero(pred != y)[:limit]
    if not len(wrong):
        fig, ax = plt.subplots(figsize=(4.0, 1.2))
        ax.axis("off")
        ax.text(0.5, 0.5, f"no mistakes: all {len(y)} test images classified correctly", ha="center",
                va="center", fontsize=10, transform=ax.transAxes)
        return fig
    cols = min(len(wrong), 8)
    rows = -(-len(wrong) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.4 * cols, 1.6 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        ax.imshow(X[i, 0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{classes[y[i]]} -> {classes[pred[i]]}", fontsize=8)
    fig.tight_layout()
    return fig


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
