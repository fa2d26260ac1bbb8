"""PyTorch's strict matrix forms: ``t``, ``mm`` and ``bmm``, checked, then computed by permute and matmul.

Unlike ``matmul`` they neither promote vectors nor broadcast batches, and mixed dtypes are an
error (as in PyTorch): the checks say which operand is at fault.
"""

from __future__ import annotations

from typing import Any

from chainrule.errors import DTypeError, ShapeError
from chainrule.ops.elementwise import Mul
from chainrule.ops.linalg import MatMul
from chainrule.ops.shape import Permute
from chainrule.tensor import Tensor, as_operand


def t(a: Tensor) -> Tensor:
    """The transpose of a matrix (a 0-d or 1-d tensor is returned as it is, as a view), as ``torch.t``."""
    if a.ndim > 2:
        raise ShapeError(f"t: expects a tensor with at most 2 dimensions, got shape {a.shape} ({a.ndim}-d); "
                         "use transpose(dim0, dim1) or .mT for batches of matrices")  # fmt: skip
    return Permute.apply(a, axes=tuple(range(a.ndim - 1, -1, -1)))


def mm(a: Any, b: Any) -> Tensor:
    """The product of matrices (n, k) @ (k, m), as ``torch.mm``: no vectors, no batches."""
    a, b = as_operand(a, "mm"), as_operand(b, "mm")
    for name, x in (("self", a), ("mat2", b)):
        if x.ndim != 2:
            raise ShapeError(f"mm: {name} must be a matrix (2-d), got shape {x.shape}; use matmul for vectors "
                             "and batches")  # fmt: skip
    _fit("mm", a, b, a.shape[1], b.shape[0])
    return MatMul.apply(a, b)


def bmm(a: Any, b: Any) -> Tensor:
    """Batched products (B, n, k) @ (B, k, m), as ``torch.bmm``: equal batch sizes, no broadcasting."""
    a, b = as_operand(a, "bmm"), as_operand(b, "bmm")
    for name, x in (("batch1", a), ("batch2", b)):
        if x.ndim != 3:
            raise ShapeError(f"bmm: {name} must be a 3-d tensor (B, n, k), got shape {x.shape}")
    if a.shape[0] != b.shape[0]:
        raise ShapeError(f"bmm: batch sizes differ: {a.shape} and {b.shape} (bmm does not broadcast; use matmul)")
    _fit("bmm", a, b, a.shape[2], b.shape[1])
    return MatMul.apply(a, b)


def dot(a: Any, b: Any) -> Tensor:
    """The inner product of two 1-d tensors of one length and dtype, as ``torch.dot``."""
    a, b = _vectors("dot", a, b)
    _fit("dot", a, b, a.shape[0], b.shape[0])
    return MatMul.apply(a, b)


def outer(a: Any, b: Any) -> Tensor:
    """``out[i, j] = a[i] * b[j]`` of two 1-d tensors, as ``torch.outer``."""
    a, b = _vectors("outer", a, b)
    return Mul.apply(a.reshape(-1, 1), b.reshape(1, -1))


def _vectors(op: str, a: Any, b: Any) -> tuple:
    a, b = as_operand(a, op), as_operand(b, op)
    for name, x in (("self", a), ("other", b)):
        if not isinstance(x, Tensor) or x.ndim != 1:
            raise ShapeError(f"{op}: {name} must be a 1-d tensor, got shape {getattr(x, 'shape', ())}")
    return a, b


def _fit(op: str, a: Tensor, b: Tensor, inner_a: int, inner_b: int) -> None:
    if inner_a != inner_b:
        raise ShapeError(f"{op}: shapes {a.shape} and {b.shape} cannot be multiplied (inner sizes {inner_a} and "
                         f"{inner_b} differ)")  # fmt: skip
    if a.dtype != b.dtype:
        raise DTypeError(f"{op}: operands must have the same dtype, got {a.dtype} and {b.dtype}; "
                         "convert one with .float() or .double()")  # fmt: skip
