"""The perceptron's picture: its line w·x + b = 0, the weight vector, a point's signed distance, over learning."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.viz.plots.mpl import as_array, class_color, figure, tint, write_gif

SIZE = (7.0, 4.4)  # inches: the square plot and the legend beside it


def _clip(box: list, w: np.ndarray, b: float) -> tuple[list, list]:
    """The part of the polygon ``box`` where w·p + b >= 0, and the points where its edges cross the line."""
    inside, crossings = [], []
    for p, q in zip(box, box[1:] + box[:1]):
        zp, zq = float(p @ w + b), float(q @ w + b)
        if zp >= 0:
            inside.append(p)
        if (zp >= 0) != (zq >= 0):
            crossing = p + zp / (zp - zq) * (q - p)
            inside.append(crossing)
            crossings.append(crossing)
    return inside, crossings


class PerceptronRecorder:
    """Snapshots of a 2-D perceptron while it learns, drawn on fixed axes with equal scales (so w is seen
    perpendicular to its line).

    Each frame: class 0 red and class 1 green (points, and the half-planes f(z) = 0 and f(z) = 1 as tints), the
    straight boundary w·x + b = 0, the weight vector w drawn from the line towards the class-1 side, the
    misclassified points crossed out and, for the point of the frame, its signed distance d = (w·x + b)/‖w‖.

    >>> rec = PerceptronRecorder(x, y)
    >>> rec.capture(p, label="start")
    >>> p.epoch(x, y, on_update=lambda i: rec.capture(p, point=i, label=f"after point {i}"))
    >>> rec.save_gif("perceptron.gif")
    """

    def __init__(self, x: Any, y: Any, pad: float = 0.15, xlabel: str = "x₁", ylabel: str = "x₂") -> None:
        self.x = as_array(x).astype(np.float64)[:, :2]
        self.y = as_array(y).astype(int).ravel()
        lo, hi = self.x.min(axis=0) - pad, self.x.max(axis=0) + pad
        self.box = [np.array(c, dtype=np.float64) for c in ((lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]),
                                                             (lo[0], hi[1]))]  # fmt: skip
        self.size = float(np.linalg.norm(hi - lo))
        self.labels = (xlabel, ylabel)
        self.frames: list[tuple] = []

    def capture(self, perceptron: Any, point: int | None = None, label: str = "") -> None:
        """Record the perceptron's line now (``weight`` (2,), ``bias`` (1,)), and which point to measure."""
        w = as_array(perceptron.weight).astype(np.float64).reshape(2).copy()
        b = float(as_array(perceptron.bias).reshape(-1)[0])
        self.frames.append((w, b, point, label))

    def draw(self, ax: Any, w: np.ndarray, b: float, point: int | None, label: str) -> None:
        """Draw one frame: the points, the line w·x + b = 0 and the point being updated."""
        ax.clear()
        norm = float(np.linalg.norm(w))
        one, crossings = _clip(self.box, w, b)
        ax.add_patch(_polygon(self.box, tint(class_color(0))))
        if len(one) >= 3:
            ax.add_patch(_polygon(one, tint(class_color(1))))
        if norm > 0 and len(crossings) == 2:
            (p, q) = crossings
            ax.plot([p[0], q[0]], [p[1], q[1]], color="k", lw=2, label="w·x + b = 0")
            foot = (p + q) / 2  # the middle of the visible line
            tip = foot + 0.15 * self.size * w / norm
            ax.annotate("", tip, foot, arrowprops={"arrowstyle": "-|>", "color": "C0", "lw": 2, "mutation_scale": 14})
            ax.text(*(tip + 0.03 * self.size * w / norm), "w", color="C0", fontsize=12, ha="center", va="center")
        z = self.x @ w + b
        wrong = (z >= 0).astype(int) != self.y
        ax.scatter(self.x[:, 0], self.x[:, 1], c=[class_color(c) for c in self.y], edgecolors="k", s=26, lw=0.6,
                   zorder=3)  # fmt: skip
        ax.scatter(self.x[wrong, 0], self.x[wrong, 1], marker="x", color="k", s=30, lw=1.2, zorder=4)
        if point is not None and norm > 0:
            self._distance(ax, self.x[point], float(z[point]), w, norm)
        ax.set_xlim(self.box[0][0], self.box[1][0])
        ax.set_ylim(self.box[0][1], self.box[2][1])
        ax.set_aspect("equal")
        ax.set_xlabel(self.labels[0])
        ax.set_ylabel(self.labels[1])
        state = f"w = [{w[0]:.2f}, {w[1]:.2f}], b = {b:.2f}: {int(wrong.sum())} misclassified"
        ax.set_title(f"{label}\n{state}", fontsize=10)
        _legend(ax)

    def _distance(self, ax: Any, p: np.ndarray, z: float, w: np.ndarray, norm: float) -> None:
        """The point ringed, and a dashed segment to its foot on the line labelled with the signed distance."""
        foot = self._inside(p, p - z / norm**2 * w)  # the foot on the line, or where the way there leaves the picture
        ax.scatter([p[0]], [p[1]], s=130, facecolors="none", edgecolors="C0", lw=2, zorder=5)
        ax.plot([p[0], foot[0]], [p[1], foot[1]], color="C0", ls="--", lw=1.5, zorder=4)
        middle = (p + foot) / 2
        left = middle[0] > np.mean([c[0] for c in self.box])  # write towards the middle of the picture
        ax.text(middle[0], middle[1], f" d = {z / norm:+.2f} ", color="C0", fontsize=9, va="center", zorder=6,
                ha="right" if left else "left",
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1})  # fmt: skip

    def _inside(self, p: np.ndarray, q: np.ndarray) -> np.ndarray:
        """The segment from ``p`` (inside the picture) towards ``q``, cut where it leaves the picture."""
        lo, hi, step = self.box[0], self.box[2], q - p
        with np.errstate(divide="ignore", invalid="ignore"):
            exits = np.where(step > 0, (hi - p) / step, np.where(step < 0, (lo - p) / step, np.inf))
        return p + min(1.0, float(exits.min())) * step

    def save_gif(self, path: str | os.PathLike, fps: int = 2) -> Path:
        """Write the captured snapshots as an animated GIF."""
        if not self.frames:
            raise ValueError("PerceptronRecorder.save_gif: nothing captured yet; call capture(perceptron)")
        fig = figure(*SIZE)
        ax = fig.add_subplot()
        return write_gif(fig, self.frames, lambda frame: self.draw(ax, *frame), path, fps=fps)

    def plot(self, index: int = -1) -> Any:
        """One captured snapshot (the last by default) as a figure."""
        fig = figure(*SIZE)
        self.draw(fig.add_subplot(), *self.frames[index])
        return fig


def plot_perceptron(perceptron: Any, x: Any, y: Any, point: int | None = None, title: str = "") -> Any:
    """The perceptron's line, weight vector and half-planes over the points ``x`` (N, 2) with labels ``y``."""
    rec = PerceptronRecorder(x, y)
    rec.capture(perceptron, point, title)
    return rec.plot()


def _polygon(points: list, color: tuple) -> Any:
    from matplotlib.patches import Polygon

    return Polygon(np.array(points), closed=True, facecolor=color, edgecolor="none", zorder=0)


def _legend(ax: Any) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], ls="", marker="o", mfc=class_color(0), mec="k", label="class 0: f(z) = 0, z < 0"),
        Line2D([], [], ls="", marker="o", mfc=class_color(1), mec="k", label="class 1: f(z) = 1, z ≥ 0"),
        Line2D([], [], ls="", marker="x", color="k", label="misclassified"),
        Line2D([], [], color="k", lw=2, label="w·x + b = 0"),
        Line2D([], [], color="C0", lw=2, marker=">", label="w (towards z > 0)"),
        Line2D([], [], color="C0", ls="--", label="signed distance\nd = z/‖w‖ of a point"),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.03, 1.0), fontsize=8, borderaxespad=0)
