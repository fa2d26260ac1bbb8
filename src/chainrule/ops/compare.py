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


def isnan(a: Any) -> Tensor:
    """True where ``a`` is NaN (never for integers), as ``torch.isnan``."""
    return Tensor._make(xp.asarray(xp.isnan(_raw(a))))


def isinf(a: Any) -> Tensor:
    """True where ``a`` is +inf or -inf, as ``torch.isinf``."""
    return Tensor._make(xp.asarray(xp.isinf(_raw(a))))


def isfinite(a: Any) -> Tensor:
    """True where ``a`` is neither NaN nor infinite, as ``torch.isfinite``."""
    return Tensor._make(xp.asarray(xp.isfinite(_raw(a))))


def count_nonzero(a: Any, axis: Any = None) -> Tensor:
    """The int64 number of non-zero elements (of all, or over ``axis``), as ``torch.count_nonzero``."""
    return Tensor._make(xp.asarray(xp.count_nonzero(_raw(a), axis=axis), dtype=xp.int64))


def rounded(a: Tensor, decimals: int = 0) -> Tensor:
    """``a`` rounded half to even (to ``decimals`` places), as ``torch.round``; no gradient (PyTorch's is 0)."""
    return Tensor._make(xp.asarray(xp.round(a._data, decimals)))


def sign(a: Tensor) -> Tensor:
    """−1, 0 or +1 by the sign of each element (0 at NaN), as ``torch.sign``; no gradient (PyTorch's is 0)."""
    data = a._data
    return Tensor._make(xp.asarray((data > 0).astype(data.dtype) - (data < 0).astype(data.dtype)))


def argmax(a: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest element (the first one on ties), flattened when ``axis`` is None."""
    return Tensor._make(xp.asarray(xp.argmax(a._data, axis=axis, keepdims=keepdims)))


def argmin(a: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    return Tensor._make(xp.asarray(xp.argmin(a._data, axis=axis, keepdims=keepdims)))
