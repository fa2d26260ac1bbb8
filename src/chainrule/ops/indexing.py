"""Indexing: ``t[key]`` (a view for basic keys), its transpose scatter-add, and ``t[key] = v`` recorded.

Keys follow PyTorch where it differs from NumPy: with integers and index arrays in one key,
PyTorch applies the integers (with the slices and None) first and the arrays to what remains, so
``x[0, :, idx]`` has shape ``(x.shape[1], len(idx))``; NumPy would put the ``idx`` axis first.
"""

from __future__ import annotations

from typing import Any

from chainrule import backend
from chainrule.autograd.function import Primitive
from chainrule.autograd.mode import state
from chainrule.backend import xp
from chainrule.ops.views import index_in_base
from chainrule.tensor import Tensor


def index_key(key: Any) -> tuple:
    """Turn Tensors and lists inside an index into arrays; refuse float and other odd keys."""
    items = key if isinstance(key, tuple) else (key,)
    out = []
    for k in items:
        if isinstance(k, Tensor):
            k = k._data
        if isinstance(k, backend.ndarray) and k.ndim == 0 and k.dtype.kind in "iu":
            k = int(k)  # a 0-d integer index is an int, as in PyTorch: a view, not a copy
        elif isinstance(k, list):
            k = xp.asarray(k) if k else xp.zeros(0, dtype=xp.intp)  # [] selects nothing (NumPy would make floats)
        if isinstance(k, backend.ndarray) and k.dtype.kind not in "iub":
            raise IndexError(f"index arrays must be integer or boolean, got dtype {k.dtype}")
        if not isinstance(k, (int, slice, type(None), type(Ellipsis), backend.ndarray, xp.integer)):
            raise IndexError(
                f"unsupported index {k!r} of type {type(k).__name__}: use ints, slices, None, "
                "..., integer arrays or boolean masks"
            )
        out.append(k)
    return tuple(out)


def _is_advanced(key: tuple) -> bool:
    return any(isinstance(k, backend.ndarray) for k in key)


def _is_int(k: Any) -> bool:
    return isinstance(k, (int, xp.integer)) and not isinstance(k, bool)


def split_key(key: tuple) -> tuple:
    """``(basic, arrays)`` with ``a[key]`` (PyTorch's sense) equal to ``a[basic][arrays]``; ``arrays`` is None
    when NumPy's ``a[key]`` already means the same (no integer beside an index array)."""
    if not (_is_advanced(key) and any(_is_int(k) for k in key)):
        return key, None
    basic, arrays = [], []
    for k in key:
        if _is_int(k):
            basic.append(k)  # its dimension is gone before the arrays apply
        elif isinstance(k, backend.ndarray):
            basic.extend([slice(None)] * (k.ndim if k.dtype == bool else 1))
            arrays.append(k)
        else:  # a slice, None or ...: applied in the basic step, passed over in the second
            basic.append(k)
            arrays.append(k if k is Ellipsis else slice(None))
    return tuple(basic), tuple(arrays)


def take(a: Any, key: tuple) -> Any:
    """``a[key]`` with PyTorch's meaning of mixed keys."""
    basic, arrays = split_key(key)
    return a[key] if arrays is None else a[basic][arrays]


def put(a: Any, key: tuple, value: Any) -> None:
    """``a[key] = value`` in place, with PyTorch's meaning of mixed keys."""
    basic, arrays = split_key(key)
    if arrays is None:
        a[key] = value
    else:
        a[basic][arrays] = value


class Index(Primitive):
    """``a[key]``; the backward scatter-adds, so repeated indices accumulate.

    Basic indexing (ints, slices, None, ...) gives a view, as in PyTorch; advanced indexing a copy.
    """

    label = "[]"
    is_view = True

    @staticmethod
    def forward(ctx, a, key):
        ctx.in_shape, ctx.key = a.shape, key
        if not any(k is Ellipsis for k in key):
            key = key + (Ellipsis,)  # a trailing ... keeps a full integer index a 0-d view, not a NumPy scalar
        return take(a, key)

    @staticmethod
    def backward(ctx, g):
        return (ScatterAdd.apply(g, key=ctx.key, shape=ctx.in_shape),)


class ScatterAdd(Primitive):
    """A zero array of ``shape`` with ``a`` added at ``key`` (the transpose of indexing)."""

    label = "scatter_add"

    @staticmethod
    def forward(ctx, a, key, shape):
        ctx.key = key
        out = xp.zeros(shape, dtype=a.dtype)
        if _is_advanced(key):
            basic, arrays = split_key(key)
            if arrays is None:
                xp.add.at(out, key, a)
            else:
                xp.add.at(out[basic], arrays, a)
        else:
            out[key] = a
        return out

    @staticmethod
    def backward(ctx, g):
        return (Index.apply(g, key=ctx.key),)


class SetItem(Primitive):
    """``a`` with ``a[key] = value``, out of place (what ``t[key] = v`` records)."""

    label = "setitem"

    @staticmethod
    def forward(ctx, a, value, key):
        ctx.key = key
        out = a.copy()
        put(out, key, value)
        kept = xp.ones(a.shape, dtype=bool)
        put(kept, key, False)
        ctx.kept = kept
        return out

    @staticmethod
    def backward(ctx, g):
        need_a, need_v = ctx.needs_input_grad
        return (
            g * Tensor._make(ctx.kept) if need_a else None,
            Index.apply(g, key=ctx.key) if need_v else None,
        )


def view_of(base: Tensor, view: Any) -> Any:
    """The node that reads the array ``view`` off ``base``'s current history (recorded even under no_grad)."""
    previous = state.grad_enabled
    state.grad_enabled = True
    try:
        return Index.apply(base, key=index_in_base(view, base._data))._grad_fn
    finally:
        state.grad_enabled = previous
