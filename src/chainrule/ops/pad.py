"""Padding: a constant border as one op; reflect, replicate and circular borders as index maps.

A constant border's gradient is the gradient's inner part (a slice, recorded as indexing when
differentiated again). The other modes only repeat elements of x, so they are written as
indexing along each padded axis (``edge_index``), whose backward adds up the repeats.
"""

from __future__ import annotations

from chainrule.autograd.function import Primitive
from chainrule.backend import xp


class Pad(Primitive):
    """x inside a larger array filled with ``value``; ``widths`` is one (before, after) pair per axis, ≥ 0."""

    label = "pad"
    exact_array_grads = True

    @staticmethod
    def forward(ctx, x, widths=(), value=0.0):
        ctx.inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        out = xp.empty(tuple(n + lo + hi for (lo, hi), n in zip(widths, x.shape)), x.dtype)
        out.fill(value)
        out[ctx.inner] = x
        return out

    @staticmethod
    def backward(ctx, g):
        return (g[ctx.inner],)  # a view of g's inner part: indexing when g is a Tensor

    array_backward = backward


def edge_index(n: int, before: int, after: int, mode: str):
    """Which of an axis's ``n`` elements fills each of the ``before + n + after`` padded positions."""
    i = xp.arange(-before, n + after)
    if mode == "reflect":  # mirrored about the first and last elements, which are not repeated
        i = xp.abs(i)
        return xp.where(i >= n, 2 * (n - 1) - i, i)
    if mode == "replicate":
        return xp.clip(i, 0, n - 1)
    return i % n  # circular
