"""Convolution as three ops, each the others' derivative: Conv, ConvTranspose and ConvWeight.

``Conv`` maps an input x (N, C, H, W) and a weight w (O, C/groups, kh, kw) to (N, O, Ho, Wo).
It is bilinear, so its derivatives are the other two ops of the trio:

- ``ConvTranspose(g, w)``: the gradient of x (PyTorch's ``conv_transpose2d``), the adjoint of x ↦ Conv(x, w);
- ``ConvWeight(x, g)``: the gradient of w, the adjoint of w ↦ Conv(x, w).

The Tensor rules of each are written with the other two, so ``create_graph=True`` differentiates
them to any order; first-order passes run the NumPy kernels of ``conv_kernels`` directly (one
helper per gradient serves both, choosing by whether it was given Tensors). ``Unfold`` and
``Fold`` (im2col and col2im, exposed) are each other's adjoint in the same way.
"""

from __future__ import annotations

from chainrule.autograd.function import Primitive
from chainrule.ops import windows
from chainrule.ops.conv_kernels import conv_backward, conv_forward
from chainrule.tensor import Tensor


def convolve(x, w, geom, groups):
    """Conv(x, w) without bias: recorded when given a Tensor, else the kernel on arrays."""
    if isinstance(x, Tensor) or isinstance(w, Tensor):
        return Conv.apply(x, w, geom=geom, groups=groups)
    return conv_forward(x, w, None, geom, groups)


def input_grad(g, w, geom, groups, size):
    """The gradient of Conv's input of shape ``size`` for output gradient ``g``: ConvTranspose(g, w)."""
    if isinstance(g, Tensor) or isinstance(w, Tensor):
        return ConvTranspose.apply(g, w, geom=geom, groups=groups, size=size)
    return conv_backward(None, g, w, geom, groups, size, True, False)[0]


def weight_grad(x, g, geom, groups, shape):
    """The gradient of Conv's weight of shape ``shape`` for input ``x`` and output gradient ``g``: ConvWeight(x, g)."""
    if isinstance(x, Tensor) or isinstance(g, Tensor):
        return ConvWeight.apply(x, g, geom=geom, groups=groups, shape=shape)
    return conv_backward(x, g, None, geom, groups, x.shape, False, True, shape)[1]


def _conv_grads(ctx, g, x, w):
    """Conv's gradients (x, w[, bias]); on arrays, all three come from one pass over the batch."""
    need_x, need_w = ctx.edges[0] is not None, ctx.edges[1] is not None
    need_b = len(ctx.edges) == 3 and ctx.edges[2] is not None
    if isinstance(g, Tensor):
        dx = input_grad(g, w, ctx.geom, ctx.groups, x.shape) if need_x else None
        dw = weight_grad(x, g, ctx.geom, ctx.groups, w.shape) if need_w else None
        db = g.sum(axis=(0, 2, 3)) if need_b else None
    else:
        dx, dw, db = conv_backward(x, g, w, ctx.geom, ctx.groups, x.shape, need_x, need_w, need_b=need_b)
    return (dx, dw) if len(ctx.edges) == 2 else (dx, dw, db)


class Conv(Primitive):
    """2-d cross-correlation of x (N, C, H, W) with w (O, C/groups, kh, kw), plus a bias (O,) if given.

    ``geom`` (``windows.Geometry``) holds the kernel, stride, padding and dilation; its gradients
    are ``ConvTranspose`` and ``ConvWeight`` (the bias's, g summed over N, Ho and Wo).
    """

    label = "conv2d"
    saves_inputs = True
    exact_array_grads = True

    @staticmethod
    def forward(ctx, x, w, b=None, geom=None, groups=1):
        ctx.geom, ctx.groups = geom, groups
        return conv_forward(x, w, b, geom, groups)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_inputs[:2]
        return _conv_grads(ctx, g, x, w)

    @staticmethod
    def array_backward(ctx, g):
        x, w = ctx.saved_input_arrays[:2]
        return _conv_grads(ctx, g, x, w)


