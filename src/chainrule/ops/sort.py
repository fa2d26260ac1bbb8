"""Ordering: ``sort``, ``topk`` and ``nonzero``, with PyTorch's results and its NaN order.

The order is found on the array (indices carry no gradient); the values are then gathered with
those indices, so their gradient goes back to where each value came from. NaN sorts above every
number, as in PyTorch; equal values keep their order (a stable sort, also when descending).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from chainrule.backend import xp
from chainrule.errors import ShapeError
from chainrule.ops.gather import gather
from chainrule.tensor import Tensor, dim_index

SortResult = namedtuple("sort", ["values", "indices"])
SortResult.__doc__ = "``t.sort(dim)``: the sorted values and where each came from, as PyTorch returns them."
TopKResult = namedtuple("topk", ["values", "indices"])
TopKResult.__doc__ = "``t.topk(k)``: the k largest (or smallest) values and their indices, as PyTorch returns them."


def order(a: Any, axis: int, descending: bool) -> Any:
    """Stable argsort of array ``a`` along ``axis`` (NaN last ascending, first descending), as int64."""
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    flipped = xp.argsort(xp.flip(a, axis), axis=axis, kind="stable")  # ties in reversed order ...
    return (n - 1) - xp.flip(flipped, axis)  # ... reversed back: descending, ties in their own order


def sort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:
    """``(values, indices)`` of ``a`` sorted along ``dim``; always stable (``stable`` is accepted for PyTorch)."""
    d = dim_index(dim, a.ndim, "sort")
    idx = order(a._data, d, descending) if a.ndim else xp.zeros((), xp.int64)
    idx = Tensor._make(idx.astype(xp.int64, copy=False))
    return SortResult(gather(a, d, idx), idx)


def topk(a: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopKResult:  # noqa: A002
    """The ``k`` largest (``largest=False``: smallest) values along ``dim`` and their indices, largest first.

    Among equal values the earlier index comes first. The result is in sorted order whether or
    not ``sorted`` is set (PyTorch leaves the order unspecified without it).
    """
    d = dim_index(dim, a.ndim, "topk")
    n = a.shape[d] if a.ndim else 1
    if not isinstance(k, (int, xp.integer)) or isinstance(k, bool) or not 0 <= k <= n:
        raise ShapeError(f"topk: k must be an int in [0, {n}] (the size of dimension {d} of shape {a.shape}), "
                         f"got {k!r}")  # fmt: skip
    if a.ndim == 0:  # the one value (PyTorch returns it for k = 0 too)
        return TopKResult(*sort(a))
    idx = xp.take(order(a._data, d, descending=largest), xp.arange(k), axis=d)
    idx = Tensor._make(idx.astype(xp.int64, copy=False))
    return TopKResult(gather(a, d, idx), idx)


def nonzero(a: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of the non-zero elements, in row-major order: an int64 tensor (count, ndim), or with
    ``as_tuple`` one 1-d tensor per dimension (a 0-d tensor counts as 1-d, as in PyTorch)."""
    data = a._data
    if as_tuple:
        return tuple(Tensor._make(i.astype(xp.int64, copy=False)) for i in xp.nonzero(xp.atleast_1d(data)))
    return Tensor._make(xp.argwhere(data).astype(xp.int64, copy=False))
