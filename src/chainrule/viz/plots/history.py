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


def plot_batch_loss(batch_losses: Any, steps_per_epoch: int | None = None, title: str | None = None) -> Any:
    """The loss of every mini-batch against the iteration (``fit``'s ``FitResult.batch_losses``): noisy, because
    each step sees a different small sample, and falling over time. With ``steps_per_epoch`` each epoch's mean
    is drawn over its iterations and the epochs are marked."""
    import numpy as np

    losses = np.asarray(list(batch_losses), dtype=np.float64)
    if losses.ndim != 1 or not len(losses):
        raise ValueError(f"plot_batch_loss: expected a non-empty list of losses, got {len(losses)} values")
    steps = np.arange(1, len(losses) + 1)
    fig = figure(5.6, 3.4)
    ax = fig.add_subplot()
    ax.plot(steps, losses, color="C0", lw=0.7, alpha=0.75, label="mini-batch loss")
    if steps_per_epoch:
        starts = range(0, len(losses), steps_per_epoch)
        for i, s in enumerate(starts):
            chunk = losses[s : s + steps_per_epoch]
            ax.hlines(chunk.mean(), s + 1, s + len(chunk), color="C3", lw=2, label="epoch mean" if i == 0 else None)
            if s and len(starts) <= 60:
                ax.axvline(s + 0.5, color="0.8", lw=0.6, zorder=0)
    ax.set_xlabel("iteration (mini-batch)")
    ax.set_ylabel("loss")
    ax.set_xlim(0.5, len(losses) + 0.5)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or "loss per iteration", fontsize=10)
    return fig
