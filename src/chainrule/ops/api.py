"""Function forms of the ops (``cr.exp(x)``, ``cr.where(c, a, b)`` ...), accepting arrays and numbers."""

from __future__ import annotations

from typing import Any

from chainrule.ops import compare, matrices
from chainrule.ops import elementwise as _elementwise
from chainrule.ops import gather as gather_ops
from chainrule.ops import sort as sort_ops
from chainrule.ops.close import allclose
from chainrule.ops.division import floor_divide, fmod, remainder
from chainrule.ops.einsum import einsum
from chainrule.ops.elementwise import Maximum, Minimum, Pow
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
    "all", "any", "argsort", "count_nonzero", "diagonal", "dot", "einsum", "expm1", "flip", "index_select",
    "isfinite", "isinf", "isnan", "log1p", "logical_and", "logical_not", "logical_or", "numel", "outer", "pow",
    "reshape", "round", "rsqrt", "sign", "square", "squeeze", "std_mean", "transpose", "unbind", "unsqueeze",
    "var_mean",
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


_MISSING = object()


def where(condition: Any, input: Any = _MISSING, other: Any = _MISSING) -> Any:  # noqa: A002
    """``input`` where ``condition`` is true and ``other`` elsewhere (they broadcast), as ``torch.where``;
    with the condition alone, the indices of its true elements, one tensor per dimension."""
    if input is _MISSING and other is _MISSING:
        return nonzero(condition, as_tuple=True)
    if input is _MISSING or other is _MISSING:
        raise TypeError("where: give the condition alone, or the condition, input and other")
    return _elementwise.where(condition, input, other)


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001
    """``input ** exponent``; either may be a number, the other a tensor (they broadcast), as ``torch.pow``."""
    return Pow.apply(input, exponent)


def reshape(input: Any, shape: Any) -> Tensor:  # noqa: A002
    """The same elements in ``shape`` (``-1`` infers one size), as ``torch.reshape`` (:meth:`Tensor.reshape`)."""
    return _t(input, "reshape").reshape(shape)


def transpose(input: Any, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Dimensions ``dim0`` and ``dim1`` swapped, as a view, as ``torch.transpose``."""
    return _t(input, "transpose").transpose(dim0, dim1)


def squeeze(input: Any, dim: Any = None) -> Tensor:  # noqa: A002
    """Size-1 dimensions dropped (all, or those in ``dim``), as ``torch.squeeze``."""
    return _t(input, "squeeze").squeeze(dim=dim)


def unsqueeze(input: Any, dim: int) -> Tensor:  # noqa: A002
    """A size-1 dimension inserted at ``dim``, as ``torch.unsqueeze``."""
    return _t(input, "unsqueeze").unsqueeze(dim=dim)


def flip(input: Any, dims: Any) -> Tensor:  # noqa: A002
    """Reversed along each of ``dims``, a copy, as ``torch.flip``."""
    return _t(input, "flip").flip(dims)


def all(input: Any, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """Whether every element is non-zero (of all, or over ``dim``), as ``torch.all``."""
    return _t(input, "all").all(dim, keepdim)


def any(input: Any, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """Whether any element is non-zero (of all, or over ``dim``), as ``torch.any``."""
    return _t(input, "any").any(dim, keepdim)


def count_nonzero(input: Any, dim: Any = None) -> Tensor:  # noqa: A002
    """The int64 number of non-zero elements (of all, or over ``dim``), as ``torch.count_nonzero``."""
    return _t(input, "count_nonzero").count_nonzero(dim)


def numel(input: Tensor) -> int:  # noqa: A002
    """The number of elements, as ``torch.numel``."""
    return input.numel()


def var_mean(input: Any, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,  # noqa: A002
             correction: int = 1) -> tuple:  # fmt: skip
    """``(var, mean)`` over ``dim`` (all by default), in :meth:`Tensor.var`'s forms, as ``torch.var_mean``."""
    x = _t(input, "var_mean")
    if isinstance(dim, bool):  # var_mean(x, unbiased)
        dim, unbiased = None, dim
    return x.var(dim, unbiased, keepdim, correction=correction), x.mean(dim=dim, keepdim=keepdim)


def std_mean(input: Any, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,  # noqa: A002
             correction: int = 1) -> tuple:  # fmt: skip
    """``(std, mean)`` over ``dim`` (all by default), in :meth:`Tensor.var`'s forms, as ``torch.std_mean``."""
    var, mean = var_mean(input, dim, unbiased, keepdim, correction=correction)
    return var.sqrt(), mean


def logical_not(input: Any) -> Tensor:  # noqa: A002
    """True where ``input`` is zero (a boolean tensor), as ``torch.logical_not``."""
    return compare.logical_not(input)


def logical_and(input: Any, other: Any) -> Tensor:  # noqa: A002
    """True where both are non-zero (they broadcast), as ``torch.logical_and``."""
    return compare.logical_and(input, other)


def logical_or(input: Any, other: Any) -> Tensor:  # noqa: A002
    """True where either is non-zero (they broadcast), as ``torch.logical_or``."""
    return compare.logical_or(input, other)


def isnan(input: Any) -> Tensor:  # noqa: A002
    """True where ``input`` is NaN, as ``torch.isnan``."""
    return compare.isnan(input)


def isinf(input: Any) -> Tensor:  # noqa: A002
    """True where ``input`` is +inf or −inf, as ``torch.isinf``."""
    return compare.isinf(input)


def isfinite(input: Any) -> Tensor:  # noqa: A002
    """True where ``input`` is neither NaN nor infinite, as ``torch.isfinite``."""
    return compare.isfinite(input)


# PyTorch's functions of the Tensor methods of the same names.
def log1p(input: Any) -> Tensor:  # noqa: A002
    """log(1 + x), accurate for small x, as ``torch.log1p``."""
    return _t(input, "log1p").log1p()


def expm1(input: Any) -> Tensor:  # noqa: A002
    """eˣ − 1, accurate for small x, as ``torch.expm1``."""
    return _t(input, "expm1").expm1()


def square(input: Any) -> Tensor:  # noqa: A002
    """x², element-wise, as ``torch.square``."""
    return _t(input, "square").square()


def rsqrt(input: Any) -> Tensor:  # noqa: A002
    """1/√x, element-wise, as ``torch.rsqrt``."""
    return _t(input, "rsqrt").rsqrt()


def sign(input: Any) -> Tensor:  # noqa: A002
    """−1, 0 or +1 by each element's sign, as ``torch.sign``; no gradient."""
    return _t(input, "sign").sign()


def round(input: Any, *, decimals: int = 0) -> Tensor:  # noqa: A001, A002
    """Rounded half to even (to ``decimals`` places), as ``torch.round``; no gradient."""
    return _t(input, "round").round(decimals)


def argsort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:  # noqa: A002
    """The int64 indices that sort ``input`` along ``dim``, as ``torch.argsort``."""
    return _t(input, "argsort").argsort(dim, descending, stable)


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal over ``dim1`` and ``dim2``, as its last dimension, as ``torch.diagonal`` (a copy)."""
    return _t(input, "diagonal").diagonal(offset, dim1, dim2)


def index_select(input: Any, dim: int, index: Any) -> Tensor:  # noqa: A002
    """The entries at the 1-D integer ``index`` along ``dim``, as ``torch.index_select``."""
    return _t(input, "index_select").index_select(dim, index)


def unbind(input: Any, dim: int = 0) -> tuple:  # noqa: A002
    """The slices along ``dim``, each without that dimension, as ``torch.unbind``."""
    return _t(input, "unbind").unbind(dim)


dot = matrices.dot
outer = matrices.outer
