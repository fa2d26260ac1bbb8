"""The model seen through the engine: its loss graph on a small batch, and a gradient check of its parameters.

Both work on a float64 copy of the parameters, so the trained model is never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule import autograd
from chainrule.check import GradcheckReport, InputCheck, gradcheck_report
from chainrule.check.numeric import as_float64
from chainrule.creation import tensor
from chainrule.tensor import Tensor

CHECK_BATCH = 4  # samples in the checked batch
MAX_BATCHES = 64  # batches tried for one with a non-zero loss and gradients


def loss_graph(model: Any, loss_fn: Callable, x: Tensor, y: Tensor) -> Any:
    """``cr.draw`` of the loss on the batch ``(x, y)``: values and gradients, one cluster per module call."""
    from chainrule.viz import draw, record

    model.eval()
    with record(model) as rec:
        loss = loss_fn(model(x), y)
    loss.name = "loss"
    graph = draw(loss, groups=rec, title=f"loss on a batch of {len(y)}")
    model.zero_grad()
    return graph


@dataclass
class CheckedBatch:
    """The batch the gradient check uses: its sample indices, its loss, and why it was chosen."""

    indices: np.ndarray
    loss: float
    number: int  # 1-based, in the fixed shuffle of the samples
    reason: str
    gradients: list  # each parameter's gradient on the batch (float arrays), to pick informative elements


@dataclass
class ParameterRow:
    """One parameter's line: its check (the plain pass's, or the Tensor rules' if only they fail) and where its
    worst element sits in the parameter."""

    name: str
    shape: tuple
    check: InputCheck
    worst_index: tuple


@dataclass
class ModelGradcheck:
    """A gradient check of a model's parameters: the batch, the check's report, one row per parameter."""

    batch: CheckedBatch
    loss: float  # on the batch, in float64
    report: GradcheckReport
    parameters: list  # ParameterRow per parameter


def choose_batch(model: Any, loss_fn: Callable, x: np.ndarray, y: np.ndarray, size: int = CHECK_BATCH,
                 seed: int = 1) -> CheckedBatch:  # fmt: skip
    """The first batch, in a fixed shuffle of the samples, whose loss and every parameter's gradient are non-zero.

    A batch with zero loss (an SVM whose margins all hold) has zero gradients: checking it
    would compare zeros with zeros. If none of the first ``MAX_BATCHES`` qualifies, the one
    with the most parameters with a non-zero gradient (then the largest loss) is taken, and said so.
    """
    if not len(y):
        raise ValueError("check_gradients: no samples to check the gradients on")
    order = np.random.default_rng(seed).permutation(len(y))
    params = list(model.parameters())
    best, best_key = None, None
    for number, start in enumerate(range(0, min(len(y), MAX_BATCHES * size), size), 1):
        indices = np.sort(order[start : start + size])
        loss = loss_fn(model(tensor(x[indices], dtype=params[0].dtype if params else None)), tensor(y[indices]))
        grads = autograd.grad(loss, params, allow_unused=True) if loss.requires_grad else [None] * len(params)
        arrays = [np.zeros(p.shape) if g is None else as_float64(g) for p, g in zip(params, grads)]
        value = float(loss.item())
        nonzero = sum(bool(np.any(a != 0)) for a in arrays)
        if value != 0 and np.isfinite(value) and nonzero == len(params):
            reason = "the first with a non-zero loss and gradients"
            if number > 1:
                skipped = "1" if number == 2 else f"1–{number - 1}"
                reason += f"; batch {skipped} had a zero loss or a zero gradient"
            return CheckedBatch(indices, value, number, reason, arrays)
        key = (nonzero, abs(value) if np.isfinite(value) else -1.0)
        if best_key is None or key > best_key:
            best, best_key = CheckedBatch(indices, value, number, "", arrays), key
    best.reason = (
        f"no batch of the {min(MAX_BATCHES, -(-len(y) // size))} tried has a non-zero loss and a non-zero gradient "
        "for every parameter: this one comes closest"
    )
    return best


def check_gradients(model: Any, loss_fn: Callable, x: np.ndarray, y: np.ndarray, max_elements: int = 24,
                    seed: int = 0, budget: int = 480) -> ModelGradcheck:  # fmt: skip
    """Compare backprop with central differences for every parameter, in float64 on a copy of the weights.

    The batch is :func:`choose_batch`'s, from the samples ``(x, y)``. Each parameter with more
    than ``max_elements`` entries is checked at that many entries: half drawn among those whose
    gradient on the batch is non-zero (so the check compares something), the rest uniformly
    at random (the check costs two forward passes per entry). A model with more parameter tensors
    than ``budget / max_elements`` gets fewer entries each (at least 2), so a deep network's check
    stays within about ``budget`` entries.
    """
    batch = choose_batch(model, loss_fn, np.asarray(x), np.asarray(y))
    rng = np.random.default_rng(seed)
    max_elements = max(2, min(max_elements, budget // max(1, len(batch.gradients))))
    names, bases, picks, inputs = [], [], [], []
    for (name, p), grad in zip(model.named_parameters(), batch.gradients):
        base = np.asarray(p._data, dtype=np.float64)
        names.append(name)
        bases.append(base)
        picks.append(np.unravel_index(_pick(grad.reshape(-1), max_elements, rng), base.shape))
        inputs.append(tensor(base[picks[-1]], requires_grad=True, name=name))
    x64 = tensor(np.asarray(x, dtype=np.float64)[batch.indices])
    y_batch, layers = tensor(np.asarray(y)[batch.indices]), list(model)

    def loss_of(*selected: Tensor) -> Tensor:
        params = {}
        for name, base, pick, values in zip(names, bases, picks, selected):
            full = tensor(base.copy())
            full[pick] = values
            params[name] = full
        return loss_fn(_forward(layers, params, x64), y_batch)

    report = gradcheck_report(loss_of, inputs, worst=1)  # a scalar loss: the numbers are its partial derivatives
    rows = []
    for name, base, pick, plain, graph in zip(names, bases, picks, report.inputs, report.tensor_rules):
        shown = graph if graph.failed and not plain.failed else plain  # the Tensor rules' only if only they fail
        (k,) = shown.worst[0].index
        rows.append(ParameterRow(name, base.shape, shown, tuple(int(p[k]) for p in pick)))
    return ModelGradcheck(batch, float(loss_of(*inputs).item()), report, rows)


def _pick(grad: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Up to ``count`` flat indices: half among the non-zero gradient entries, the rest uniformly; sorted."""
    if grad.size <= count:
        return np.arange(grad.size)
    nonzero = np.flatnonzero(grad)
    informative = rng.choice(nonzero, min(count // 2, nonzero.size), replace=False)
    rest = np.setdiff1d(np.arange(grad.size), informative)
    return np.sort(np.concatenate([informative, rng.choice(rest, count - informative.size, replace=False)]))


def _forward(layers: list, params: dict, x: Tensor) -> Tensor:
    """The model's forward pass with its parameters replaced by ``params`` (dotted names like ``0.weight``).

    Each layer's parameter registry is swapped for the replacements during its call and put back after, so any
    layer that reads its parameters from the registry (Linear, Conv2d, ...) computes with them.
    """
    for i, layer in enumerate(layers):
        if any(True for child in layer.children() for _ in child.parameters()):
            raise TypeError(f"check_gradients: cannot replace the parameters inside a {type(layer).__name__} layer")
        own = layer.__dict__["_parameters"]
        layer.__dict__["_parameters"] = {k: None if v is None else params[f"{i}.{k}"] for k, v in own.items()}
        try:
            x = layer(x)
        finally:
            layer.__dict__["_parameters"] = own
    return x
