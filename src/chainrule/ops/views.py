"""Views: tensors that share memory with a base tensor, as in PyTorch.

A view op (reshape, permute, basic indexing, expand) whose result shares the operand's memory
links the result to the operand's *base* (the tensor that owns the memory) and to its version
counter. In-place ops on a view then write through to the base (see ``ops.inplace``), and the
base's new history reaches every view through ``Tensor._sync_view``, which reads the view off
the base again (``indexing.view_of``) with the index arrays computed here.
"""

from __future__ import annotations

from typing import Any

from chainrule.backend import xp
from chainrule.tensor import Tensor


def link(result: Tensor, source: Tensor) -> None:
    """Make ``result`` a view of ``source``'s base when its array shares ``source``'s memory."""
    out = result._data
    if out.base is None or out.size and not xp.may_share_memory(out, source._data):
        return  # the op had to copy (a reshape of a non-contiguous array, advanced indexing)
    result._vc = source._vc
    base = source if source._view is None else source._view[0]
    result._view = (base, base._grad_fn)


def index_in_base(view: Any, base: Any) -> tuple:
    """Index arrays (NumPy's advanced form, of ``view``'s shape) that pick ``view``'s elements out of ``base``.

    Computed from the two arrays' byte offsets and strides, so any chain of views reduces to one
    gather: the element of ``view`` at position p lives at ``base[tuple(k[p] for k in result)]``.
    """
    if base.ndim == 0:  # a view of a single value is that value, with some size-1 axes
        return (None,) * view.ndim
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    in_base = _byte_offsets(base, 0).ravel()
    wanted = _byte_offsets(view, start)
    order = xp.argsort(in_base, kind="stable")
    sorted_offsets = in_base[order]
    pos = xp.clip(xp.searchsorted(sorted_offsets, wanted), 0, max(in_base.size - 1, 0))
    flat = order[pos] if in_base.size else xp.zeros(wanted.shape, dtype=xp.intp)
    if wanted.size and not (sorted_offsets[pos] == wanted).all():
        raise AssertionError("index_in_base: the view's elements do not all lie in its base")
    return xp.unravel_index(flat, base.shape)


def _byte_offsets(a: Any, start: int) -> Any:
    """The byte offset of every element of ``a`` from ``start`` (an int array of ``a``'s shape)."""
    offsets = xp.full(a.shape, start, dtype=xp.intp)
    for axis, (n, stride) in enumerate(zip(a.shape, a.strides)):
        step = xp.arange(n, dtype=xp.intp) * stride
        offsets += step.reshape((n,) + (1,) * (a.ndim - axis - 1))
    return offsets
