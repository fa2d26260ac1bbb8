"""Stochastic gradient descent with momentum, Nesterov momentum and weight decay (PyTorch's update)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chainrule.optim.optimizer import Optimizer, _non_negative, descend
from chainrule.tensor import Tensor


class SGD(Optimizer):
    """p ← p − lr·d, where d = g + wd·p, or with momentum μ: b ← μb + (1 − dampening)d and d = b (Nesterov: d + μb).

    ``weight_decay=λ`` is the gradient of (λ/2)‖p‖² (L2 regularisation); ``maximize`` ascends (g ← −g first).
    ``foreach`` and ``fused`` choose among PyTorch's kernels for this same update; chainrule has one, so
    None, False and True are all accepted and change nothing (both True is refused, as in PyTorch).

    >>> opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(
        self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
        weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach: bool | None = None,
        fused: bool | None = None,
    ) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, fused=fused)  # fmt: skip
        super().__init__(params, defaults)

    def check_group(self, group: dict) -> None:
        super().check_group(group)
        _non_negative(self, group, "momentum", "dampening", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires momentum > 0 and dampening = 0")

    def update_group(self, group: dict) -> None:
        """Plain SGD (no momentum, no weight decay, no maximize) in one loop: the hyper-parameters read once per group.

        It keeps no state, as in PyTorch. A subclass with its own ``update`` always gets it called.
        """
        if group["momentum"] or group["weight_decay"] or group["maximize"] or type(self).update is not SGD.update:
            super().update_group(group)
            return
        lr = group["lr"]
        for p in group["params"]:
            if p.grad is not None:
                descend(p, lr * p.grad._data)

    def update(self, p: Tensor, grad: Any, state: dict, group: dict) -> None:
        d = -grad if group["maximize"] else grad
        if group["weight_decay"]:
            d = d + group["weight_decay"] * p._data
        momentum = group["momentum"]
        if momentum:
            saved = state.get("momentum_buffer")
            if saved is None:
                buf = d.copy()
                state["momentum_buffer"] = Tensor._make(buf)
            else:
                buf = saved._data
                buf *= momentum
                buf += (1 - group["dampening"]) * d
            d = d + momentum * buf if group["nesterov"] else buf
        descend(p, group["lr"] * d)
