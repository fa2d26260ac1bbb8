"""Function forms of the ops (``cr.exp(x)``, ``cr.where(c, a, b)`` ...), accepting arrays and numbers."""

from __future__ import annotations

from typing import Any

from chainrule.ops.elementwise import Maximum, Minimum, where
from chainrule.ops.linalg import MatMul
from chainrule.ops.shape import concatenate, stack
from chainrule.tensor import Tensor, as_operand

__all__ = [
    "abs", "cat", "clip", "concatenate", "cos", "exp", "log", "log_softmax", "logsumexp", "matmul",
    "maximum", "mean", "minimum", "relu", "sigmoid", "sin", "softmax", "sqrt", "stack", "sum",
    "tanh", "where",
]  # fmt: skip


def _t(x: Any, op: str) -> Tensor:
    if isinstance(x, (int, float)):
        from chainrule.creation import tensor

        return tensor(float(x))
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


def softmax(x: Any, axis: int = -1) -> Tensor:
    return _t(x, "softmax").softmax(axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    return _t(x, "log_softmax").log_softmax(axis)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _t(x, "logsumexp").logsumexp(axis, keepdims)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _t(x, "sum").sum(axis, keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _t(x, "mean").mean(axis, keepdims)


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
