"""Function forms of the ops (``cr.exp(x)``, ``cr.where(c, a, b)`` ...), accepting arrays and numbers."""

from __future__ import annotations

from typing import Any

from chainrule.ops.elementwise import Maximum, Minimum, where
from chainrule.ops.linalg import MatMul
from chainrule.ops.shape import concatenate, stack
from chainrule.tensor import Tensor, as_operand

__all__ = [
    "abs", "amax", "amin", "argmax", "argmin", "cat", "clip", "concatenate", "cos", "exp", "flatten", "log",
    "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean", "min", "minimum", "relu", "sigmoid", "sin",
    "softmax", "sqrt", "stack", "sum", "tanh", "where",
]  # fmt: skip


def _t(x: Any, op: str) -> Tensor:
    if isinstance(x, (int, float)):
        return Tensor(float(x))
    return as_operand(x, op)


def exp(x: Any) -> Tensor:
    return _t(x, "exp").exp()


def log(x: Any) -> Tensor:
    return _t(x, "log").log()


def sqrt(x: Any) -> Tensor:
    return _t(x, "sqrt").sqrt()


def abs(x: Any) -> Tensor:  # noqa: A001 - mirrors torch.abs
    return _t(x, "abs").abs()


def sin(x: Any) -> Tensor:
    return _t(x, "sin").sin()


def cos(x: Any) -> Tensor:
    return _t(x, "cos").cos()


def tanh(x: Any) -> Tensor:
    return _t(x, "tanh").tanh()


def sigmoid(x: Any) -> Tensor:
    return _t(x, "sigmoid").sigmoid()


def relu(x: Any) -> Tensor:
    return _t(x, "relu").relu()


# NumPy's axis/keepdims and PyTorch's dim/keepdim, as the Tensor methods take them.
def softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    return _t(x, "softmax").softmax(axis, dim=dim)


def log_softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    return _t(x, "log_softmax").log_softmax(axis, dim=dim)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
              keepdim: bool | None = None) -> Tensor:  # fmt: skip
    return _t(x, "logsumexp").logsumexp(axis, keepdims, dim=dim, keepdim=keepdim)


def sum(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None,  # noqa: A001
        keepdim: bool | None = None) -> Tensor:  # fmt: skip
    return _t(x, "sum").sum(axis, keepdims, dim=dim, keepdim=keepdim)


def mean(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None) -> Tensor:
    return _t(x, "mean").mean(axis, keepdims, dim=dim, keepdim=keepdim)


def max(x: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Any:  # noqa: A001
    """``torch.max``: of every element, ``(values, indices)`` along ``dim``, or ``max(a, b)`` element-wise."""
    return _t(x, "max").max(dim, keepdim, axis=axis, keepdims=keepdims)


def min(x: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Any:  # noqa: A001
    """``torch.min``: the forms of :func:`max`."""
    return _t(x, "min").min(dim, keepdim, axis=axis, keepdims=keepdims)


def amax(x: Any, dim: Any = None, keepdim: bool = False) -> Tensor:
    return _t(x, "amax").amax(dim, keepdim)


def amin(x: Any, dim: Any = None, keepdim: bool = False) -> Tensor:
    return _t(x, "amin").amin(dim, keepdim)


def argmax(x: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return _t(x, "argmax").argmax(dim=dim, keepdim=keepdim)


def argmin(x: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return _t(x, "argmin").argmin(dim=dim, keepdim=keepdim)


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return _t(x, "flatten").flatten(start_dim, end_dim)


def clip(x: Any, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    return _t(x, "clip").clip(min, max)


def maximum(a: Any, b: Any) -> Tensor:
    """Element-wise max; the gradient goes to the larger input (split evenly on ties)."""
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    return Minimum.apply(a, b)


def matmul(a: Any, b: Any) -> Tensor:
    return MatMul.apply(a, b)


cat = concatenate
