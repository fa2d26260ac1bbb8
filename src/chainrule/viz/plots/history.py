"""Loss and accuracy curves from a training history."""

from __future__ import annotations

from typing import Any

from chainrule.viz.plots.mpl import figure

_SPLITS = ("train_", "test_", "val_")


def _columns(history: Any) -> dict[str, list]:
    """A history as ``{metric: values}``: accepts a dict of lists or a list of per-epoch dicts."""
    if isinstance(history, dict):
        return {k: list(v) for k, v in history.items()}
    cols: dict[str, list] = {}
    for i, row in enumerate(history):
        if not isinstance(row, dict):
            raise TypeError(f"plot_history: entry {i} is a {type(row).__name__}; give dicts like {{'loss': 0.3}}")
        for k, v in row.items():
            cols.setdefault(k, [None] * i).append(v)
        for k in cols.keys() - row.keys():
            cols[k].append(None)
    return cols


def plot_history(history: Any, x: str = "epoch", title: str | None = None) -> Any:
    """One panel per metric (loss, acc, …), train and test/val curves together.

    ``history``: ``{"loss": [...], "test_loss": [...], "acc": [...]}`` or
    ``[{"epoch": 1, "loss": 0.9, "test_acc": 0.7}, ...]``. Keys prefixed with
    ``train_``, ``test_`` or ``val_`` share the panel of the bare metric name.
    """
    cols = _columns(history)
    xs = cols.pop(x, None)
    panels: dict[str, list] = {}
    for key in cols:
        base = next((key[len(p) :] for p in _SPLITS if key.startswith(p)), key)
        panels.setdefault(base, []).append(key)
    if not panels:
        raise ValueError("plot_history: the history holds no metrics")
    fig = figure(4.2 * len(panels), 3.4)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (base, keys) in zip(axes, panels.items()):
        for key in keys:
            ys = cols[key]
            steps = xs if xs is not None else range(1, len(ys) + 1)
            pts = [(s, y) for s, y in zip(steps, ys) if y is not None]
            ax.plot(
                [p[0] for p in pts],
                [p[1] for p in pts],
                marker="o" if len(pts) < 30 else None,
                ms=3,
                label=key.replace("_", " "),
            )
        ax.set_title(base)
        ax.set_xlabel(x)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig
