"""A model of one input fitting a 1-D function: the target, the samples and the model's curve, over training."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.viz.plots.mpl import as_array, figure, write_gif


class CurveRecorder:
    """Snapshots of a 1-D regression during training, drawn on axes that stay the same in every frame.

    ``x``, ``y``: the training samples (N,) or (N, 1); ``target``: the function they come from (NumPy in, NumPy
    out), drawn dashed. ``capture(model)`` evaluates ``model`` on a float32 column (M, 1) of a grid.

    >>> rec = CurveRecorder(x, y, target=np.sin)
    >>> for epoch in range(100): train_one_epoch(); rec.capture(net, f"epoch {epoch}")
    >>> rec.save_gif("fit.gif")
    """

    def __init__(self, x: Any, y: Any, target: Callable[[np.ndarray], np.ndarray] | None = None,
                 resolution: int = 400) -> None:  # fmt: skip
        self.x, self.y = as_array(x).reshape(-1), as_array(y).reshape(-1)
        self.grid = np.linspace(self.x.min(), self.x.max(), resolution)
        self.target = None if target is None else np.asarray(target(self.grid), dtype=np.float64)
        top = max(self.y.max(), self.target.max() if self.target is not None else self.y.max())
        low = min(self.y.min(), self.target.min() if self.target is not None else self.y.min())
        margin = 0.15 * (top - low or 1.0)
        self.ylim = (low - margin, top + margin)
        self.frames: list[tuple[np.ndarray, str]] = []

    def curve(self, model: Callable[[Any], Any]) -> np.ndarray:
        """The model's outputs over the grid of x values, as float64."""
        from chainrule import Tensor, no_grad

        with no_grad():
            return as_array(model(Tensor(self.grid.astype(np.float32)[:, None]))).reshape(-1).astype(np.float64)

    def capture(self, model: Callable[[Any], Any], label: str = "") -> None:
        """Record the model's curve over the grid now."""
        self.frames.append((self.curve(model), label))

    def draw(self, ax: Any, curve: np.ndarray, label: str) -> None:
        """Draw one frame: the samples, the target if any, and the recorded curve."""
        ax.clear()
        ax.scatter(self.x, self.y, s=9, color="0.55", label="training samples", zorder=1)
        if self.target is not None:
            ax.plot(self.grid, self.target, color="k", ls="--", lw=1.2, label="target function", zorder=2)
        ax.plot(self.grid, np.clip(curve, *self.ylim), color="C3", lw=2.2, label="network", zorder=3)
        ax.set_xlim(self.grid[0], self.grid[-1])
        ax.set_ylim(*self.ylim)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(label, fontsize=10)
        ax.legend(loc="lower left", fontsize=8)

    def save_gif(self, path: str | os.PathLike, fps: int = 6) -> Path:
        """Write the captured snapshots as an animated GIF."""
        if not self.frames:
            raise ValueError("CurveRecorder.save_gif: nothing captured yet; call capture(model) during training")
        fig = figure(6.0, 3.8)
        ax = fig.add_subplot()
        return write_gif(fig, self.frames, lambda frame: self.draw(ax, *frame), path, fps=fps)

    def plot(self, index: int = -1) -> Any:
        """One captured snapshot (the last by default) as a figure."""
        fig = figure(6.0, 3.8)
        self.draw(fig.add_subplot(), *self.frames[index])
        return fig
