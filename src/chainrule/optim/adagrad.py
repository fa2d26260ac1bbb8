"""Adagrad (Duchi, Hazan & Singer, 2011), with PyTorch's learning-rate decay and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chainrule.backend import xp
from chainrule.optim.optimizer import Optimizer, _non_negative, descend
from chainrule.tensor import Tensor


class Adagrad(Optimizer):
    """s ← s + g², p ← p − clr·g / (√s + eps), where clr = lr / (1 + (step − 1)·lr_decay) and s starts at
    ``initial_accumulator_value``.

    ``weight_decay`` adds wd·p to the gradient (L2); ``maximize`` ascends (g ← −g first). ``foreach`` and
    ``fused`` choose among PyTorch's kernels for this same update; chainrule has one, so None, False and
    True are all accepted and change nothing (both True is refused, as in PyTorch).

    >>> opt = optim.Adagrad(model.parameters(), lr=0.01)
    """

    def __init__(
        self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
        initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
        maximize: bool = False, fused: bool | None = None,
    ) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, foreach=foreach,
                        maximize=maximize, fused=fused)  # fmt: skip
        super().__init__(params, defaults)

    def check_group(self, group: dict) -> None:
        super().check_group(group)
        _non_negative(self, group, "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def update(self, p: Tensor, grad: Any, state: dict, group: dict) -> None:
        if not state:
            state.update(step=0, sum=Tensor._make(xp.full_like(p._data, group["initial_accumulator_value"])))
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p._data
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = state["sum"]._data
        total += grad * grad
        descend(p, clr * (grad / (xp.sqrt(total) + group["eps"])))
