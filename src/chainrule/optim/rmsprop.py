"""RMSprop (Hinton's lecture 6e), PyTorch's variant with optional momentum and centring."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chainrule.backend import xp
from chainrule.optim.optimizer import Optimizer, _non_negative, descend, zeros_state
from chainrule.tensor import Tensor


class RMSprop(Optimizer):
    """s ← αs + (1 − α)g², p ← p − lr·g / (√s + eps); ``centered`` subtracts the squared mean gradient.

    ``maximize`` ascends (g ← −g first). ``foreach`` picks among PyTorch's kernels for this same update;
    chainrule has one, so None, False and True are accepted and change nothing.
    """

    def __init__(
        self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
        weight_decay: float = 0, momentum: float = 0, centered: bool = False, *, foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered,
                        foreach=foreach, maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    def check_group(self, group: dict) -> None:
        super().check_group(group)
        _non_negative(self, group, "alpha", "eps", "weight_decay", "momentum")

    def update(self, p: Tensor, grad: Any, state: dict, group: dict) -> None:
        alpha = group["alpha"]
        if not state:
            state.update(step=0, square_avg=zeros_state(p))
            if group["momentum"]:
                state["momentum_buffer"] = zeros_state(p)
            if group["centered"]:
                state["grad_avg"] = zeros_state(p)
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p._data
        sq = state["square_avg"]._data
        sq *= alpha
        sq += (1 - alpha) * grad * grad
        if group["centered"]:
            avg = state["grad_avg"]._data
            avg += (1 - alpha) * (grad - avg)
            denom = xp.sqrt(sq - avg * avg) + group["eps"]
        else:
            denom = xp.sqrt(sq) + group["eps"]
        if group["momentum"]:
            buf = state["momentum_buffer"]._data
            buf *= group["momentum"]
            buf += grad / denom
            descend(p, group["lr"] * buf)
        else:
            descend(p, group["lr"] * grad / denom)
