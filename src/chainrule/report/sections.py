"""The report's sections, each an HTML fragment: settings, curves, confusion matrix, predictions,
first-layer weights (a convolutional network's filters and feature maps) or decision regions, the loss graph, and the
gradient check."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np

from chainrule.check import element_cells
from chainrule.check.report import format_rel
from chainrule.creation import tensor
from chainrule.report import images
from chainrule.report.model_checks import check_gradients, loss_graph
from chainrule.report.page import image, note, table

VIZ_EXTRA = "pip install 'chainrule[viz]'"
SHOWN_FEATURES = 4  # columns of a table of test samples
SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"
MAX_CONFUSION = 30  # classes shown as a confusion matrix; more make a table too large to read
PLOTS_MISSING = f"need matplotlib, which is not installed: {VIZ_EXTRA} adds it"


def plots() -> Any:
    """:mod:`chainrule.viz.plots` when matplotlib is installed, else None (a core install: the report then says
    which extra adds its pictures). The plots import matplotlib only when they draw, so importing them says nothing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    from chainrule.viz import plots as module

    return module


def settings(config: dict, split: Any, history: list) -> str:
    rows = [(f'<td class="key">{escape(k)}</td>', escape(str(v))) for k, v in config.items()]
    rows += [
        ('<td class="key">train / test samples</td>', f"{len(split.y_train)} / {len(split.y_test)}"),
        ('<td class="key">classes</td>', str(split.num_classes)),
        ('<td class="key">epochs done</td>', str(len(history))),
    ]
    if history:
        last = history[-1]
        rows.append(('<td class="key">final test accuracy</td>', _pct(last["test_acc"])))
        rows.append(('<td class="key">final test loss</td>', f"{last['test_loss']:.4f}"))
    body = "".join(f"<tr>{k}<td>{v}</td></tr>" for k, v in rows)
    return f"<table>\n{body}\n</table>"


