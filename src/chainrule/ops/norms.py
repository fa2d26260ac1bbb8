"""Vector norms ‖a‖_p = (Σ |a|^p)^(1/p) over some axes or all, with PyTorch's ``norm`` arguments and gradients.

p = 2 (and 'fro'), 1, ±inf (the largest / smallest |a|), 0 (the count of non-zeros) or any
other number. The gradient is PyTorch's: 0 where the norm is 0 (p = 2 at the zero vector), and
for ±inf shared equally by the elements that reach it.
"""

from __future__ import annotations

import math
from typing import Any

from chainrule import backend
from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.errors import DTypeError, ShapeError
from chainrule.ops.elementwise import where
from chainrule.ops.reduce import _axis_of, _kept_shape
from chainrule.tensor import Tensor, _dims


class Norm(Primitive):
    """‖a‖_p over ``axis`` (see the module docstring)."""

    label = "norm"
    saves_inputs = True
    saves_output = True

    @staticmethod
    def forward(ctx, a, p=2.0, axis=None, keepdims=False):
        axis = _axis_of(a, axis)
        ctx.p, ctx.axis = p, axis
        magnitude = xp.abs(a)
        with backend.errstate():
            if math.isinf(p):
                return (xp.max if p > 0 else xp.min)(magnitude, axis=axis, keepdims=keepdims)
            if p == 0:
                return xp.sum(a != 0, axis=axis, keepdims=keepdims).astype(a.dtype)
            if p == 1:
                return xp.sum(magnitude, axis=axis, keepdims=keepdims)
            if p == 2:
                return xp.sqrt(xp.sum(a * a, axis=axis, keepdims=keepdims))
            return xp.sum(magnitude**p, axis=axis, keepdims=keepdims) ** (1.0 / p)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        p = ctx.p
        if p == 0:
            return (None,)  # a step function: 0 almost everywhere, as in PyTorch
        kept = _kept_shape(a.shape, ctx.axis)
        g, out = g.reshape(kept), ctx.saved_output.reshape(kept)
        sign = Tensor._make((a._data > 0).astype(a.dtype) - (a._data < 0))
        if math.isinf(p):  # the elements reaching the norm (or NaN) share it
            reach = (xp.abs(a._data) == out._data) | xp.isnan(a._data)
            with backend.errstate():
                share = reach / reach.sum(axis=ctx.axis, keepdims=True)
            return (g * sign * Tensor._make(share.astype(a.dtype)),)
        if p == 1:
            return (g * sign,)
        zero_norm = out._data == 0
        safe = where(zero_norm, 1.0, out)  # the norm where it is not 0 (there the gradient is 0)
        if p == 2:
            return (where(zero_norm, 0.0, g * a / safe),)
        if p > 2:
            return (where(zero_norm, 0.0, g * a * a.abs() ** (p - 2) / safe ** (p - 1)),)
        nonzero = a._data != 0  # |a|^(p−1) is infinite at 0 for p < 1: PyTorch takes 0 there
        magnitude = where(nonzero, a.abs(), 1.0)
        return (where(zero_norm | ~nonzero, 0.0, g * sign * magnitude ** (p - 1) / safe ** (p - 1)),)

    @classmethod
    def describe_error(cls, exc: Exception, operands: tuple) -> Exception:
        """NumPy's only complaint here: a max or min (p = ±inf) over no elements."""
        return ShapeError(f"norm: the ±inf norm of no elements is undefined (input of shape {operands[0].shape}); "
                          "reduce only over dimensions of non-zero size")  # fmt: skip


def norm(a: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """``torch.norm``: the vector p-norm over ``dim`` (all elements by default); ``'fro'`` is p = 2 over one
    or two dimensions or all. Matrix norms such as ``'nuc'`` are not available."""
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: p={p!r} is not supported; use a number (2, 1, inf, -inf, 0, ...) or 'fro' "
                             "(matrix norms such as 'nuc' are not available)")  # fmt: skip
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise ShapeError(f"norm: p='fro' takes at most 2 dimensions, got dim={dim}; use p=2 for more")
        p = 2.0
    if not isinstance(p, (int, float)) or isinstance(p, bool):
        raise TypeError(f"norm: p must be a number or 'fro', got {p!r}")
    if dtype is not None:
        a = a.to(dtype)
    if not backend.is_floating(a.dtype):
        raise DTypeError(f"norm: expects a floating-point tensor, got {a.dtype}; convert with .float() or pass "
                         "dtype=")  # fmt: skip
    axis, keepdim = _dims("norm", a.ndim, None, keepdim, dim, None)
    return Norm.apply(a, p=float(p), axis=axis, keepdims=keepdim)
