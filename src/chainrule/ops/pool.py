"""Pooling: max-pooling as a gather at the windows' maxima, average pooling as a scaled window sum.

Max-pooling's derivative is that of picking elements: ``Gather`` takes x's elements at flat
positions (the maxima found by ``max_pool_index``), ``Scatter`` puts a gradient back there;
each is the other's derivative, so every order of derivative is exact. Which element of a
window is its maximum follows PyTorch: the first maximum in row-major order, the last NaN if
the window holds NaN, and the first element inside the input when every one is −inf.

``AvgPool`` sums each window's taps and scales the sum (by 1/divisor, per output position);
``AvgPoolAdjoint`` spreads a gradient back over the taps; again each is the other's derivative.
"""

from __future__ import annotations

from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.ops import windows
from chainrule.tensor import Tensor


# ---------------------------------------------------------------- max-pooling
def max_pool_index(x, geom):
    """(values, index) of each window's maximum for x (N, C, H, W): values (N, C, Ho, Wo), and index the
    flat positions of those elements in x (int64, same shape)."""
    n, c, h, w = x.shape
    views = windows.tap_views(windows.pad_planes(x, geom, -xp.inf), geom)
    kh, kw = geom.kernel
    taps = [views[:, :, i, j] for i in range(kh) for j in range(kw)]
    values = taps[0].copy()
    for t in taps[1:]:
        xp.maximum(values, t, out=values)  # NaN wins, as in PyTorch
    if len(taps) == 1:
        which = xp.zeros(values.shape, xp.uint8)
    else:  # the first tap equal to the maximum: count the taps before it that differ
        before = taps[0] != values
        which = before.astype(xp.uint8 if len(taps) < 256 else xp.int32)
        for t in taps[1:-1]:
            before &= t != values
            which += before
    if values.size and _unusual(values, geom):
        which = _scan(taps, geom, which.dtype)
    index = geom.flat_taps[which]
    index += geom.flat_starts
    index += (xp.arange(n * c, dtype=xp.int64) * (h * w)).reshape(n, c, 1, 1)
    return values, index


def _unusual(values, geom) -> bool:
    """Whether a window's maximum is NaN (PyTorch then picks its last NaN), or −inf where padding could tie."""
    if not geom.is_padded:
        return bool(xp.isnan(xp.add.reduce(values, axis=None)))  # one pass: a NaN (or inf − inf) shows
    return bool(xp.isnan(values).any() or (values == -xp.inf).any())


def _scan(taps, geom, dtype):
    """The tap each window's maximum is at, by PyTorch's scan: among taps inside the input, in row-major
    order, the first one starts it and a larger element or a NaN takes over."""
    kh, kw = geom.kernel
    (sh, sw), (dh, dw), (top, _), (left, _) = geom.stride, geom.dilation, *geom.padding
    ho, wo = geom.out
    which = xp.full(taps[0].shape, -1, xp.int64)
    best = xp.full(taps[0].shape, -xp.inf, taps[0].dtype)
    for t, v in enumerate(taps):
        i, j = divmod(t, kw)
        rows = xp.arange(ho) * sh - top + i * dh
        cols = xp.arange(wo) * sw - left + j * dw
        inside = ((rows >= 0) & (rows < geom.size[0]))[:, None] & ((cols >= 0) & (cols < geom.size[1]))
        take = inside & ((which < 0) | (v > best) | xp.isnan(v))
        xp.copyto(best, v, where=take)
        xp.copyto(which, t, where=take)
    return which.astype(dtype)


def gather(x, index):
    """x's elements at flat positions ``index``: a recorded ``Gather`` for a Tensor, else an array."""
    if isinstance(x, Tensor):
        return Gather.apply(x, index=index)
    return xp.take(x, index)


def scatter(g, index, shape, overlapping):
    """A zero array of ``shape`` with g put (added, where windows overlap) at flat positions ``index``."""
    if isinstance(g, Tensor):
        return Scatter.apply(g, index=index, shape=shape, overlapping=overlapping)
    if overlapping:
        total = xp.bincount(index.reshape(-1), weights=g.reshape(-1), minlength=_size(shape))
        return total.astype(g.dtype, copy=False).reshape(shape)
    out = xp.zeros(shape, g.dtype)
    out.reshape(-1)[index] = g
    return out


