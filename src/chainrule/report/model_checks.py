"""The model seen through the engine: its loss graph on a small batch, and a gradient check of its parameters.

Both work on a float64 copy of the parameters, so the trained model is never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule import autograd
from chainrule.check import gradcheck_report, numerical_grad
from chainrule.nn import functional as F
from chainrule.nn.linear import Linear
from chainrule.tensor import Tensor


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
class ParameterCheck:
    """One parameter's gradient check: the worst element's analytic and numerical values and its relative error."""

    name: str
    shape: tuple
    checked: int
    size: int
    analytic: float
    numerical: float
    max_rel_error: float
    rating: str
    failed: int
    kinks: int


def check_gradients(
    model: Any, loss_fn: Callable, x: Tensor, y: Tensor, max_elements: int = 24, seed: int = 0
) -> list[ParameterCheck]:
    """Compare backprop with central differences for every parameter, in float64 on a copy of the weights.

    Each parameter with more than ``max_elements`` entries is checked at that many
    entries drawn at random (the check costs two forward passes per entry).
    """
    rng = np.random.default_rng(seed)
    names, bases, picks, inputs = [], [], [], []
    for name, p in model.named_parameters():
        base = np.asarray(p.data, dtype=np.float64)
        flat = (
            np.arange(base.size) if base.size <= max_elements else np.sort(rng.choice(base.size, max_elements, False))
        )
        names.append(name)
        bases.append(base)
        picks.append(np.unravel_index(flat, base.shape))
        inputs.append(Tensor(base[picks[-1]], requires_grad=True, name=name))
    x64, layers = Tensor(np.asarray(x.data, dtype=np.float64)), list(model)

    def loss_of(*selected: Tensor) -> Tensor:
        params = {}
        for name, base, pick, values in zip(names, bases, picks, selected):
            full = Tensor(base.copy())
            full[pick] = values
            params[name] = full
        return loss_fn(_forward(layers, params, x64), y)

    report = gradcheck_report(loss_of, inputs)  # pass/fail, kinks and (scale-free) relative errors
    # the report's values are derivatives of a randomly weighted output: show the loss's own instead
    analytic = autograd.grad(loss_of(*inputs), inputs, allow_unused=True)
    numerical = numerical_grad(loss_of, inputs)
    rows = []
    for name, base, c, a, n in zip(names, bases, report.inputs, analytic, numerical):
        at = c.worst[0].index
        worst_a = 0.0 if a is None else float(a.data[at])
        rows.append(ParameterCheck(name, base.shape, int(np.prod(c.shape)), base.size, worst_a, float(n[at]),
                                   c.max_rel_error, c.rating, c.failed, c.kinks))  # fmt: skip
    return rows


def _forward(layers: list, params: dict, x: Tensor) -> Tensor:
    """The MLP's forward pass with its parameters replaced by ``params`` (dotted names like ``0.weight``)."""
    for i, layer in enumerate(layers):
        if isinstance(layer, Linear):
            x = F.linear(x, params[f"{i}.weight"], params.get(f"{i}.bias"))
        elif any(True for _ in layer.parameters()):
            raise TypeError(f"check_gradients: cannot replace the parameters of a {type(layer).__name__} layer")
        else:
            x = layer(x)
    return x