class BiasedConv(Conv):
    """``Conv`` with its bias operand, which backward does not read (so it may change in place meanwhile)."""

    unread_inputs = (2,)


def _transpose_grads(ctx, gz, g, w):
    """ConvTranspose's gradients: for g, Conv(gz, w); for w, ConvWeight(gz, g)."""
    need_g, need_w = ctx.edges[0] is not None, ctx.edges[1] is not None
    return (
        convolve(gz, w, ctx.geom, ctx.groups) if need_g else None,
        weight_grad(gz, g, ctx.geom, ctx.groups, w.shape) if need_w else None,
    )


class ConvTranspose(Primitive):
    """The adjoint of x ↦ Conv(x, w): g (N, O, Ho, Wo) → (N, C, H, W) of shape ``size`` (PyTorch's
    ``conv_transpose2d``, whose weight (C_in, C_out/groups, kh, kw) is this op's w as it stands)."""

    label = "conv_transpose2d"
    saves_inputs = True
    product_rule = True  # g is read only for w's gradient, w only for g's
    exact_array_grads = True

    @staticmethod
    def forward(ctx, g, w, geom=None, groups=1, size=None):
        ctx.geom, ctx.groups = geom, groups
        return conv_backward(None, g, w, geom, groups, size, True, False)[0]

    @staticmethod
    def backward(ctx, gz):
        return _transpose_grads(ctx, gz, *ctx.saved_inputs)

    @staticmethod
    def array_backward(ctx, gz):
        return _transpose_grads(ctx, gz, *ctx.saved_input_arrays)


def _weight_grads(ctx, gu, x, g):
    """ConvWeight's gradients: for x, ConvTranspose(g, gu); for g, Conv(x, gu)."""
    need_x, need_g = ctx.edges[0] is not None, ctx.edges[1] is not None
    return (
        input_grad(g, gu, ctx.geom, ctx.groups, x.shape) if need_x else None,
        convolve(x, gu, ctx.geom, ctx.groups) if need_g else None,
    )


class ConvWeight(Primitive):
    """The adjoint of w ↦ Conv(x, w): (x, g) → a weight of ``shape`` (O, C/groups, kh, kw)."""

    label = "conv2d_weight"
    saves_inputs = True
    product_rule = True
    exact_array_grads = True

    @staticmethod
    def forward(ctx, x, g, geom=None, groups=1, shape=None):
        ctx.geom, ctx.groups = geom, groups
        return conv_backward(x, g, None, geom, groups, x.shape, False, True, shape)[1]

    @staticmethod
    def backward(ctx, gu):
        return _weight_grads(ctx, gu, *ctx.saved_inputs)

    @staticmethod
    def array_backward(ctx, gu):
        return _weight_grads(ctx, gu, *ctx.saved_input_arrays)


def _unfold(x, geom):
    return Unfold.apply(x, geom=geom) if isinstance(x, Tensor) else windows.unfold(x, geom)


def _fold(cols, geom, channels):
    if isinstance(cols, Tensor):
        return Fold.apply(cols, geom=geom, channels=channels)
    return windows.fold(cols, geom, channels)


class Unfold(Primitive):
    """im2col: (N, C, H, W) → (N, C·kh·kw, Ho·Wo), each column one window (PyTorch's ``unfold``)."""

    label = "unfold"
    exact_array_grads = True

    @staticmethod
    def forward(ctx, x, geom=None):
        ctx.geom, ctx.channels = geom, x.shape[1]
        return windows.unfold(x, geom)

    @staticmethod
    def backward(ctx, g):
        return (_fold(g, ctx.geom, ctx.channels),)

    array_backward = backward


class Fold(Primitive):
    """col2im: (N, C·kh·kw, Ho·Wo) → (N, C, H, W), overlapping windows summed (PyTorch's ``fold``)."""

    label = "fold"
    exact_array_grads = True

    @staticmethod
    def forward(ctx, cols, geom=None, channels=1):
        ctx.geom = geom
        return windows.fold(cols, geom, channels)

    @staticmethod
    def backward(ctx, g):
        return (_unfold(g, ctx.geom),)

    array_backward = backward
