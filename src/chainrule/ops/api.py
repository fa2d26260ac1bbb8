"""Function forms of the ops (``cr.exp(x)``, ``cr.where(c, a, b)`` ...), accepting arrays and numbers."""

from __future__ import annotations

from typing import Any

from chainrule.ops import gather as gather_ops
from chainrule.ops import matrices
from chainrule.ops import sort as sort_ops
from chainrule.ops.close import allclose
from chainrule.ops.division import floor_divide, fmod, remainder
from chainrule.ops.elementwise import Maximum, Minimum, where
from chainrule.ops.linalg import MatMul
from chainrule.ops.shape import concatenate, stack
from chainrule.ops.tiling import chunk as _chunk
from chainrule.ops.tiling import split as _split
from chainrule.tensor import Tensor, as_operand

__all__ = [
    "abs", "amax", "amin", "argmax", "argmin", "cat", "clip", "concatenate", "cos", "exp", "flatten", "log",
    "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean", "min", "minimum", "relu", "sigmoid", "sin",
    "softmax", "sqrt", "stack", "sum", "tanh", "where",
    "allclose", "bmm", "chunk", "clamp", "cumprod", "cumsum", "erf", "gather", "masked_fill", "mm", "nonzero", "norm",
    "prod", "scatter", "scatter_add", "sort", "split", "std", "t", "tile", "topk", "var",
    "floor_divide", "fmod", "remainder",
]  # fmt: skip


def _t(x: Any, op: str) -> Tensor:
    if isinstance(x, (int, float)):
        return Tensor(float(x))
    return as_operand(x, op)


def exp(x: Any) -> Tensor:
    """eˣ, element-wise, of a tensor, an array or a number (:meth:`Tensor.exp`)."""
    return _t(x, "exp").exp()


def log(x: Any) -> Tensor:
    """The natural logarithm, element-wise, of a tensor, an array or a number (:meth:`Tensor.log`)."""
    return _t(x, "log").log()


def sqrt(x: Any) -> Tensor:
    """√x, element-wise, of a tensor, an array or a number (:meth:`Tensor.sqrt`)."""
    return _t(x, "sqrt").sqrt()


def abs(x: Any) -> Tensor:  # noqa: A001 - mirrors torch.abs
    """|x|, element-wise, of a tensor, an array or a number (:meth:`Tensor.abs`)."""
    return _t(x, "abs").abs()


def sin(x: Any) -> Tensor:
    """sin x, element-wise, of a tensor, an array or a number (:meth:`Tensor.sin`)."""
    return _t(x, "sin").sin()


def cos(x: Any) -> Tensor:
    """cos x, element-wise, of a tensor, an array or a number (:meth:`Tensor.cos`)."""
    return _t(x, "cos").cos()


def tanh(x: Any) -> Tensor:
    """tanh x, element-wise, of a tensor, an array or a number (:meth:`Tensor.tanh`)."""
    return _t(x, "tanh").tanh()


def sigmoid(x: Any) -> Tensor:
    """σ(x) = 1 / (1 + e^−x), element-wise, of a tensor, an array or a number (:meth:`Tensor.sigmoid`)."""
    return _t(x, "sigmoid").sigmoid()


def relu(x: Any) -> Tensor:
    """max(x, 0), element-wise, of a tensor, an array or a number (:meth:`Tensor.relu`)."""
    return _t(x, "relu").relu()


# NumPy's axis/keepdims and PyTorch's dim/keepdim, as the Tensor methods take them.
def softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """eˣ / Σ eˣ along ``axis``/``dim`` (the last by default), computed stably (:meth:`Tensor.softmax`)."""
    return _t(x, "softmax").softmax(axis, dim=dim)


def log_softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """x − logsumexp(x) along ``axis``/``dim`` (the last by default) (:meth:`Tensor.log_softmax`)."""
    return _t(x, "log_softmax").log_softmax(axis, dim=dim)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
              keepdim: bool | None = None) -> Tensor:  # fmt: skip
    """log Σ eˣ over ``axis``/``dim`` (all by default), computed stably (:meth:`Tensor.logsumexp`)."""
    return _t(x, "logsumexp").logsumexp(axis, keepdims, dim=dim, keepdim=keepdim)


def sum(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None,  # noqa: A001
        keepdim: bool | None = None) -> Tensor:  # fmt: skip
    """The sum over ``axis``/``dim`` (all elements by default), as ``numpy.sum`` and ``torch.sum`` (:meth:`Tensor.sum`).
"""
    return _t(x, "sum").sum(axis, keepdims, dim=dim, keepdim=keepdim)


def mean(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None) -> Tensor:
    """The mean over ``axis``/``dim`` (all elements by default), as ``numpy.mean`` and ``torch.mean``
    (:meth:`Tensor.mean`)."""
    return _t(x, "mean").mean(axis, keepdims, dim=dim, keepdim=keepdim)


