"""``report.html``: one self-contained page describing a training run (pictures inline as data URIs).

>>> from chainrule.report import Report, write_report
>>> write_report("runs/a/report.html", config, split, model, loss_fn, history, image_shape=(28, 28))
>>> Report("runs/a")              # in a notebook: the page, inline
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.files import write_bytes
from chainrule.report import sections
from chainrule.report.page import page
from chainrule.train import predict

__all__ = ["Report", "write_report"]

GRAPH_BATCH = 8
HEIGHT = 720  # pixels of a report shown in a notebook (it scrolls inside)


class Report:
    """A written report.html, shown inline by Jupyter: ``Report("runs/a")`` (a run folder) or
    ``Report(write_report(...))``. The page goes into an iframe (``srcdoc``), so its styles stay its own.
    ``str(report)`` and ``os.fspath(report)`` are the file's path."""

    def __init__(self, path: str | os.PathLike) -> None:
        path = Path(path)
        self.path = path / "report.html" if path.is_dir() else path

    def _repr_html_(self) -> str:
        page = self.path.read_text(encoding="utf-8")
        return (f'<iframe srcdoc="{html.escape(page, quote=True)}" title="chainrule training report" '
                f'style="width: 100%; height: {HEIGHT}px; border: 1px solid #d0d7de"></iframe>')  # fmt: skip

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    def __str__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"Report({str(self.path)!r})"


def write_report(
    path: str | os.PathLike,
    config: dict,
    split: Any,
    model: Any,
    loss_fn: Any,
    history: list,
    image_shape: tuple | None = None,
    batch_losses: Any = None,
) -> Path:
    """Write the report of a run to ``path`` (atomically) and return the path (``Report(path)`` shows it in a
    notebook).

    ``split`` is the run's dataset (a :class:`chainrule.data.datasets.Split`),
    ``history`` the per-epoch rows of :func:`chainrule.train.fit` and ``batch_losses`` its loss per
    mini-batch (plotted beside the epoch curves when given); ``image_shape``
    (e.g. (28, 28)) shows inputs and first-layer weights as images, otherwise
    2-D inputs get a picture of the decision regions.
    """
    x, y = np.asarray(split.x_test._data), np.asarray(split.y_test._data)
    pred = np.asarray(predict(model, split.x_test)).argmax(axis=1)
    batch = sections.pick(len(y), GRAPH_BATCH, seed=1)
    parts = [
        ("settings", "Settings", sections.settings(config, split, history)),
        ("curves", "Loss and accuracy", sections.curves(history, batch_losses, _steps(split, config))),
        ("confusion", "Confusion matrix", sections.confusion(y, pred, split.num_classes)),
        ("predictions", "Test predictions", sections.predictions(x, y, pred, image_shape)),
    ]
    if next(iter(model.parameters())).ndim == 4:  # a convolution first
        parts.append(("convolutions", "Filters and feature maps", sections.convolutions(model, x, y, pred)))
    elif image_shape is not None:
        parts.append(("weights", "First-layer weights", sections.weights(model, image_shape)))
    elif x.ndim == 2 and x.shape[1] == 2:
        parts.append(("regions", "Decision regions", sections.regions(model, x, y)))
    drawing, drawn = sections.graph(model, loss_fn, x[batch], y[batch])
    parts += [
        ("graph", "Computational graph", drawing),
        ("gradcheck", "Gradient check", sections.gradcheck(model, loss_fn, x, y)),  # it picks a batch with a loss
    ]
    last = history[-1] if history else None
    lead = (
        f"{config.get('data')}: test accuracy {last['test_acc']:.2%} after {last['epoch']} epochs"
        if last else "no epoch finished yet"
    )  # fmt: skip
    html = page("chainrule training report", lead, parts, sections.missing_pictures(drawn))
    write_bytes(path, html.encode("utf-8", "backslashreplace"))  # a path's undecodable bytes (surrogates) as \udcNN
    return Path(path)


def _steps(split: Any, config: dict) -> int | None:
    """Mini-batches per epoch of the run (None when the config does not say its batch size)."""
    size = config.get("batch_size")
    return -(-len(split.y_train) // size) if isinstance(size, int) and size > 0 else None