def _size(shape) -> int:
    size = 1
    for n in shape:
        size *= n
    return size


class MaxPool(Primitive):
    """Each window's maximum; ``found`` = ``max_pool_index(x, geom)``, worked out by the caller (which
    also wants the indices). The gradient goes to the element each maximum was taken from."""

    label = "max_pool2d"
    exact_array_grads = True

    @staticmethod
    def forward(ctx, x, found=None, overlapping=False):
        values, ctx.index = found
        ctx.shape, ctx.overlapping = x.shape, overlapping
        return values

    @staticmethod
    def backward(ctx, g):
        return (scatter(g, ctx.index, ctx.shape, ctx.overlapping),)

    array_backward = backward


class Gather(Primitive):
    """x's elements at flat positions ``index`` (an integer array of the output's shape)."""

    label = "gather"
    exact_array_grads = True

    @staticmethod
    def forward(ctx, x, index=None):
        ctx.index, ctx.shape = index, x.shape
        return xp.take(x, index)

    @staticmethod
    def backward(ctx, g):
        return (scatter(g, ctx.index, ctx.shape, True),)

    array_backward = backward


class Scatter(Primitive):
    """A zero array of ``shape`` with g at flat positions ``index`` (added where they repeat, if ``overlapping``)."""

    label = "scatter"
    exact_array_grads = True

    @staticmethod
    def forward(ctx, g, index=None, shape=None, overlapping=True):
        ctx.index = index
        return scatter(g, index, shape, overlapping)

    @staticmethod
    def backward(ctx, gg):
        return (gather(gg, ctx.index),)

    array_backward = backward


# ---------------------------------------------------------------- average pooling
def window_sum(x, geom, scale):
    """Σ of each window's taps of x (zero padding), times ``scale`` (a number or an (Ho, Wo) array)."""
    views = windows.tap_views(windows.pad_planes(x, geom), geom)
    kh, kw = geom.kernel
    out = views[:, :, 0, 0].copy()
    for t in range(1, kh * kw):
        out += views[:, :, t // kw, t % kw]
    out *= scale
    return out


def window_sum_adjoint(g, geom, scale, shape):
    """The adjoint of ``window_sum``: g · scale added back onto every tap of its window, cropped to ``shape``."""
    kh, kw = geom.kernel
    gs = xp.multiply(g, scale, dtype=g.dtype)  # a float64 scale keeps a float32 gradient float32
    dxp = xp.zeros(tuple(shape[:2]) + geom.padded, gs.dtype)
    spread = xp.broadcast_to(gs[:, :, None, None], gs.shape[:2] + geom.kernel + gs.shape[2:])
    windows.fold_add(dxp, spread, geom)
    return xp.ascontiguousarray(windows.crop(dxp, geom))


def _avg(x, geom, scale):
    return AvgPool.apply(x, geom=geom, scale=scale) if isinstance(x, Tensor) else window_sum(x, geom, scale)


def _avg_adjoint(g, geom, scale, shape):
    if isinstance(g, Tensor):
        return AvgPoolAdjoint.apply(g, geom=geom, scale=scale, shape=shape)
    return window_sum_adjoint(g, geom, scale, shape)


class AvgPool(Primitive):
    """Each window's sum times ``scale`` (1/divisor, a number or per output position (Ho, Wo))."""

    label = "avg_pool2d"
    exact_array_grads = True

    @staticmethod
    def forward(ctx, x, geom=None, scale=1.0):
        ctx.geom, ctx.scale, ctx.shape = geom, scale, x.shape
        return window_sum(x, geom, scale)

    @staticmethod
    def backward(ctx, g):
        return (_avg_adjoint(g, ctx.geom, ctx.scale, ctx.shape),)

    array_backward = backward


class AvgPoolAdjoint(Primitive):
    """``AvgPool``'s adjoint: a gradient (N, C, Ho, Wo) spread back over the windows, (N, C, H, W)."""

    label = "avg_pool2d_backward"
    exact_array_grads = True

    @staticmethod
    def forward(ctx, g, geom=None, scale=1.0, shape=None):
        ctx.geom, ctx.scale = geom, scale
        return window_sum_adjoint(g, geom, scale, shape)

    @staticmethod
    def backward(ctx, gg):
        return (_avg(gg, ctx.geom, ctx.scale),)

    array_backward = backward
