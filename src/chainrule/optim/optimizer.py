"""Optimizer: parameter groups, per-parameter state, zero_grad and state_dict (PyTorch semantics).

A subclass sets its ``defaults``, checks hyper-parameters in ``check_group`` and
updates one parameter in ``update``; ``step`` calls it with recording off (as
under ``no_grad``) for every parameter that has a gradient, through ``update_group``
(which a subclass may replace to update a whole group at once). Updates write into
``p.data`` in place through ``descend``, which counts a new version of ``p``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from chainrule.autograd.mode import enable_grad
from chainrule.autograd.mode import state as recording
from chainrule.backend import xp
from chainrule.tensor import Tensor


class Optimizer:
    """Base class: holds ``param_groups`` (dicts with 'params' and hyper-parameters) and ``state``."""

    def __init__(self, params: Iterable[Any], defaults: dict) -> None:
        self.defaults = defaults
        self.state: dict = {}
        self.param_groups: list[dict] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (others from ``defaults``)."""
        group = dict(group)
        params = group.get("params")
        params = [params] if isinstance(params, Tensor) else list(params or [])
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        name = type(self).__name__
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf or not p.requires_grad:
                raise ValueError(f"{name}: a parameter of shape {p.shape} is not a leaf that requires grad")
            if id(p) in seen:
                raise ValueError(f"{name}: a parameter of shape {p.shape} appears in more than one group")
            seen.add(id(p))
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.check_group(group)
        self.param_groups.append(group)

    def check_group(self, group: dict) -> None:
        """Raise ValueError on an invalid hyper-parameter (subclasses extend this)."""
        _non_negative(self, group, "lr")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every optimized parameter (to None by default)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad = None if set_to_none else Tensor._make(xp.zeros_like(p.grad.data))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; ``closure`` (re)computes and returns the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        previous = recording.grad_enabled
        recording.grad_enabled = False  # what no_grad() does, minus a context manager on every step
        try:
            for group in self.param_groups:
                self.update_group(group)
        finally:
            recording.grad_enabled = previous
        return loss

    def update_group(self, group: dict) -> None:
        """Update each parameter of ``group`` that has a gradient, with its state (created empty at first)."""
        states, update = self.state, self.update
        for p in group["params"]:
            if p.grad is not None:
                s = states.get(p)
                if s is None:
                    s = states[p] = {}
                update(p, p.grad.data, s, group)

    def update(self, p: Tensor, grad: Any, state: dict, group: dict) -> None:
        """Update one parameter from its gradient array (what a subclass defines)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        """{'state': {index: {name: array or number}}, 'param_groups': [{hyper-parameters, 'params': [indices]}]}."""
        index: dict = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index[id(p)] = len(index)
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {
            index[id(p)]: {k: (Tensor._make(v.copy()) if isinstance(v, xp.ndarray) else v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and per-parameter state saved by ``state_dict``."""
        saved = state_dict["param_groups"]
        name = type(self).__name__
        if len(saved) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: {len(saved)} parameter group(s) saved, {len(self.param_groups)} here"
            )
        by_index = {}
        for i, (old, new) in enumerate(zip(saved, self.param_groups, strict=True)):
            if len(old["params"]) != len(new["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: group {i} has {len(old['params'])} parameter(s) saved, "
                    f"{len(new['params'])} here"
                )
            by_index.update(zip(old["params"], new["params"], strict=True))
            new.update({k: copy.deepcopy(v) for k, v in old.items() if k != "params"})
        self.state = {}
        for key, values in state_dict["state"].items():
            p = by_index[int(key)]
            self.state[p] = {k: _restore(v, p) for k, v in values.items()}


def descend(p: Tensor, delta: Any) -> None:
    """``p ← p − delta`` on the parameter's array, counted as a new version: ``p.sub_`` without its dispatch."""
    try:
        p.data -= delta
    except (TypeError, ValueError):  # NumPy wrote nothing: let sub_ explain the failure (a read-only array,
        p.sub_(delta)  # a shape or dtype that does not fit), or do the update (a Tensor ``delta``)
        return
    p._vc.bump()


def _restore(value: Any, p: Tensor) -> Any:
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, xp.ndarray) and value.ndim:
        if value.shape != p.shape:
            raise ValueError(f"optimizer state of shape {value.shape} does not fit a parameter of shape {p.shape}")
        return value.astype(p.dtype, copy=True)
    return value.item() if isinstance(value, xp.ndarray) else value


def _non_negative(opt: Optimizer, group: dict, *names: str) -> None:
    for name in names:
        value = group[name]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{type(opt).__name__}: invalid {name} {value!r}; it must be a number >= 0")


def check_betas(opt: Optimizer, betas: Any) -> None:
    if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
        raise ValueError(f"{type(opt).__name__}: invalid betas {betas!r}; each must be in [0, 1)")
