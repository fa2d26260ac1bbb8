"""Batch normalisation in training mode, as one op whose gradient is exact to any order.

y = (x − μ) / √(σ² + eps) · w + b per channel (axis 1), with μ and σ² (biased) taken over
every other axis of the batch. With x̂ = (x − μ)/√(σ² + eps) and M elements per channel:

    ∂L/∂b = Σ g,   ∂L/∂w = Σ g·x̂,   ∂L/∂x = w/√(σ² + eps) · (g − (Σ g + x̂ · Σ g·x̂) / M)

``_grads`` writes that once for arrays and Tensors alike; the Tensor rule recomputes x̂ from x
with recorded ops, so ``create_graph=True`` sees how x̂ itself depends on x.
"""

from __future__ import annotations

from chainrule.autograd.function import Primitive


def _axes(ndim: int) -> tuple:
    """Every axis but the channels' (1)."""
    return (0,) + tuple(range(2, ndim))


def channel_shape(ndim: int, channels: int) -> tuple:
    """(1, C, 1, …): a per-channel vector broadcast against an input of ``ndim`` dimensions."""
    return (1, channels) + (1,) * (ndim - 2)


def batch_stats(x) -> tuple:
    """(μ, σ²) of array x per channel, biased, with kept dimensions."""
    axes = _axes(x.ndim)
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    centred *= centred
    return mean, centred.mean(axis=axes, keepdims=True)


def _grads(ctx, g, xhat, invstd, w):
    """(∂L/∂x, ∂L/∂w, ∂L/∂b) from the formulas above, each None unless needed; arrays or Tensors alike."""
    need_x, need_w, need_b = (e is not None for e in ctx.edges)
    axes, shape = _axes(g.ndim), channel_shape(g.ndim, g.shape[1])
    m = g.size // g.shape[1] if g.shape[1] else 0
    gb = g.sum(axis=axes)
    gw = (g * xhat).sum(axis=axes) if need_w or need_x else None
    gx = None
    if need_x:
        gx = (g - (gb.reshape(shape) + xhat * gw.reshape(shape)) / m) * (invstd * w.reshape(shape))
    return gx, (gw if need_w else None), (gb if need_b else None)


class BatchNorm(Primitive):
    """Normalise x (N, C, …) per channel with this batch's statistics, then scale by w (C,) and shift by b (C,).

    ``mean`` and ``var`` are ``batch_stats(x)``, worked out by the caller, which also updates the
    running averages with them.
    """

    label = "batch_norm"
    saves_inputs = True
    unread_inputs = (2,)  # the shift b
    exact_array_grads = True

    @staticmethod
    def forward(ctx, x, w, b, mean=None, var=None, eps=1e-5):
        ctx.mean, ctx.var, ctx.eps = mean, var, eps
        shape = channel_shape(x.ndim, x.shape[1])
        scale = (var + eps) ** -0.5
        scale *= w.reshape(shape)
        out = x - mean
        out *= scale
        out += b.reshape(shape)
        return out

    @staticmethod
    def backward(ctx, g):
        x, w, _ = ctx.saved_inputs
        axes = _axes(x.ndim)
        centred = x - x.mean(axis=axes, keepdims=True)
        invstd = ((centred * centred).mean(axis=axes, keepdims=True) + ctx.eps) ** -0.5
        return _grads(ctx, g, centred * invstd, invstd, w)

    @staticmethod
    def array_backward(ctx, g):
        x, w, _ = ctx.saved_input_arrays
        invstd = (ctx.var + ctx.eps) ** -0.5
        xhat = x - ctx.mean
        xhat *= invstd
        return _grads(ctx, g, xhat, invstd, w)

