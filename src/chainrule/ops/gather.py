"""Index-along-a-dimension ops: ``gather``, ``scatter``, ``scatter_add`` and ``masked_fill``, as in PyTorch.

``gather(dim, index)`` reads ``a[..., index[i, j, k], ...]`` with ``index`` taking the place of
the coordinate ``dim``. Each becomes one advanced index of every axis (``along``), so the work is
done by the indexing ops, whose gradients are exact to any order: gather's is a scatter-add
(repeated indices accumulate), scatter's passes the upstream gradient around the written places
and gathers it for the source, and masked_fill's is a ``where``.
"""

from __future__ import annotations

from typing import Any

from chainrule.backend import xp
from chainrule.errors import DTypeError, ShapeError
from chainrule.ops.elementwise import Where
from chainrule.ops.indexing import Index, ScatterAdd, SetItem
from chainrule.tensor import Tensor, as_operand, dim_index


def _index_array(op: str, index: Any) -> Any:
    """The index as an integer array (PyTorch takes int64 or int32)."""
    idx = index._data if isinstance(index, Tensor) else xp.asarray(index)
    if idx.dtype.kind not in "iu":
        raise DTypeError(f"{op}: index must hold integers (int64 or int32), got dtype {idx.dtype}")
    return idx


def along(op: str, shape: tuple, dim: int, index: Any, src_shape: tuple | None = None) -> tuple:
    """``(d, key)``: the axis, and the advanced index of ``shape`` (a 0-d shape read as (1,)) that puts
    ``index`` at coordinate ``d`` and every other coordinate where the index element sits.

    As PyTorch checks: ``index`` has as many dimensions as the input, is no larger than it along
    the other axes (nor than ``src``, for scatter), and holds values in [0, shape[d]).
    """
    idx = _index_array(op, index)
    d = dim_index(dim, len(shape), op)
    full, ishape = shape or (1,), idx.shape or (1,)
    if len(ishape) != len(full):
        raise ShapeError(f"{op}: index must have as many dimensions as the input, got index of shape {idx.shape} "
                         f"for input of shape {shape}")  # fmt: skip
    too_big = [i for i, (m, n) in enumerate(zip(ishape, full)) if i != d and m > n]
    if src_shape is not None:
        too_big += [i for i, (m, n) in enumerate(zip(ishape, src_shape or (1,))) if m > n]
    if too_big:
        source = "" if src_shape is None else f" and no larger than src {src_shape} along any dimension"
        raise ShapeError(f"{op}: index of shape {idx.shape} must be no larger than the input {shape} apart from "
                         f"dimension {d}{source} (too large along dimension {too_big[0]})")  # fmt: skip
    if idx.size and not (0 <= idx.min() and idx.max() < full[d]):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"{op}: index {bad} is out of bounds for dimension {d} with size {full[d]} "
                         f"(valid: 0 to {full[d] - 1})")  # fmt: skip
    key = list(xp.indices(ishape, sparse=True))
    key[d] = idx.reshape(ishape)
    return d, tuple(key)


def _one_d(t: Tensor) -> Tensor:
    """A 0-d tensor as shape (1,) (PyTorch's index ops treat it so); others unchanged."""
    return t.reshape(1) if t.ndim == 0 else t


def gather(a: Tensor, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = a[index[i][j]][j]`` for dim 0 (and so on): an output of ``index``'s shape.

    >>> cr.tensor([[1., 2.], [3., 4.]]).gather(1, cr.tensor([[0, 0], [1, 0]]))   # [[1, 1], [4, 3]]
    """
    if sparse_grad:
        raise ValueError("gather: sparse_grad=True is not supported (chainrule has no sparse tensors)")
    _, key = along("gather", a.shape, dim, index)
    out = Index.apply(_one_d(a), key=key)
    return out.reshape(()) if xp.ndim(_index_array("gather", index)) == 0 else out


def scatter(a: Tensor, dim: int, index: Any, src: Any = None, value: Any = None, *, reduce: str | None = None,
            add: bool = False) -> Tensor:  # fmt: skip
    """A copy of ``a`` with ``src[i][j]`` written at ``[index[i][j]][j]`` (dim 0), or the number ``value``.

    Where ``index`` repeats a place, the last write wins (PyTorch leaves the order unspecified);
    with ``add`` (``scatter_add``) the values add up there instead. Only ``src``'s first
    ``index.shape`` elements are read; the others receive a zero gradient.
    """
    op = "scatter_add" if add else "scatter"
    if reduce is not None:
        raise ValueError(f"{op}: reduce= is not supported (PyTorch deprecates it, and has no gradient for it); "
                         "use scatter_add for reduce='add'")  # fmt: skip
    if (src is None) == (value is None):
        raise TypeError(f"{op}: give exactly one of src (a tensor) and value (a number)")
    if value is not None or not isinstance(src, (Tensor, xp.ndarray, list, tuple)):
        if add:
            raise TypeError(f"scatter_add: src must be a tensor, got {type(src if value is None else value).__name__}")
        return _written(a, along(op, a.shape, dim, index)[1], src if value is None else value)
    src = as_operand(src, op)
    if src.dtype != a.dtype:
        raise DTypeError(f"{op}: src must have the input's dtype {a.dtype}, got {src.dtype}; convert it with "
                         ".to(dtype)")  # fmt: skip
    d, key = along(op, a.shape, dim, index, src.shape)
    part = _one_d(src)[tuple(slice(0, n) for n in key[d].shape)]
    if add:
        out = _one_d(a) + ScatterAdd.apply(part, key=key, shape=_one_d(a).shape)
        return out.reshape(()) if a.ndim == 0 else out
    return _written(a, key, part)


def _written(a: Tensor, key: tuple, value: Any) -> Tensor:
    """``a`` with ``value`` written at ``key``, out of place."""
    if not isinstance(value, Tensor):
        value = xp.asarray(value).astype(a.dtype)  # a number takes the input's dtype, as in PyTorch
    out = SetItem.apply(_one_d(a), value, key=key)
    return out.reshape(()) if a.ndim == 0 else out


def masked_fill(a: Tensor, mask: Any, value: Any) -> Tensor:
    """``value`` where ``mask`` is True, ``a`` elsewhere (they broadcast); ``value`` is a number or a 0-d tensor,
    converted to ``a``'s dtype. A tensor ``value`` receives the gradient of every filled element."""
    m = mask._data if isinstance(mask, Tensor) else xp.asarray(mask)
    if m.dtype != bool:
        raise DTypeError(f"masked_fill: the mask must be boolean, got dtype {m.dtype}; compare to make one "
                         "(e.g. x > 0)")  # fmt: skip
    if isinstance(value, Tensor):
        if value.ndim:
            raise ShapeError(f"masked_fill: a tensor value must be 0-d, got shape {value.shape}")
        value = value if value.dtype == a.dtype else value.to(a.dtype)
    else:
        value = xp.asarray(value).astype(a.dtype)
    try:
        return Where.apply(value, a, cond=m)
    except ValueError as exc:
        raise ShapeError(f"masked_fill: mask of shape {m.shape} does not broadcast with the input's {a.shape}") from exc
