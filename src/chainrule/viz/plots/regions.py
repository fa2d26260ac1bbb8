"""Decision regions of a 2-D classifier over its data, as a figure or a GIF over training."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.viz.plots.mpl import as_array, class_color, class_legend, figure, tint, write_gif


def classes_of(predict: Callable[[Any], Any], points: np.ndarray) -> np.ndarray:
    """Class per point: ``predict`` gets a float32 Tensor (N, 2); its output may be labels,
    probabilities/logits of one class (thresholded) or per-class scores (argmax)."""
    from chainrule import Tensor, no_grad

    with no_grad():
        out = as_array(predict(Tensor(points.astype(np.float32))))
    if out.ndim == 2 and out.shape[1] > 1:
        return out.argmax(axis=1)
    out = out.reshape(len(points))
    if out.dtype.kind in "iub":
        return out.astype(int)
    cut = 0.5 if out.min() >= 0 and out.max() <= 1 else 0.0
    return (out > cut).astype(int)


class RegionRecorder:
    """Snapshots of the regions during training, written as one animated GIF.

    Each class has its colour (class 0 red, class 1 green, class 2 blue, ...): its region is a light tint of
    it and its points are drawn in it, outlined in black, with a legend and the axes labelled ``xlabel``,
    ``ylabel``; the axes stay the same in every frame.

    >>> rec = RegionRecorder(x, y)
    >>> for epoch in range(20): train_one_epoch(); rec.capture(model, f"epoch {epoch}")
    >>> rec.save_gif("regions.gif")
    """

    def __init__(
        self, x: Any, y: Any, resolution: int = 120, pad: float = 0.5, xlabel: str = "x₁", ylabel: str = "x₂"
    ) -> None:
        self.x = as_array(x)[:, :2]
        self.y = as_array(y).astype(int).ravel()
        self.labels = (xlabel, ylabel)
        lo, hi = self.x.min(axis=0) - pad, self.x.max(axis=0) + pad
        self.extent = (lo[0], hi[0], lo[1], hi[1])
        self.gx, self.gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
        self.frames: list[tuple[np.ndarray, str]] = []

    def grid(self, predict: Callable[[Any], Any]) -> np.ndarray:
        """The class ``predict`` gives each point of the grid, in the grid's shape."""
        points = np.stack([self.gx.ravel(), self.gy.ravel()], axis=1)
        return classes_of(predict, points).reshape(self.gx.shape)

    def capture(self, predict: Callable[[Any], Any], label: str = "") -> None:
        """Record the classes ``predict`` gives over the grid now."""
        self.frames.append((self.grid(predict), label))

    def draw(self, ax: Any, classes: np.ndarray, label: str) -> None:
        """Draw one frame: the regions of each class and the data points on them."""
        ax.clear()
        k = max(int(self.y.max(initial=0)), int(classes.max(initial=0))) + 1
        fills = np.array([tint(class_color(c)) for c in range(k)])
        ax.imshow(fills[classes], origin="lower", extent=self.extent, aspect="auto", interpolation="nearest")
        ax.contour(self.gx, self.gy, classes, levels=np.arange(k - 1) + 0.5, colors="k", linewidths=0.8)
        ax.scatter(self.x[:, 0], self.x[:, 1], c=[class_color(c) for c in self.y], edgecolors="k", s=22, lw=0.6)
        class_legend(ax, range(k))
        ax.set_title(label, fontsize=10)
        ax.set_xlabel(self.labels[0])
        ax.set_ylabel(self.labels[1])
        ax.set_xlim(self.extent[:2])
        ax.set_ylim(self.extent[2:])

    def save_gif(self, path: str | os.PathLike, fps: int = 4) -> Path:
        """Write the captured snapshots as an animated GIF."""
        if not self.frames:
            raise ValueError("RegionRecorder.save_gif: nothing captured yet; call capture(model) during training")
        fig = figure(5.4, 4.2)
        ax = fig.add_subplot()
        return write_gif(fig, self.frames, lambda frame: self.draw(ax, *frame), path, fps=fps)


def plot_regions(
    predict: Callable[[Any], Any],
    x: Any,
    y: Any,
    title: str = "",
    resolution: int = 200,
    xlabel: str = "x₁",
    ylabel: str = "x₂",
) -> Any:
    """The classes ``predict`` assigns over the plane, with the data points on top, a legend and labelled axes."""
    rec = RegionRecorder(x, y, resolution, xlabel=xlabel, ylabel=ylabel)
    fig = figure(5.6, 4.4)
    rec.draw(fig.add_subplot(), rec.grid(predict), title)
    return fig
