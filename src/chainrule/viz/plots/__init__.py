"""Training pictures with matplotlib (Agg: no display needed), imported only when a function runs.

Every function returns a ``matplotlib.figure.Figure`` (save it with ``save(fig, path)``)
or writes an animated GIF (Pillow) and returns its path. Classes keep one colour each
everywhere: class 0 red, class 1 green, class 2 blue, ... (``CLASS_COLORS``).
"""

from chainrule.viz.plots.curve import CurveRecorder
from chainrule.viz.plots.descent import animate_descent, descend, plot_descent
from chainrule.viz.plots.history import plot_batch_loss, plot_history
from chainrule.viz.plots.images import plot_confusion, plot_weights
from chainrule.viz.plots.mpl import CLASS_COLORS, save
from chainrule.viz.plots.perceptron import PerceptronRecorder, plot_perceptron
from chainrule.viz.plots.regions import RegionRecorder, plot_regions
from chainrule.viz.plots.sigmoid import plot_sigmoid

__all__ = [
    "CLASS_COLORS", "CurveRecorder", "PerceptronRecorder", "RegionRecorder", "animate_descent", "descend",
    "plot_batch_loss", "plot_confusion", "plot_descent", "plot_history", "plot_perceptron", "plot_regions",
    "plot_sigmoid", "plot_weights", "save",
]  # fmt: skip
