"""Running and whole products and sums: ``cumsum``, ``cumprod`` and ``prod``, with PyTorch's gradients at zeros.

cumsum's gradient is the upstream gradient summed from the end (a reversed cumsum). For a
product, each element's gradient is the product of the *other* factors. Dividing the product by
the element gives it only where the element is non-zero, so with zeros about, as PyTorch does:

- ``prod``: the product of the others, as (product of those before) · (product of those after),
  two cumulative products;
- ``cumprod``: for a first-order pass an O(n) formula (before the first zero, the usual one; at
  it, the running product with that factor replaced by 1; after it, 0); for ``create_graph=True``
  the exact O(n²) sum over outputs, whose derivative is the second derivative of cumprod.
"""

from __future__ import annotations

from typing import Any

from chainrule.autograd.function import Primitive
from chainrule.autograd.mode import state
from chainrule.backend import xp
from chainrule.ops.elementwise import where
from chainrule.ops.reduce import _axis_of, _kept_shape
from chainrule.ops.shape import concatenate
from chainrule.tensor import Tensor


def _flip(axis: int) -> tuple:
    """The key that reverses ``axis`` (a view, for arrays and Tensors alike)."""
    return (slice(None),) * axis + (slice(None, None, -1),)


def reverse_cumsum(t: Any, axis: int) -> Any:
    """Sums from the end along ``axis``: ``out[k] = Σ_{j ≥ k} t[j]`` (array or Tensor)."""
    key = _flip(axis)
    return t[key].cumsum(axis=axis)[key]


def _running(ctx, scan, a, axis):
    """``scan`` (cumsum or cumprod) of array ``a`` along ``axis``; a 0-d array is its own."""
    ctx.axis = axis
    return a.copy() if a.ndim == 0 else scan(a, axis=axis)


class Cumsum(Primitive):
    """Running sums along ``axis``; the gradient of element k is the upstream gradient summed over j ≥ k."""

    label = "cumsum"

    @staticmethod
    def forward(ctx, a, axis):
        return _running(ctx, xp.cumsum, a, axis)

    @staticmethod
    def rule(ctx, g):
        return (g if g.ndim == 0 else reverse_cumsum(g, ctx.axis),)


class Cumprod(Primitive):
    """Running products along ``axis``; gradients exact where inputs are 0 (see the module docstring)."""

    label = "cumprod"
    saves_inputs = True
    saves_output = True

    @staticmethod
    def forward(ctx, a, axis):
        return _running(ctx, xp.cumprod, a, axis)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        axis = ctx.axis
        if a.ndim == 0 or a.shape[axis] <= 1:
            return (g,)
        zero = a._data == 0
        if not zero.any():
            return (reverse_cumsum(g * ctx.saved_output, axis) / a,)
        if state.grad_enabled:
            return (_cumprod_grad_exact(a, g, axis),)
        return (_cumprod_grad_with_zeros(a, g, ctx.saved_output, zero, axis),)


def _cumprod_grad_with_zeros(a: Tensor, g: Tensor, out: Tensor, zero: Any, axis: int) -> Tensor:
    """First-order cumprod gradient, O(n), with zeros: per slice, z the first zero,
    k < z: Σ_{j ≥ k} g_j out_j / a_k;  k = z: Σ_{j ≥ z} g_j Π_{i ≤ j, i ≠ z} a_i;  k > z: 0."""
    seen = xp.cumsum(zero, axis=axis)
    before, first = seen == 0, zero & (seen == 1)
    usual = reverse_cumsum(g * out, axis) / where(before, a, 1.0)
    at_first = reverse_cumsum(g * Cumprod.apply(where(first, 1.0, a), axis=axis), axis)
    return where(before, usual, 0.0) + where(first, at_first, 0.0)


def _cumprod_grad_exact(a: Tensor, g: Tensor, axis: int) -> Tensor:
    """∂L/∂a_k = Σ_{j ≥ k} g_j Π_{i ≤ j, i ≠ k} a_i, one k at a time (O(n²)), recorded: differentiable again."""
    n = a.shape[axis]
    position = xp.arange(n).reshape((n,) + (1,) * (a.ndim - axis - 1))
    pieces = []
    for k in range(n):
        without_k = Cumprod.apply(where(position == k, 1.0, a), axis=axis)
        pieces.append((g * without_k * (position >= k)).sum(axis=axis, keepdims=True))
    return concatenate(pieces, axis)


class Prod(Primitive):
    """The product over ``axis`` (one axis, or all); each element's gradient is the product of the others."""

    label = "prod"
    saves_inputs = True
    saves_output = True

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.axis = _axis_of(a, axis)
        return xp.prod(a, axis=ctx.axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        if a.ndim == 0:
            return (g,)
        kept = _kept_shape(a.shape, ctx.axis)
        g = g.reshape(kept)
        if not (a._data == 0).any():
            return (g * (ctx.saved_output.reshape(kept) / a),)
        if ctx.axis is None:
            return (g * product_of_others(a.reshape(-1), 0).reshape(a.shape),)
        return (g * product_of_others(a, ctx.axis),)


def product_of_others(t: Tensor, axis: int) -> Tensor:
    """``Π_{i ≠ k} t_i`` along ``axis`` for every k, without dividing: exclusive products from both ends."""
    n = t.shape[axis]
    if n == 0:
        return t
    ones = xp.ones(t.shape[:axis] + (1,) + t.shape[axis + 1 :], dtype=t.dtype)
    lead = (slice(None),) * axis
    before = Cumprod.apply(concatenate([ones, t[lead + (slice(0, n - 1),)]], axis), axis=axis)
    key = _flip(axis)
    after = Cumprod.apply(concatenate([t[lead + (slice(1, n),)], ones], axis)[key], axis=axis)[key]
    return before * after