def max(x: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Any:  # noqa: A001
    """``torch.max``: of every element, ``(values, indices)`` along ``dim``, or ``max(a, b)`` element-wise."""
    return _t(x, "max").max(dim, keepdim, axis=axis, keepdims=keepdims)


def min(x: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Any:  # noqa: A001
    """``torch.min``: the forms of :func:`max`."""
    return _t(x, "min").min(dim, keepdim, axis=axis, keepdims=keepdims)


def amax(x: Any, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The largest values over ``dim`` (all by default), without indices, as ``torch.amax``."""
    return _t(x, "amax").amax(dim, keepdim)


def amin(x: Any, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The smallest values over ``dim`` (all by default), without indices, as ``torch.amin``."""
    return _t(x, "amin").amin(dim, keepdim)


def argmax(x: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The int64 index of the largest value (of all elements flattened, or along ``dim``), as ``torch.argmax``."""
    return _t(x, "argmax").argmax(dim=dim, keepdim=keepdim)


def argmin(x: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The int64 index of the smallest value (of all elements flattened, or along ``dim``), as ``torch.argmin``."""
    return _t(x, "argmin").argmin(dim=dim, keepdim=keepdim)


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dimensions ``start_dim`` to ``end_dim`` merged into one (all by default), as ``torch.flatten``."""
    return _t(x, "flatten").flatten(start_dim, end_dim)


def clip(x: Any, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """``torch.clamp``/``clip``: into [min, max]; either bound a number, a tensor (broadcasting) or None."""
    return _t(x, "clip").clip(min, max)


clamp = clip


def maximum(a: Any, b: Any) -> Tensor:
    """Element-wise max; the gradient goes to the larger input (split evenly on ties)."""
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Element-wise min; the gradient goes to the smaller input (split evenly on ties)."""
    return Minimum.apply(a, b)


def matmul(a: Any, b: Any) -> Tensor:
    """``a @ b`` with NumPy's rules (vectors, and batches that broadcast), as ``torch.matmul``."""
    return MatMul.apply(a, b)


cat = concatenate


def erf(x: Any) -> Tensor:
    """The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, element-wise (:meth:`Tensor.erf`)."""
    return _t(x, "erf").erf()


# PyTorch's functions of the Tensor methods of the same names (whose docstrings say more).
def t(input: Any) -> Tensor:
    """A matrix transposed (0-d and 1-d tensors as they are), as ``torch.t``."""
    return matrices.t(_t(input, "t"))


mm = matrices.mm
bmm = matrices.bmm


def var(input: Any, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: int = 1,
        axis: Any = None, keepdims: bool | None = None) -> Tensor:  # fmt: skip
    """The variance, in :meth:`Tensor.var`'s forms (Bessel's correction by default), as ``torch.var``."""
    return _t(input, "var").var(dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)


def std(input: Any, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: int = 1,
        axis: Any = None, keepdims: bool | None = None) -> Tensor:  # fmt: skip
    """The standard deviation √var, in :meth:`Tensor.var`'s forms, as ``torch.std``."""
    return _t(input, "std").std(dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)


def norm(input: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """The vector p-norm over ``dim`` (all elements by default), as ``torch.norm`` (:meth:`Tensor.norm`)."""
    return _t(input, "norm").norm(p, dim, keepdim, dtype)


def prod(input: Any, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The product of all elements, or over one dimension, as ``torch.prod`` (:meth:`Tensor.prod`)."""
    return _t(input, "prod").prod(dim, keepdim, dtype=dtype)


def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sums along ``dim``, as ``torch.cumsum`` (:meth:`Tensor.cumsum`)."""
    return _t(input, "cumsum").cumsum(dim, dtype=dtype)


def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Tensor:
    """Running products along ``dim``, as ``torch.cumprod`` (:meth:`Tensor.cumprod`)."""
    return _t(input, "cumprod").cumprod(dim, dtype=dtype)


def gather(input: Any, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
    """Values picked along ``dim`` at ``index``, as ``torch.gather`` (:meth:`Tensor.gather`)."""
    return gather_ops.gather(_t(input, "gather"), dim, index, sparse_grad=sparse_grad)


def scatter(input: Any, dim: int, index: Any, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:  # fmt: skip
    """A copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``, as ``torch.scatter``."""
    return gather_ops.scatter(_t(input, "scatter"), dim, index, src, value, reduce=reduce)


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats add up), as ``torch.scatter_add``."""
    return gather_ops.scatter(_t(input, "scatter_add"), dim, index, src, add=True)


def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:
    """``value`` where the boolean ``mask`` is True, ``input`` elsewhere, as ``torch.masked_fill``."""
    return gather_ops.masked_fill(_t(input, "masked_fill"), mask, value)


def tile(input: Any, dims: Any) -> Tensor:
    """``input`` repeated ``dims[i]`` times along dimension i, as ``torch.tile`` (:meth:`Tensor.tile`)."""
    return _t(input, "tile").tile(dims)


def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Views along ``dim`` of ``split_size_or_sections`` elements each, or of the listed sizes, as ``torch.split``."""
    return _split(_t(tensor, "split"), split_size_or_sections, dim)


def chunk(input: Any, chunks: int, dim: int = 0) -> tuple:
    """``chunks`` views along ``dim`` of ⌈n / chunks⌉ elements each, as ``torch.chunk``."""
    return _chunk(_t(input, "chunk"), chunks, dim)


def sort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """``(values, indices)`` sorted along ``dim``, as ``torch.sort`` (:meth:`Tensor.sort`)."""
    return sort_ops.sort(_t(input, "sort"), dim, descending, stable)


def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
    """``(values, indices)`` of the ``k`` largest (or smallest) along ``dim``, as ``torch.topk``."""
    return sort_ops.topk(_t(input, "topk"), k, dim, largest, sorted)


def nonzero(input: Any, *, as_tuple: bool = False) -> Any:
    """The int64 indices of the non-zero elements, as ``torch.nonzero`` (:meth:`Tensor.nonzero`)."""
    return sort_ops.nonzero(_t(input, "nonzero"), as_tuple=as_tuple)
