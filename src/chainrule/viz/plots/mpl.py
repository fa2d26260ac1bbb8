"""matplotlib without pyplot: figures on the Agg canvas, atomic saving, GIFs through Pillow."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from chainrule.files import atomic_target

INSTALL = "chainrule.viz.plots needs matplotlib and pillow: pip install 'chainrule[viz]'"

#: One colour per class, strong enough to stay visible as a light tint: class 0 red and class 1 green (the
#: essay's colours), then blue, orange, purple ... (matplotlib's tab10, reordered).
CLASS_COLORS = ("#d62728", "#2ca02c", "#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
                "#17becf")  # fmt: skip


def figure(*size: float) -> Any:
    """A new Figure drawn by the Agg backend (no GUI, no global pyplot state)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(INSTALL) from exc
    fig = Figure(figsize=size or (6.0, 4.0), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Any, path: str | os.PathLike, dpi: int = 120) -> Path:
    """Save ``fig`` atomically; the format comes from the suffix (.png, .svg, .pdf)."""
    with atomic_target(path) as tmp:
        fig.savefig(tmp, dpi=dpi)
    return Path(path)


def write_gif(
    fig: Any, frames: Iterable[Any], update: Callable[[Any], None], path: str | os.PathLike, fps: int = 5, dpi: int = 80
) -> Path:
    """Call ``update(frame)`` for each frame and write the animation as a GIF (Pillow)."""
    from matplotlib.animation import PillowWriter

    writer = PillowWriter(fps=fps)
    with atomic_target(path) as tmp:
        with writer.saving(fig, str(tmp), dpi):
            for frame in frames:
                update(frame)
                writer.grab_frame()
    return Path(path)


def as_array(x: Any) -> Any:
    """A NumPy array from a Tensor, array or list."""
    import numpy as np

    return np.asarray(getattr(x, "_data", x))


def class_color(k: int) -> str:
    """The colour of class ``k`` (the palette repeats after ten classes)."""
    return CLASS_COLORS[int(k) % len(CLASS_COLORS)]


def tint(color: str, strength: float = 0.35) -> tuple:
    """``color`` mixed with white: what a region of that class is filled with (RGB in [0, 1])."""
    from matplotlib.colors import to_rgb

    return tuple(1 - strength * (1 - c) for c in to_rgb(color))


def class_legend(ax: Any, classes: Iterable[int]) -> None:
    """A legend 'class k' with each class's marker, outside the axes on the right (it never hides a point)."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], ls="", marker="o", mfc=class_color(k), mec="k", label=f"class {k}") for k in classes]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, borderaxespad=0)
