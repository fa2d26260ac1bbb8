"""In-place updates (``add_``, ``+=``, ``t[k] = v`` ...) with version counting, as in PyTorch.

The new values are always written into the tensor's own array, so every view of the same memory
(a slice, a reshape, ``.T``, the base of a view) sees them. Outside the graph (``no_grad``, or
nothing requires grad) that is all. Inside it, the op is also recorded out of place, on a copy of
the old value, and the tensor takes the new history; an update through a view gives the view's
base a new history too (the old base with the view's region replaced), which every other view of
that base then reads off it. Either way the shared version counter goes up, so a backward that
saved the old value refuses to run.
"""

from __future__ import annotations

import operator
from typing import Any

from chainrule.autograd.mode import state
from chainrule.backend import xp
from chainrule.errors import BackwardError, DTypeError, ShapeError
from chainrule.ops import views
from chainrule.ops.elementwise import Add, Clip, Div, Mul, Sub
from chainrule.ops.indexing import SetItem, index_key, put
from chainrule.tensor import Tensor

# The arrays' own in-place operators: the same ufuncs with out= and same-kind casting, minus keyword parsing.
_IN_PLACE = {"add": operator.iadd, "sub": operator.isub, "mul": operator.imul, "div": operator.itruediv}


def apply(t: Tensor, kind: str, *args: Any, key: Any = None, alpha: float = 1) -> Tensor:
    """Update ``t`` in place with the ``kind`` operation (``alpha`` scales the operand); returns ``t``."""
    if state.grad_enabled and (t.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in args)):
        _record(t, kind, args, key, alpha)
    else:
        if t._view is not None:
            _refuse_untracked_view(t, kind)
        _write(t, kind, args, key, alpha)
    t._vc.bump()
    return t


def _record(t: Tensor, kind: str, args: tuple, key: Any, alpha: float) -> None:
    """The update as a recorded out-of-place op; ``t`` (and its base, for a view) take the new history."""
    base = t._base
    owner = t if base is None else base
    if owner._grad_fn is None and owner._rg:
        what = "a leaf tensor" if base is None else "a view of a leaf tensor"
        raise BackwardError(
            f"{kind}_: {what} of shape {owner.shape} that requires grad cannot be modified in "
            "place while gradients are recorded; do the update inside `with cr.no_grad():`"
        )
    _refuse_untracked_view(t, kind)
    if not t._data.flags.writeable:
        raise ValueError(f"{kind}_: this tensor is a read-only broadcast view; .clone() it first")
    if alpha != 1:
        args = (args[0] * alpha,)
    # The recorded op reads a copy of the old value: the array itself is about to be overwritten.
    before = Tensor._make(t._data.copy(), t._rg, t._grad_fn, t._output_nr)
    new = _recorded(before, kind, args, key)
    if new.shape != t.shape:
        raise ShapeError(f"{kind}_: the result of shape {new.shape} does not fit the tensor's shape {t.shape}")
    if new.dtype != t.dtype:
        new = new.astype(t.dtype)
    if base is not None:  # the base is the old base with this view's elements replaced
        old_base = Tensor._make(base._data, base._rg, base._grad_fn, base._output_nr)
        new = SetItem.apply(old_base, new, key=views.index_in_base(t._data, base._data))
        xp.copyto(base._data, new._data)
    else:
        xp.copyto(t._data, new._data)
    owner._grad_fn, owner._output_nr, owner._rg = new._grad_fn, 0, True


def _refuse_untracked_view(t: Tensor, kind: str) -> None:
    """A view made under no_grad of a tensor that requires grad cannot be changed where gradients are recorded."""
    base = t._base
    if base is not None and state.grad_enabled and base.requires_grad and not t.requires_grad:
        raise BackwardError(
            f"{kind}_: this view of a tensor of shape {base.shape} that requires grad was made under no_grad, "
            "so an in-place change to it cannot be recorded; make the view outside no_grad, or modify it "
            "inside no_grad too"
        )


def apply_function(t: Tensor, kind: str, fn: Any) -> Tensor:
    """Update ``t`` in place with the out-of-place op ``fn(t)`` (``exp_``, ``masked_fill_`` ...); returns ``t``."""
    return apply(t, kind, _Function(fn))


class _Function:
    """The out-of-place op behind an in-place method (an operand apart from the numbers and tensors)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Any) -> None:
        self.fn = fn


def _recorded(t: Tensor, kind: str, args: tuple, key: Any) -> Tensor:
    ops = {"add": Add, "sub": Sub, "mul": Mul, "div": Div}
    if isinstance(args[0], _Function):
        return args[0].fn(t)
    if kind in ops:
        return ops[kind].apply(t, args[0])
    if kind == "clip":
        return Clip.apply(t, lo=args[0], hi=args[1])
    index = (Ellipsis,) if key is None else index_key(key)
    return SetItem.apply(t, args[0], key=index)


def _write(t: Tensor, kind: str, args: tuple, key: Any, alpha: float) -> None:
    """The update on the array itself (nothing is recorded)."""
    data = t._data
    value = args[0]._data if isinstance(args[0], Tensor) else args[0]
    if alpha != 1:
        value = xp.multiply(value, alpha)
    try:
        update = _IN_PLACE.get(kind)
        if isinstance(value, _Function):
            xp.copyto(data, value.fn(Tensor._make(data))._data, casting="same_kind")
        elif update is not None:
            update(data, value)
        elif kind == "clip":
            high = args[1]._data if isinstance(args[1], Tensor) else args[1]
            xp.clip(data, value, high, out=data)
        elif kind == "copy":
            xp.copyto(data, value)
        elif kind == "fill":
            data[...] = value
        else:
            put(data, index_key(key), value)
    except TypeError as exc:
        raise DTypeError(
            f"{kind}_: cannot write {_describe(value)} into a {t.dtype} tensor in place: {exc}"
        ) from None
    except ValueError as exc:
        if not data.flags.writeable:
            raise ValueError(f"{kind}_: this tensor is a read-only broadcast view; .clone() it first") from None
        raise ShapeError(
            f"{kind}_: cannot apply {_describe(value)} to a tensor of shape {t.shape} in place: {exc}"
        ) from None


def _describe(value: Any) -> str:
    shape = xp.shape(value)
    return f"a value of shape {shape}" if shape else f"{value!r}"
