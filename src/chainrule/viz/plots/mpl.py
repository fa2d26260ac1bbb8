"""matplotlib without pyplot: figures on the Agg canvas, atomic saving, GIFs through Pillow."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from chainrule.files import atomic_target

INSTALL = "chainrule.viz.plots needs matplotlib and pillow: pip install 'chainrule[viz]'"


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

    return np.asarray(getattr(x, "data", x))
