"""Optimizer: parameter groups, per-parameter state, zero_grad and state_dict (PyTorch semantics).

A subclass sets its ``defaults``, checks hyper-parameters in ``check_group`` and
updates one parameter in ``update``; ``step`` calls it with recording off (as
under ``no_grad``) for every parameter that has a gradient, through ``update_group``
(which a subclass may replace to update a whole group at once). Updates write into
``p._data`` in place through ``descend``, which counts a new version of ``p``.

A subclass written PyTorch's way works too: it overrides ``step`` and keeps what it
likes in ``self.state[p]`` (a ``defaultdict(dict)``, as PyTorch's). The built-in
optimizers keep their buffers as Tensors there (``opt.state[p]["exp_avg"]``), updated
in place through their arrays.
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict
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
        self.state: defaultdict = defaultdict(dict)
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
            if not p.is_leaf:  # as PyTorch: a frozen leaf is kept, and skipped while it has no grad
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (shape {p.shape}); optimize the leaf it "
                                 "was computed from")  # fmt: skip
            if id(p) in seen:
                raise ValueError(f"{name}: a parameter of shape {p.shape} appears in more than one group")
            seen.add(id(p))
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.check_group(group)
        self.param_groups.append(group)

    def check_group(self, group: dict) -> None:
        """Raise ValueError on an invalid hyper-parameter (subclasses extend this): 'lr', 'maximize', 'foreach'
        and 'fused' where a group has them."""
        if "lr" in group:
            _non_negative(self, group, "lr")
        name = type(self).__name__
        if "maximize" in group and not isinstance(group["maximize"], bool):
            raise ValueError(f"{name}: invalid maximize {group['maximize']!r}; it must be True or False")
        for flag in ("foreach", "fused"):
            if flag in group and group[flag] not in (None, False, True):
                raise ValueError(f"{name}: invalid {flag} {group[flag]!r}; it must be None, False or True")
        if group.get("foreach") and group.get("fused"):
            raise ValueError(f"{name}: `fused` and `foreach` cannot be `True` together")

    def __repr__(self) -> str:
        """PyTorch's form: the class name, then each group's settings (not its parameters) by name."""
        text = f"{type(self).__name__} ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return text + ")"

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every optimized parameter (to None by default)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad = None if set_to_none else Tensor._make(xp.zeros_like(p.grad._data))

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
                update(p, p.grad._data, states[p], group)

    def update(self, p: Tensor, grad: Any, state: dict, group: dict) -> None:
        """Update one parameter from its gradient array (what a subclass defines)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        """{'state': {index: {name: Tensor or number}}, 'param_groups': [{hyper-parameters, 'params': [indices]}]}.

        The Tensors are copies: stepping on does not change a state_dict taken before.
        """
        index: dict = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index[id(p)] = len(index)
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {
            index[id(p)]: {k: (Tensor._make(_array(v).copy()) if _is_array(v) else v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and per-parameter state saved by ``state_dict``, all or nothing.

        Everything is checked before anything changes: the groups and their sizes, each hyper-parameter (the
        type of its default, then ``check_group``), and each parameter's state (an index of a parameter here,
        the names a step of this optimizer keeps, arrays of the parameter's shape or plain numbers). A problem
        raises ValueError naming it. Arrays come back as Tensors (or as arrays, where a chainrule-style
        ``update`` keeps arrays); floating-point ones in the parameter's dtype.
        """
        name = f"{type(self).__name__}.load_state_dict"
        saved, saved_state = _parts(state_dict, name)
        if len(saved) != len(self.param_groups):
            raise ValueError(f"{name}: {len(saved)} parameter group(s) saved, {len(self.param_groups)} here")
        by_index, groups = {}, []
        for i, (old, new) in enumerate(zip(saved, self.param_groups, strict=True)):
            if not isinstance(old, dict) or not isinstance(old.get("params"), list | tuple):
                raise ValueError(f"{name}: saved group {i} is not a dict with a list of 'params'")
            if len(old["params"]) != len(new["params"]):
                raise ValueError(
                    f"{name}: group {i} has {len(old['params'])} parameter(s) saved, {len(new['params'])} here"
                )
            for index, p in zip(old["params"], new["params"], strict=True):
                if type(index) is not int or index in by_index:
                    raise ValueError(f"{name}: group {i} names parameter {index!r}; indices are distinct integers")
                by_index[index] = (p, i)
            groups.append(self._checked_group(new, old, i, name))
        state = {}
        for index, values in saved_state.items():
            if type(index) is not int or index not in by_index:
                raise ValueError(f"{name}: state saved for parameter {index!r}, which is not one of the "
                                 f"{len(by_index)} here")  # fmt: skip
            p, i = by_index[index]
            state[p] = self._checked_state(values, p, groups[i], f"{name}: state of parameter {index}")
        for new, group in zip(self.param_groups, groups, strict=True):
            new.update(group)
        self.state = defaultdict(dict, state)

    def _checked_group(self, current: dict, saved: dict, i: int, name: str) -> dict:
        """``current`` updated with the saved hyper-parameters, if each has its default's type and passes check."""
        group = {**current, **{k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}}
        for key, default in self.defaults.items():
            if not _same_kind(group[key], default):
                raise ValueError(
                    f"{name}: group {i} has {key} {group[key]!r}; it must be like its default {default!r} (that type, "
                    "finite)"
                )
        try:
            self.check_group(group)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}: group {i}: {exc}") from None
        return group

    def _checked_state(self, values: Any, p: Tensor, group: dict, where: str) -> dict:
        """The saved state of ``p``, restored, if it has the names and kinds (array or number) a step keeps.

        For an optimizer whose step is not known here (one that overrides ``step``), any named Tensors and
        numbers are kept, Tensors of any shape.
        """
        if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
            raise ValueError(f"{where} is not a dict of named values")
        fresh = self._first_state(p, group) if values else None
        if fresh is None:
            return {k: _restore(v, p, f"{where}: {k}", None, any_shape=True) for k, v in values.items()}
        if set(values) != set(fresh):
            raise ValueError(f"{where} holds {sorted(values)}; {type(self).__name__} keeps {sorted(fresh)}")
        restored = {k: _restore(v, p, f"{where}: {k}", fresh[k]) for k, v in values.items()}
        for key, value in restored.items():
            if _is_array(value) != _is_array(fresh[key]):
                kind = "an array" if _is_array(fresh[key]) else "a number"
                raise ValueError(f"{where}: {key} is {type(value).__name__}; {type(self).__name__} keeps {kind}")
            if isinstance(fresh[key], int) and not (type(value) is int and value >= 0):
                raise ValueError(f"{where}: {key} is {value!r}; it counts steps, an integer >= 0")
            if isinstance(fresh[key], float) and not math.isfinite(value):
                raise ValueError(f"{where}: {key} is {value!r}; it must be finite")
        return restored

    def _first_state(self, p: Tensor, group: dict) -> dict | None:
        """The state a first step keeps for ``p``, from one ``update`` of a one-element stand-in (None: unknown)."""
        stand_in = Tensor._make(xp.zeros((1,) * p.ndim, dtype=p.dtype))
        state: dict = {}
        previous = recording.grad_enabled
        recording.grad_enabled = False
        try:
            self.update(stand_in, xp.ones_like(stand_in._data), state, group)
        except NotImplementedError:  # an optimizer that updates whole groups at once
            return None
        finally:
            recording.grad_enabled = previous
        return state


def _parts(state_dict: Any, name: str) -> tuple[list, dict]:
    """(param_groups, state) of a saved optimizer state, or ValueError saying what the dict lacks."""
    if not isinstance(state_dict, dict):
        raise ValueError(f"{name}: expected a dict with 'state' and 'param_groups', got {type(state_dict).__name__}")
    groups, state = state_dict.get("param_groups"), state_dict.get("state")
    if not isinstance(groups, list | tuple) or not isinstance(state, dict):
        raise ValueError(f"{name}: expected 'param_groups' (a list) and 'state' (a dict), got "
                         f"{type(groups).__name__} and {type(state).__name__}")  # fmt: skip
    return list(groups), state


def _same_kind(value: Any, default: Any) -> bool:
    """Whether a saved hyper-parameter has the type of its default (numbers finite, tuples of the same length)."""
    if isinstance(default, bool) or default is None or isinstance(default, str):
        return default is None or type(value) is type(default)
    if isinstance(default, int | float):
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if isinstance(default, tuple | list):
        return (isinstance(value, tuple | list) and len(value) == len(default)
                and all(_same_kind(v, d) for v, d in zip(value, default, strict=True)))  # fmt: skip
    return True


def descend(p: Tensor, delta: Any) -> None:
    """``p ← p − delta`` on the parameter's array, counted as a new version: ``p.sub_`` without its dispatch."""
    try:
        p._data -= delta
    except (TypeError, ValueError):  # NumPy wrote nothing: let sub_ explain the failure (a read-only array,
        p.sub_(delta)  # a shape or dtype that does not fit), or do the update (a Tensor ``delta``)
        return
    p._vc.bump()


def _is_array(value: Any) -> bool:
    """Whether a state value is an array (a Tensor or an ndarray) rather than a number."""
    return isinstance(value, Tensor | xp.ndarray)


def _array(value: Any) -> Any:
    """The ndarray of a Tensor or ndarray state value."""
    return value._data if isinstance(value, Tensor) else value


def zeros_state(p: Tensor) -> Tensor:
    """A state buffer of zeros shaped and typed as ``p`` (the update works on its array in place)."""
    return Tensor._make(xp.zeros_like(p._data))


def _restore(value: Any, p: Tensor, where: str, like: Any, any_shape: bool = False) -> Any:
    """A saved state value for ``p``, where a step keeps ``like``: a plain number, or a copy of an array of
    ``p``'s shape (any shape if ``any_shape``; floating point in ``p``'s dtype), an ndarray if ``like`` is one
    and a Tensor otherwise. A 0-d array where a number is kept is that number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if not _is_array(value):
        raise ValueError(f"{where} is a {type(value).__name__}, not an array or a number")
    value = _array(value)
    if value.dtype.kind not in "biuf":
        raise ValueError(f"{where} has dtype {value.dtype}, not a real number type")
    if value.ndim == 0 and isinstance(like, int | float):
        return value.item()
    if value.shape != p.shape and not any_shape:
        raise ValueError(f"{where} has shape {value.shape}, which does not fit a parameter of shape {p.shape}")
    value = value.astype(p.dtype if value.dtype.kind == p.dtype.kind == "f" else value.dtype, copy=True)
    return value if isinstance(like, xp.ndarray) else Tensor._make(value)


def _non_negative(opt: Optimizer, group: dict, *names: str) -> None:
    for name in names:
        value = group[name]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{type(opt).__name__}: invalid {name} {value!r}; it must be a number >= 0")


def check_betas(opt: Optimizer, betas: Any) -> None:
    if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
        raise ValueError(f"{type(opt).__name__}: invalid betas {betas!r}; each must be in [0, 1)")
