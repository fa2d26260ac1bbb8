"""Gradient descent on a 1-D function: the curve, the steps and the tangent, as a figure or a GIF."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.viz.plots.mpl import figure, write_gif


def lecture_function(x: Any) -> Any:
    """f(x) = σ(x) + sin x + cos² x: several local minima, the lectures' example."""
    return x.sigmoid() + x.sin() + x.cos() ** 2


def descend(f: Callable[[Any], Any], x0: float, lr: float, steps: int) -> np.ndarray:
    """The points x₀, x₁ = x₀ − lr·f'(x₀), … (``steps`` updates), derivatives by chainrule."""
    import chainrule as cr

    df = cr.grad(f)
    xs = [float(x0)]
    for _ in range(steps):
        g = float(df(cr.tensor(xs[-1], dtype=cr.float64)).item())
        xs.append(xs[-1] - lr * g)
        if not np.isfinite(xs[-1]) or abs(xs[-1]) > 1e6:
            break
    return np.array(xs)


def _values(f: Callable[[Any], Any], xs: np.ndarray) -> np.ndarray:
    import chainrule as cr

    return np.asarray(f(cr.tensor(xs, dtype=cr.float64))._data)


def _slope(f: Callable[[Any], Any], x: float) -> float:
    import chainrule as cr

    return float(cr.grad(f)(cr.tensor(x, dtype=cr.float64)).item())


class _Scene:
    """The curve and the paths from each start; ``show(k)`` draws the first k steps and the tangent at step k."""

    def __init__(self, f: Callable | None, starts: Sequence[float], lr: float, steps: int, span: tuple) -> None:
        self.f = f or lecture_function
        self.lr = lr
        self.paths = [descend(self.f, s, lr, steps) for s in starts]
        lo = min([span[0]] + [p.min() for p in self.paths])
        hi = max([span[1]] + [p.max() for p in self.paths])
        self.grid = np.linspace(lo, hi, 400)
        self.curve = _values(self.f, self.grid)
        self.steps = steps
        margin = 0.08 * (self.curve.max() - self.curve.min() or 1.0)
        self.ylim = (self.curve.min() - margin, self.curve.max() + margin)  # the same in every frame

    def show(self, ax: Any, k: int) -> None:
        ax.clear()
        ax.plot(self.grid, self.curve, color="0.3", lw=1.5)
        width = (self.grid[-1] - self.grid[0]) / 12
        for i, path in enumerate(self.paths):
            color = f"C{i}"
            shown = path[: k + 1]
            ys = _values(self.f, shown)
            ax.plot(shown, ys, "o-", color=color, ms=4, lw=0.8, alpha=0.8, label=f"start {path[0]:g}")
            x = shown[-1]
            slope = _slope(self.f, x)
            ax.plot([x - width, x + width], [ys[-1] - slope * width, ys[-1] + slope * width], color=color, lw=2)
        ax.set_xlim(self.grid[0], self.grid[-1])
        ax.set_ylim(*self.ylim)
        ax.set_title(f"gradient descent, lr = {self.lr:g}, step {min(k, self.steps)}")
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        ax.legend(fontsize=8, loc="lower right")


def plot_descent(
    f: Callable | None = None,
    starts: Sequence[float] = (-4.0, 0.5, 3.0),
    lr: float = 0.5,
    steps: int = 20,
    span: tuple = (-6.0, 6.0),
) -> Any:
    """All steps from each start on the curve of ``f`` (default σ(x) + sin x + cos² x), with the final tangents.

    A learning rate too large makes the steps jump over the minima instead of settling.
    """
    scene = _Scene(f, starts, lr, steps, span)
    fig = figure(6.4, 4.2)
    scene.show(fig.add_subplot(), steps)
    return fig


def animate_descent(
    path: str | os.PathLike,
    f: Callable | None = None,
    starts: Sequence[float] = (-4.0, 0.5, 3.0),
    lr: float = 0.5,
    steps: int = 20,
    span: tuple = (-6.0, 6.0),
    fps: int = 3,
) -> Path:
    """Write the descent step by step as an animated GIF (the axes fixed across frames); returns its path."""
    scene = _Scene(f, starts, lr, steps, span)
    fig = figure(6.4, 4.2)
    ax = fig.add_subplot()
    return write_gif(fig, range(steps + 1), lambda k: scene.show(ax, k), path, fps=fps)
