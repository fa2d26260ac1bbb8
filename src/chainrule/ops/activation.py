"""Activations: sigmoid, tanh, relu and the numerically stable softmax family."""

from __future__ import annotations

from chainrule import backend
from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.ops import promotion

_INF = float("inf")


def _floating(a):
    return a if backend.is_floating(a.dtype) else a.astype(backend.default_float)


class Sigmoid(Primitive):
    """σ(a) = 1 / (1 + e^−a); local gradient σ(a)(1 − σ(a)), from the saved output."""

    label = "sigmoid"
    saves_output = True
    exact_array_grads = True

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind != "f":
            a = a.astype(backend.default_float)
        # One buffer for the whole formula (given as out=, since negative(a) of a 0-d a is a scalar).
        out = xp.negative(a, out=xp.empty(a.shape, a.dtype))
        with backend.errstate():  # e^-a overflows to inf for a << 0: σ is then exactly 0
            xp.exp(out, out=out)
        out += 1
        return xp.divide(1, out, out=out)  # NumPy's reciprocal has no SIMD loop: divide is 1.6x faster

    @staticmethod
    def rule(ctx, g, out):
        return (_sigmoid_grad(g, out),)


def _sigmoid_grad(g, out):
    """g ∘ σ(1 − σ), from the output σ: on arrays in one buffer (a measured fast path), on Tensors recorded."""
    if type(out) is xp.ndarray:
        d = 1 - out
        d *= out
        d *= g
        return d
    return g * (out * (1 - out))


class Tanh(Primitive):
    label = "tanh"
    saves_output = True
    exact_array_grads = True

    @staticmethod
    def forward(ctx, a):
        return xp.tanh(promotion.floating(a))

    @staticmethod
    def rule(ctx, g, out):
        return (g * (1 - out * out),)


class Relu(Primitive):
    """max(a, 0); the gradient is 0 where the output is 0 and passes elsewhere, NaN included (as in PyTorch)."""

    label = "relu"
    saves_output = True
    exact_array_grads = True

    @staticmethod
    def forward(ctx, a):
        return xp.maximum(a, 0)

    @staticmethod
    def rule(ctx, g, out):
        return (g * (out != 0),)  # the output is 0, positive or NaN

    @staticmethod
    def branches(node):
        """Whether each element is on the active side (> 0), for gradcheck's kink detection."""
        return node.inputs[0]._data > 0


def reduce_kept(ufunc, a, axis):
    """``ufunc.reduce`` of ``a`` along ``axis`` (kept dims); rows of a 2-D array via ``backend.reduce_rows``."""
    if a.ndim == 2 and axis in (1, -1):  # a batch of logits: NumPy is slow over short rows
        return backend.reduce_rows(ufunc, a)
    return ufunc.reduce(a, axis=axis, keepdims=True)  # the ufunc itself: ndarray.sum has a Python wrapper


def safe_max(a, axis):
    """The max of ``a`` along ``axis`` (kept dims), with non-finite maxima replaced by 0."""
    m = reduce_kept(xp.maximum, a, axis)
    if not m.size or xp.maximum.reduce(xp.absolute(m), axis=None) < _INF:  # usually all finite (nan compares False)
        return m
    return xp.where(xp.isfinite(m), m, 0)


def _shifted(a, axis):
    """``a`` minus its max along ``axis``, so that exp never overflows.

    A row whose max is ±inf or NaN becomes NaN throughout, as in PyTorch's softmax and log_softmax.
    """
    return a - reduce_kept(xp.maximum, a, axis)


class Softmax(Primitive):
    """exp(a) / Σ exp(a) along ``axis``, computed on ``a − max(a)``; an empty input gives an empty output."""

    label = "softmax"
    saves_output = True

    @staticmethod
    def forward(ctx, a, axis):
        ctx.axis = axis
        a = _floating(a)
        if not a.size:  # nothing to normalise (and max has no identity)
            return a.copy()
        with backend.errstate():  # rows of ±inf or nan give nan quietly
            e = xp.exp(_shifted(a, axis))
            e /= reduce_kept(xp.add, e, axis)
        return e

    @staticmethod
    def backward(ctx, g):
        y = ctx.saved_output
        return (y * (g - (g * y).sum(axis=ctx.axis, keepdims=True)),)


class LogSoftmax(Primitive):
    """a − logsumexp(a) along ``axis``, stable for logits of any size."""

    label = "log_softmax"
    saves_output = True

    @staticmethod
    def forward(ctx, a, axis):
        ctx.axis = axis
        a = _floating(a)
        if not a.size:
            return a.copy()
        with backend.errstate():
            s = _shifted(a, axis)
            return s - xp.log(reduce_kept(xp.add, xp.exp(s), axis))

    @staticmethod
    def backward(ctx, g):
        out = ctx.saved_output
        return (g - out.exp() * g.sum(axis=ctx.axis, keepdims=True),)
