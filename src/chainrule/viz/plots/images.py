"""First-layer weights as images, and the confusion matrix of a classifier."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.viz.plots.mpl import as_array, figure


def plot_weights(weight: Any, image_shape: tuple = (28, 28), max_units: int = 64, title: str | None = None) -> Any:
    """Each hidden unit's incoming weights as an image: ``weight`` is (units, pixels) like ``nn.Linear.weight``."""
    w = as_array(weight)
    pixels = int(np.prod(image_shape))
    if w.ndim != 2 or pixels not in w.shape:
        raise ValueError(f"plot_weights: weight of shape {w.shape} has no axis of {pixels} = {image_shape} pixels")
    if w.shape[1] != pixels:
        w = w.T
    w = w[:max_units]
    cols = math.ceil(math.sqrt(len(w)))
    rows = math.ceil(len(w) / cols)
    fig = figure(1.1 * cols, 1.1 * rows + 0.4)
    axes = fig.subplots(rows, cols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(w):
            lim = float(np.abs(w[i]).max()) or 1.0
            ax.imshow(w[i].reshape(image_shape), cmap="RdBu_r", vmin=-lim, vmax=lim)
    fig.suptitle(title or f"first-layer weights ({len(w)} units; red +, blue −)")
    return fig


def plot_confusion(y_true: Any, y_pred: Any, classes: list | None = None, title: str = "confusion matrix") -> Any:
    """Counts of (true class, predicted class), with the numbers written in the cells."""
    t = as_array(y_true).astype(int).ravel()
    p = as_array(y_pred).astype(int).ravel()
    if t.shape != p.shape:
        raise ValueError(f"plot_confusion: {t.size} true labels but {p.size} predictions")
    n = len(classes) if classes is not None else int(max(t.max(initial=0), p.max(initial=0))) + 1
    counts = np.zeros((n, n), dtype=int)
    np.add.at(counts, (t, p), 1)
    fig = figure(0.5 * n + 2.5, 0.5 * n + 2)
    ax = fig.add_subplot()
    ax.imshow(counts, cmap="Blues")
    labels = [str(c) for c in (classes if classes is not None else range(n))]
    ax.set_xticks(range(n), labels)
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(n):
        for j in range(n):
            ax.text(
                j,
                i,
                counts[i, j],
                ha="center",
                va="center",
                fontsize=8,
                color="white" if counts[i, j] > counts.max() / 2 else "black",
            )
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(f"{title} (accuracy {accuracy:.1%})")
    return fig
