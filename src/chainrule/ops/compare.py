"""Non-differentiable ops: comparisons, logical ops and arg-max/min (results never require grad)."""

from __future__ import annotations

from typing import Any

from chainrule.backend import xp
from chainrule.errors import ShapeError
from chainrule.tensor import Tensor


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _elementwise(name: str, fn: Any, a: Any, b: Any) -> Tensor:
    try:
        return Tensor._make(xp.asarray(fn(_raw(a), _raw(b))))
    except ValueError as exc:
        raise ShapeError(f"{name}: shapes {xp.shape(_raw(a))} and {xp.shape(_raw(b))}: {exc}") from None


def eq(a: Any, b: Any) -> Tensor:
    return _elementwise("eq", xp.equal, a, b)


def ne(a: Any, b: Any) -> Tensor:
    return _elementwise("ne", xp.not_equal, a, b)


def lt(a: Any, b: Any) -> Tensor:
    return _elementwise("lt", xp.less, a, b)


def le(a: Any, b: Any) -> Tensor:
    return _elementwise("le", xp.less_equal, a, b)


def gt(a: Any, b: Any) -> Tensor:
    return _elementwise("gt", xp.greater, a, b)


def ge(a: Any, b: Any) -> Tensor:
    return _elementwise("ge", xp.greater_equal, a, b)


def logical_and(a: Any, b: Any) -> Tensor:
    return _elementwise("logical_and", xp.logical_and, a, b)


def logical_or(a: Any, b: Any) -> Tensor:
    return _elementwise("logical_or", xp.logical_or, a, b)


def logical_not(a: Any) -> Tensor:
    return Tensor._make(xp.asarray(xp.logical_not(_raw(a))))


def argmax(a: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest element (the first one on ties), flattened when ``axis`` is None."""
    return Tensor._make(xp.asarray(xp.argmax(a._data, axis=axis, keepdims=keepdims)))


def argmin(a: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    return Tensor._make(xp.asarray(xp.argmin(a._data, axis=axis, keepdims=keepdims)))
