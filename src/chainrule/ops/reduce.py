"""Reductions: sum, mean, max, min, var, logsumexp over an axis, several axes or all.

Each backward reshapes the upstream gradient to the kept-dims shape and lets it
broadcast back over the reduced axes.
"""

from __future__ import annotations

import math
from typing import Any

from chainrule import backend
from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.errors import ShapeError
from chainrule.ops.activation import _floating, reduce_kept, safe_max
from chainrule.tensor import Tensor


def _kept_shape(shape: tuple, axis: Any) -> tuple:
    """``shape`` with the reduced axes set to 1 (what ``keepdims=True`` gives)."""
    if axis is None:
        return (1,) * len(shape)
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _count(shape: tuple, axis: Any) -> int:
    """How many elements each output element of the reduction summarises."""
    axes = range(len(shape)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    n = 1
    for i in axes:
        n *= shape[i]
    return n


def _axis_of(a: Any, axis: Any) -> Any:
    """The axis argument as NumPy takes it: a 0-d tensor has one element, and its axis 0 (or -1) means all of it."""
    return None if a.ndim == 0 else axis


def _expand_back(g: Tensor, in_shape: tuple, axis: Any) -> Tensor:
    """The upstream gradient broadcast over the axes that were reduced."""
    return g.reshape(_kept_shape(in_shape, axis)).expand(in_shape)


class Sum(Primitive):
    label = "sum"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.in_shape, ctx.axis = a.shape, axis
        return xp.sum(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return (_expand_back(g, ctx.in_shape, ctx.axis),)


class Mean(Primitive):
    """The mean over ``axis``; over no elements it is NaN, quietly (as in PyTorch)."""

    label = "mean"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.in_shape, ctx.axis = a.shape, _axis_of(a, axis)
        a = _floating(a)
        if not a.size:  # NumPy would warn "Mean of empty slice"
            with backend.errstate():
                return xp.divide(xp.sum(a, axis=ctx.axis, keepdims=keepdims), _count(a.shape, ctx.axis))
        return xp.mean(a, axis=ctx.axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        n = _count(ctx.in_shape, ctx.axis)  # 0: an empty gradient, and no g / 0 in its derivative (see loss._scale)
        return (_expand_back(g / n if n else g, ctx.in_shape, ctx.axis),)


class _Extreme(Primitive):
    """max/min: the gradient goes to the extreme element(s), as the matching PyTorch form sends it.

    ``select`` names the form: "equal" (``amax``/``amin``): the elements equal to the result share
    it, and a NaN result gives NaN gradients; "all" (``max()``/``min()`` of every element): the same,
    except that a NaN result's gradient goes to the NaN elements; "index" (``max(dim)``/``min(dim)``):
    all of it to the first extreme element, the one argmax/argmin names. By default "all" when
    reducing every axis, else "equal".
    """

    saves_inputs = True
    saves_output = True
    reducer: Any = None
    arg: Any = None  # xp.argmax or xp.argmin

    @classmethod
    def forward(cls, ctx, a, axis=None, keepdims=False, select=None):
        axis = _axis_of(a, axis)
        if a.size == 0 and _count(a.shape, axis) == 0:  # PyTorch raises too: a max of nothing has no value
            where = "" if axis is None else f"axis {axis} of "
            raise ShapeError(
                f"{cls.label}: {where}a tensor of shape {a.shape} has no elements, and the {cls.label} "
                "of no elements is undefined; reduce only over axes of non-zero size"
            )
        select = select or ("all" if axis is None else "equal")
        if select not in _SHARES or (select == "index" and isinstance(axis, tuple)):
            raise ValueError(f"{cls.label}: select must be 'equal', 'all' or 'index' (one axis), got {select!r}")
        ctx.axis, ctx.keepdims, ctx.select = axis, keepdims, select
        return cls.reducer(a, axis=axis, keepdims=keepdims)

    @classmethod
    def backward(cls, ctx, g):
        (a,) = ctx.saved_inputs
        kept = _kept_shape(a.shape, ctx.axis)
        share = _SHARES[ctx.select](cls, a._data, ctx.saved_output._data.reshape(kept), ctx.axis)
        return (g.reshape(kept) * Tensor._make(share.astype(g.dtype, copy=False)),)

    @classmethod
    def branches(cls, node) -> Any:
        """Which elements are the extreme ones (gradcheck flags a change as a kink)."""
        a = node.inputs[0]._data
        return a == cls.reducer(a, axis=node.axis, keepdims=True)


def _equal_share(cls: type, a: Any, out: Any, axis: Any) -> Any:
    """1/k for each of the k elements equal to the result (0/0 = NaN when the result is NaN)."""
    hits = a == out
    with backend.errstate():
        return hits / hits.sum(axis=axis, keepdims=True)


def _all_share(cls: type, a: Any, out: Any, axis: Any) -> Any:
    """As ``_equal_share``, a NaN result counting as equal to the NaN elements (it came from them)."""
    hits = a == out
    if xp.isnan(out).any():
        hits |= xp.isnan(a) & xp.isnan(out)
    return hits / hits.sum(axis=axis, keepdims=True)


def _index_share(cls: type, a: Any, out: Any, axis: Any) -> Any:
    """1 for the first extreme element (NaN first, as argmax/argmin and PyTorch pick), 0 elsewhere."""
    hits = xp.zeros(a.shape, dtype=bool)
    if axis is None:  # a 0-d tensor
        hits.flat[cls.arg(a)] = True
    else:
        xp.put_along_axis(hits, cls.arg(a, axis=axis, keepdims=True), True, axis=axis)
    return hits


_SHARES = {"equal": _equal_share, "all": _all_share, "index": _index_share}


class Max(_Extreme):
    label = "max"
    reducer = staticmethod(xp.max)
    arg = staticmethod(xp.argmax)


class Min(_Extreme):
    label = "min"
    reducer = staticmethod(xp.min)
    arg = staticmethod(xp.argmin)


class Var(Primitive):
    """Σ(a − mean)² / max(0, n − correction) over ``axis``.

    With n ≤ correction the division is by 0, as in PyTorch: the value is inf (NaN when every
    element equals the mean, e.g. a single one), and so is each gradient, with its sign.
    """

    label = "var"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False, correction=1):
        ctx.axis, ctx.correction = _axis_of(a, axis), correction
        a = _floating(a)
        centred = a - xp.mean(a, axis=ctx.axis, keepdims=True) if a.size else a
        with backend.errstate():
            return xp.divide(xp.sum(centred * centred, axis=ctx.axis, keepdims=keepdims), _dof(a.shape, ctx))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        dof = _dof(a.shape, ctx)
        centred = a - a.mean(axis=ctx.axis, keepdims=True)
        return (g.reshape(_kept_shape(a.shape, ctx.axis)) * centred * (2.0 / dof if dof else math.inf),)


def _dof(shape: tuple, ctx: Any) -> int:
    """The divisor of the variance: n − correction, never below 0."""
    return max(0, _count(shape, ctx.axis) - ctx.correction)


def var(a: Tensor, axis: Any, keepdims: bool, correction: int) -> Tensor:
    """Variance of ``a`` (``correction=1``: the unbiased estimate, PyTorch's default)."""
    return Var.apply(a, axis=axis, keepdims=keepdims, correction=correction)


class LogSumExp(Primitive):
    """log Σ exp(a), stable: computed as m + log Σ exp(a − m) with m = max(a)."""

    label = "logsumexp"
    saves_inputs = True
    saves_output = True

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.axis = axis = _axis_of(a, axis)
        a = _floating(a)
        with backend.errstate():
            if not a.size:  # the log of an empty sum: −inf over empty axes (as in PyTorch), empty elsewhere
                return xp.log(xp.sum(xp.exp(a), axis=axis, keepdims=keepdims))
            m = safe_max(a, axis)
            out = xp.log(reduce_kept(xp.add, xp.exp(a - m), axis)) + m
        if keepdims:
            return out
        return out.reshape(()) if axis is None else xp.squeeze(out, axis=axis)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        kept = _kept_shape(a.shape, ctx.axis)
        out = ctx.saved_output.reshape(kept)
        return (g.reshape(kept) * (a - out).exp(),)
