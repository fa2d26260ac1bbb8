"""Embedding lookup: rows of a weight matrix picked by integer indices; the gradient adds into those rows."""

from __future__ import annotations

from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.ops.indexing import ScatterAdd
from chainrule.tensor import Tensor


class Embedding(Primitive):
    """``weight[indices]`` (shape ``indices.shape + (embedding_dim,)``).

    Backward: each looked-up row's gradient is added into its row of ``weight`` (repeats add
    up), except at ``padding_idx``, which receives none; ``scale`` (from ``scale_grad_by_freq``)
    divides each by how often its index occurs in the batch. The adding is ``ScatterAdd``, whose
    own gradient is the lookup again.
    """

    label = "embedding"

    @staticmethod
    def forward(ctx, weight, indices, padding_idx=None, scale_grad_by_freq=False):
        ctx.indices, ctx.padding_idx, ctx.rows = indices, padding_idx, weight.shape
        ctx.scale_grad_by_freq = scale_grad_by_freq
        return xp.take(weight, indices, axis=0)

    @staticmethod
    def backward(ctx, g):
        idx = ctx.indices
        factor = None
        if ctx.scale_grad_by_freq:
            factor = 1.0 / xp.bincount(idx.ravel(), minlength=ctx.rows[0])[idx]
        if ctx.padding_idx is not None:
            kept = idx != ctx.padding_idx
            factor = kept if factor is None else factor * kept
        if factor is not None:
            g = g * Tensor._make(factor[..., None].astype(g.dtype))
        return (ScatterAdd.apply(g, key=(idx,), shape=ctx.rows),)