def curves(history: list, batch_losses: Sequence[float] | None = None, steps_per_epoch: int | None = None) -> str:
    """The per-epoch loss and accuracy curves and, beside them, the loss of every mini-batch
    (``FitResult.batch_losses``) with each epoch's mean over its ``steps_per_epoch`` iterations (when not given:
    taken from the history where the losses divide evenly into its epochs, else no means are drawn)."""
    if not history:
        return note("no epoch finished yet")
    mpl = plots()
    if mpl is None:
        return note(f"the loss and accuracy curves {PLOTS_MISSING}")
    keys = ("epoch", "train_loss", "test_loss", "train_acc", "test_acc")
    fig = mpl.plot_history([{k: row[k] for k in keys} for row in history])
    epochs = image(images.figure_uri(fig), "loss and accuracy per epoch, train and test")
    if not batch_losses:
        return epochs
    if steps_per_epoch is None and len(batch_losses) % len(history) == 0:  # else part of an epoch stopped by Ctrl-C
        steps_per_epoch = len(batch_losses) // len(history)
    title = f"loss of each of the {len(batch_losses)} mini-batches"
    fig = mpl.plot_batch_loss(batch_losses, steps_per_epoch, title=title)
    steps = image(images.figure_uri(fig), "the loss of every mini-batch, noisy, and each epoch's mean")
    return f'<div style="display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start">{epochs}{steps}</div>'


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n: int) -> str:
    if n > MAX_CONFUSION:
        acc = float(np.mean(y_true == y_pred)) if len(y_true) else 0.0
        return note(f"accuracy {acc:.2%}; the matrix of {n} classes is left out (it is shown up to {MAX_CONFUSION})")
    counts = np.zeros((n, n), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    top = max(int(counts.max()), 1)
    rows = []
    for i in range(n):
        cells = [f"<b>{i}</b>"]
        for j in range(n):
            shade = counts[i, j] / top
            colour = f"rgba(9,105,218,{shade:.2f})" if i == j else f"rgba(207,34,46,{min(1.0, 4 * shade):.2f})"
            text = "#fff" if shade > 0.5 else "#1b1f24"
            cells.append(f'<span style="display:block;background:{colour};color:{text}">{counts[i, j]}</span>')
        rows.append(cells)
    acc = np.trace(counts) / max(counts.sum(), 1)
    header = ["true \\ predicted", *map(str, range(n))]
    return note(f"rows: true class; columns: predicted class; accuracy {acc:.2%}") + table(header, rows, "confusion")


def pick(n_total: int, count: int, seed: int = 0) -> np.ndarray:
    """``count`` indices spread over the test set (sorted), fixed by ``seed``."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_total, min(count, n_total), replace=False))


def predictions(x: np.ndarray, y: np.ndarray, pred: np.ndarray, image_shape: tuple | None) -> str:
    """Test samples with their predicted class, mistakes highlighted: images in a grid, or a table of points."""
    shown = pick(len(y), 40)
    mistakes = np.flatnonzero(pred != y)
    extra = [i for i in mistakes if i not in set(shown)][:16]
    shown = np.concatenate([shown, np.asarray(extra, dtype=int)])
    wrong = int((pred[shown] != y[shown]).sum())
    head = note(f"{len(shown)} test samples ({wrong} mistakes, outlined in red): predicted class, true class if wrong")
    if image_shape is None:  # a table of feature rows: the first few features of each
        x = x.reshape(len(x), -1)
        cols = min(x.shape[1], SHOWN_FEATURES)
        more = ["…"] if x.shape[1] > cols else []
        rows = [[*(f"{v:.3f}" for v in x[i, :cols]), *more, str(y[i]), str(pred[i])] for i in shown]
        css = ["mistake" if pred[i] != y[i] else "" for i in shown]
        names = [f"x{''.join(SUBSCRIPTS[int(d)] for d in str(k + 1))}" for k in range(cols)]
        return head + table([*names, *more, "true", "predicted"], rows, "points", css)
    cells = []
    for i in shown:
        ok = pred[i] == y[i]
        caption = f"{pred[i]}" if ok else f"{pred[i]} (true {y[i]})"
        uri = images.grey_uri(x[i].reshape(image_shape))
        cells.append(
            f'<figure class="sample{"" if ok else " mistake"}">{image(uri, f"test image {i}", "digit")}'
            f"<figcaption>{escape(caption)}</figcaption></figure>"
        )
    return head + '<div class="grid">\n' + "\n".join(cells) + "\n</div>"


def weights(model: Any, image_shape: tuple) -> str:
    mpl = plots()
    if mpl is None:
        return note(f"the first-layer weights {PLOTS_MISSING}")
    first = next(iter(model.parameters()))
    fig = mpl.plot_weights(first, image_shape=image_shape, max_units=64)
    return note("each hidden unit's incoming weights as an image (red positive, blue negative)") + image(
        images.figure_uri(fig), "first-layer weights as images"
    )


def convolutions(model: Any, x: np.ndarray, y: np.ndarray, pred: np.ndarray) -> str:
    """A convolutional network's first-layer filters, and the feature maps of one test image (C, H, W)."""
    if plots() is None:
        return note(f"the filters and feature maps {PLOTS_MISSING}")
    from chainrule.report import conv_pictures

    i = int(pick(len(y), 1, seed=2)[0])
    filters = conv_pictures.plot_filters(conv_pictures.first_conv(model))
    maps = conv_pictures.plot_feature_maps(model, x[i], f"test image #{i}: true {y[i]}, predicted {pred[i]}")
    return (
        note("the first convolution's filters, each a small image slid over the input (red positive, blue negative)")
        + image(images.figure_uri(filters), "the first convolution's filters")
        + note("one test image and what each convolution block makes of it: its maps after the activation, one per "
               "filter (white: the map's largest value), before the max-pool halves them")  # fmt: skip
        + image(images.figure_uri(maps), f"feature maps of test image {i}")
    )


def regions(model: Any, x: np.ndarray, y: np.ndarray) -> str:
    mpl = plots()
    if mpl is None:
        return note(f"the decision regions {PLOTS_MISSING}")
    fig = mpl.plot_regions(model, x, y, title="class regions with the test points")
    return image(images.figure_uri(fig), "decision regions over the plane with the test points")


def graph(model: Any, loss_fn: Any, x: np.ndarray, y: np.ndarray) -> tuple[str, bool]:
    """The loss graph of the batch ``(x, y)`` as an SVG, and True; without Graphviz its DOT text, and False."""
    from chainrule.viz import RenderError

    xb, yb = tensor(x, name="x"), tensor(y, name="labels")
    drawing = loss_graph(model, loss_fn, xb, yb)
    intro = note(
        f"the loss on {len(y)} test samples: forward values (green, above each edge) and gradients of the loss "
        "(red, below), one node per layer, the model as a cluster"
    )
    try:
        svg = drawing.pipe("svg")
    except RenderError as exc:
        return intro + note(str(exc)) + f"<pre>{escape(drawing.source)}</pre>", False
    return intro + f'<div class="graph">{image(images.svg_uri(svg), "computational graph of the loss")}</div>', True


def missing_pictures(graph_drawn: bool) -> str:
    """The page's notice when pictures are left out for want of the viz extra (empty when none is)."""
    missing = [] if plots() else ["the plots need matplotlib"]
    if not graph_drawn:
        missing.append("the graph drawing needs Graphviz (its DOT text is shown instead)")
    if not missing:
        return ""
    return f"Pictures left out: {'; '.join(missing)}. {VIZ_EXTRA} adds {'them' if len(missing) > 1 else 'it'}."


def gradcheck(model: Any, loss_fn: Any, x: np.ndarray, y: np.ndarray) -> str:
    """The gradient check of every parameter on a batch of ``(x, y)`` with a non-zero loss (``check_gradients``)."""
    check = check_gradients(model, loss_fn, x, y)
    rows, css = [], []
    for row in check.parameters:
        c, e = row.check, row.check.worst[0]
        analytic, numerical, _, rel, result = element_cells(e)
        verdict = (f'<span class="fail">FAIL ({c.failed})</span>' if c.failed else
                   '<span class="pass">pass</span>' if c.informative else "not informative")  # fmt: skip
        rows.append([
            f"<code>{escape(row.name)}</code>", "×".join(map(str, row.shape)),
            f"{c.elements} of {int(np.prod(row.shape))}", f"{c.compared}", f"{row.worst_index} ({escape(result)})",
            analytic, numerical, format_rel(c.max_rel_error), c.rating, verdict,
        ])  # fmt: skip
        css.append("mistake" if c.failed or not c.informative else "")
    samples = ", ".join(f"#{i}" for i in check.batch.indices)
    intro = note(
        f"backpropagation (analytic) against central differences (numerical) in float64 on a copy of the weights: "
        f"the partial derivatives of the loss ({check.loss:.6g}) on test samples {samples}, batch "
        f"{check.batch.number} of a fixed shuffle, {check.batch.reason}. Both backward passes are checked (plain, "
        "and with create_graph=True); the table shows each parameter's worst element. Elements whose two values "
        "are both ≈ 0, or that lie within ±eps of a kink (e.g. relu at 0), are not compared meaningfully"
    )
    header = ["parameter", "shape", "elements checked", "compared", "worst element", "analytic", "numerical",
              "max rel. error", "rating", "result"]  # fmt: skip
    return intro + note(check.report.summary()) + table(header, rows, "gradcheck", css)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2%}"
