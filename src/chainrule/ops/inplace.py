"""In-place updates (``add_``, ``+=``, ``t[k] = v`` ...) with version counting.

Outside the graph (``no_grad``, or nothing requires grad) the array is written
in place. Inside it, the op is recorded out of place and the tensor takes the
new value and history, like PyTorch's in-place ops. Either way the version
counter goes up, so a backward that saved the old value refuses to run.
"""

from __future__ import annotations

import operator
from typing import Any

from chainrule.autograd.mode import state
from chainrule.backend import xp
from chainrule.errors import BackwardError, DTypeError, ShapeError
from chainrule.tensor import Tensor

# The arrays' own in-place operators: the same ufuncs with out= and same-kind casting, minus keyword parsing.
_IN_PLACE = {"add": operator.iadd, "sub": operator.isub, "mul": operator.imul, "div": operator.itruediv}


def apply(t: Tensor, kind: str, *args: Any, key: Any = None, alpha: float = 1) -> Tensor:
    """Update ``t`` in place with the ``kind`` operation (``alpha`` scales the operand); returns ``t``."""
    if state.grad_enabled and (t._rg or any(isinstance(a, Tensor) and a._rg for a in args)):
        _record(t, kind, args, key, alpha)
    else:
        _write(t, kind, args, key, alpha)
    t._vc[0] += 1
    return t


def _record(t: Tensor, kind: str, args: tuple, key: Any, alpha: float) -> None:
    """The update as a recorded out-of-place op; ``t`` takes the new value and history."""
    if t.grad_fn is None and t._rg:
        raise BackwardError(
            f"{kind}_: a leaf tensor of shape {t.shape} that requires grad cannot be modified in "
            "place while gradients are recorded; do the update inside `with cr.no_grad():`"
        )
    if alpha != 1:
        args = (args[0] * alpha,)
    # The op reads the old value and history through an alias: the recorded op is out of
    # place, so that array stays intact, while ``t`` itself is about to hold the new value.
    before = Tensor._make(t.data, t._rg, t.grad_fn, t._output_nr)
    new = _recorded(before, kind, args, key)
    if new.shape != t.shape:
        raise ShapeError(f"{kind}_: the result of shape {new.shape} does not fit the tensor's shape {t.shape}")
    if new.dtype != t.dtype:
        new = new.astype(t.dtype)
    t.data, t.grad_fn, t._output_nr, t._rg = new.data, new.grad_fn, 0, True


def _recorded(t: Tensor, kind: str, args: tuple, key: Any) -> Tensor:
    from chainrule.ops.elementwise import Add, Clip, Div, Mul, Sub
    from chainrule.ops.shape import SetItem, index_key

    ops = {"add": Add, "sub": Sub, "mul": Mul, "div": Div}
    if kind in ops:
        return ops[kind].apply(t, args[0])
    if kind == "clip":
        return Clip.apply(t, lo=args[0], hi=args[1])
    index = (Ellipsis,) if key is None else index_key(key)
    return SetItem.apply(t, args[0], key=index)


def _write(t: Tensor, kind: str, args: tuple, key: Any, alpha: float) -> None:
    """The update on the array itself (nothing is recorded)."""
    data = t.data
    value = args[0].data if isinstance(args[0], Tensor) else args[0]
    if alpha != 1:
        value = xp.multiply(value, alpha)
    try:
        update = _IN_PLACE.get(kind)
        if update is not None:
            update(data, value)
        elif kind == "clip":
            high = args[1].data if isinstance(args[1], Tensor) else args[1]
            xp.clip(data, value, high, out=data)
        elif kind == "copy":
            xp.copyto(data, value)
        elif kind == "fill":
            data[...] = value
        else:
            from chainrule.ops.shape import index_key

            data[index_key(key)] = value
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
