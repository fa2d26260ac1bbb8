"""Adam and AdamW (decoupled weight decay), with PyTorch's bias-corrected update."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from chainrule.backend import xp
from chainrule.optim.optimizer import Optimizer, _non_negative, check_betas, descend, zeros_state
from chainrule.tensor import Tensor


class Adam(Optimizer):
    """m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², p ← p − lr·m̂ / (√v̂ + eps) (Kingma & Ba, 2015).

    ``weight_decay`` adds wd·p to the gradient (L2); see :class:`AdamW` for decoupled decay. ``maximize`` ascends
    (g ← −g first). ``foreach`` and ``fused`` choose among PyTorch's kernels for this same update; chainrule has one, so
    None, False and True are all accepted and change nothing (both True is refused, as in PyTorch).
    """

    decoupled = False

    def __init__(
        self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
        foreach: bool | None = None, fused: bool | None = None,
    ) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, fused=fused)  # fmt: skip
        super().__init__(params, defaults)

    def check_group(self, group: dict) -> None:
        super().check_group(group)
        _non_negative(self, group, "eps", "weight_decay")
        check_betas(self, group["betas"])

    def update(self, p: Tensor, grad: Any, state: dict, group: dict) -> None:
        lr, wd = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if not state:
            state.update(step=0, exp_avg=zeros_state(p), exp_avg_sq=zeros_state(p))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_state(p)
        state["step"] += 1
        step = state["step"]
        if group["maximize"]:
            grad = -grad
        if wd and self.decoupled:
            p.mul_(1 - lr * wd)
        elif wd:
            grad = grad + wd * p._data
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        m += (1 - beta1) * (grad - m)
        v *= beta2
        v += (1 - beta2) * grad * grad
        if group["amsgrad"]:
            v = xp.maximum(state["max_exp_avg_sq"]._data, v, out=state["max_exp_avg_sq"]._data)
        denom = xp.sqrt(v) / math.sqrt(1 - beta2**step) + group["eps"]
        descend(p, (lr / (1 - beta1**step)) * m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay: p ← p(1 − lr·wd) before the Adam step (Loshchilov & Hutter, 2019)."""

    decoupled = True

    def __init__(
        self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
        foreach: bool | None = None, fused: bool | None = None,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, foreach=foreach, fused=fused)
