"""Training pictures with matplotlib (Agg: no display needed), imported only when a function runs.

Every function returns a ``matplotlib.figure.Figure`` (save it with ``save(fig, path)``)
or writes an animated GIF (Pillow) and returns its path.
"""

from chainrule.viz.plots.descent import animate_descent, descend, plot_descent
from chainrule.viz.plots.history import plot_history
from chainrule.viz.plots.images import plot_confusion, plot_weights
from chainrule.viz.plots.mpl import save
from chainrule.viz.plots.regions import RegionRecorder, plot_regions

__all__ = [
    "RegionRecorder", "animate_descent", "descend", "plot_confusion", "plot_descent", "plot_history",
    "plot_regions", "plot_weights", "save",
]  # fmt: skip
