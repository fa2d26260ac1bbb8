"""PyTorch's picking ops as compositions of indexing: ``flip``, ``unbind``, ``index_select``, ``diagonal``.

Each is one ``Index`` (the gradient scatters back); ``flip`` and ``diagonal`` return copies, as
``index_select`` does (PyTorch's ``diagonal`` is a view).
"""

from __future__ import annotations

from typing import Any

from chainrule.backend import xp
from chainrule.errors import ShapeError
from chainrule.ops.indexing import Index
from chainrule.tensor import Tensor, _axes, dim_index


def _along(d: int, item: Any) -> tuple:
    """The index key that applies ``item`` to dimension ``d`` and leaves the others whole."""
    return (slice(None),) * d + (item, Ellipsis)


def flip(t: Tensor, dims: Any) -> Tensor:
    """``t`` reversed along each of ``dims`` (an int or a sequence), a copy, as ``torch.flip``."""
    axes = _axes(dims if isinstance(dims, (tuple, list)) else (dims,), t.ndim, "flip")
    if t.ndim == 0:
        return t.clone()
    key = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(t.ndim))
    return Index.apply(t, key=key).clone()


def unbind(t: Tensor, dim: int = 0) -> tuple:
    """The slices of ``t`` along ``dim``, each without that dimension (views), as ``torch.unbind``."""
    if t.ndim == 0:
        raise IndexError("unbind: a 0-d tensor has no dimension to unbind")
    d = dim_index(dim, t.ndim, "unbind")
    return tuple(Index.apply(t, key=_along(d, i)) for i in range(t.shape[d]))


def index_select(t: Tensor, dim: int, index: Any) -> Tensor:
    """The entries of ``t`` at the 1-D integer ``index`` along ``dim`` (a copy), as ``torch.index_select``."""
    idx = index._data if isinstance(index, Tensor) else xp.asarray(index)
    if idx.ndim > 1 or idx.dtype.kind not in "iu":
        raise IndexError(f"index_select: the index must be a 0-d or 1-d integer tensor, got {idx.dtype} {idx.shape}")
    d = dim_index(dim, t.ndim, "index_select")
    if t.ndim == 0:
        return Index.apply(t.reshape(1), key=(idx.reshape(-1),)).reshape(idx.shape)
    return Index.apply(t, key=_along(d, idx.reshape(-1)))


def diagonal(t: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of ``t`` over ``dim1`` and ``dim2`` (``offset`` above it), put last, as ``torch.diagonal``."""
    if t.ndim < 2:
        raise ShapeError(f"diagonal: needs at least 2 dimensions, got shape {tuple(t.shape)}")
    d1, d2 = dim_index(dim1, t.ndim, "diagonal"), dim_index(dim2, t.ndim, "diagonal")
    if d1 == d2:
        raise ValueError(f"diagonal: dim1 and dim2 must differ, both are {d1}")
    rest = [i for i in range(t.ndim) if i not in (d1, d2)]
    moved = t.permute(*rest, d1, d2)
    n1, n2 = t.shape[d1], t.shape[d2]
    start1, start2 = max(-offset, 0), max(offset, 0)
    n = max(min(n1 - start1, n2 - start2), 0)
    rows = xp.arange(start1, start1 + n)
    return Index.apply(moved, key=(Ellipsis, rows, rows - start1 + start2))
