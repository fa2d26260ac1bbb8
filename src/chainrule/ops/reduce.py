"""Reductions: sum, mean, max, min, var, logsumexp over an axis, several axes or all.

Each backward reshapes the upstream gradient to the kept-dims shape and lets it
broadcast back over the reduced axes.
"""

from __future__ import annotations

from typing import Any

from chainrule import backend
from chainrule.autograd.function import Primitive
from chainrule.backend import xp
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
    label = "mean"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.in_shape, ctx.axis = a.shape, axis
        return xp.mean(_floating(a), axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        n = _count(ctx.in_shape, ctx.axis)
        return (_expand_back(g / n, ctx.in_shape, ctx.axis),)


class _Extreme(Primitive):
    """max/min: the gradient goes to the extreme element(s); ties share it equally."""

    saves_inputs = True
    saves_output = True
    reducer: Any = None

    @classmethod
    def forward(cls, ctx, a, axis=None, keepdims=False):
        if a.size == 0:
            raise ValueError(f"{cls.label}() of an empty tensor has no identity; give a non-empty input")
        ctx.axis, ctx.keepdims = axis, keepdims
        return cls.reducer(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        kept = _kept_shape(a.shape, ctx.axis)
        hits = a.data == ctx.saved_output.data.reshape(kept)
        share = hits / hits.sum(axis=ctx.axis, keepdims=True)
        return (g.reshape(kept) * Tensor._make(share.astype(g.dtype, copy=False)),)

    @classmethod
    def branches(cls, node) -> Any:
        """Which elements are the extreme ones (gradcheck flags a change as a kink)."""
        a = node.inputs[0].data
        return a == cls.reducer(a, axis=node.axis, keepdims=True)


class Max(_Extreme):
    label = "max"
    reducer = staticmethod(xp.max)


class Min(_Extreme):
    label = "min"
    reducer = staticmethod(xp.min)


class Var(Primitive):
    """Σ(a − mean)² / (n − correction) over ``axis``."""

    label = "var"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False, correction=1):
        ctx.axis, ctx.correction = axis, correction
        return xp.var(_floating(a), axis=axis, keepdims=keepdims, ddof=correction)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        dof = _count(a.shape, ctx.axis) - ctx.correction
        centred = a - a.mean(axis=ctx.axis, keepdims=True)
        return (g.reshape(_kept_shape(a.shape, ctx.axis)) * centred * (2.0 / dof),)


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
        ctx.axis = axis
        a = _floating(a)
        m = safe_max(a, axis)
        with backend.errstate():
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
