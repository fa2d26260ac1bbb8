"""Smooth activations: GELU (exact and tanh), SiLU, ELU and Softplus, with PyTorch's formulas.

Each backward is written with Tensor ops, so second derivatives follow.
"""

from __future__ import annotations

import math

from chainrule import backend
from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.ops.activation import _floating
from chainrule.ops.elementwise import where
from chainrule.ops.erf import Erf, erf_array

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_SCALE, _TANH_CUBIC = math.sqrt(2.0 / math.pi), 0.044715  # PyTorch's tanh form of GELU


class Gelu(Primitive):
    """x·Φ(x) with Φ the standard normal CDF (``approximate='none'``), or PyTorch's tanh approximation
    ½x(1 + tanh(√(2/π)(x + 0.044715x³))). Derivative: Φ(x) + x·φ(x), or the tanh form's own."""

    label = "gelu"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a, approximate="none"):
        ctx.approximate = approximate
        a = _floating(a)
        if approximate == "tanh":
            return 0.5 * a * (1.0 + xp.tanh(_TANH_SCALE * (a + _TANH_CUBIC * a * a * a)))
        return 0.5 * a * (1.0 + erf_array(a * _SQRT_HALF))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        if ctx.approximate == "tanh":
            t = (_TANH_SCALE * (a + _TANH_CUBIC * a * a * a)).tanh()
            slope = 0.5 * (1.0 + t) + 0.5 * a * (1.0 - t * t) * _TANH_SCALE * (1.0 + 3.0 * _TANH_CUBIC * a * a)
        else:
            slope = 0.5 * (1.0 + Erf.apply(a * _SQRT_HALF)) + a * _INV_SQRT_2PI * (-0.5 * a * a).exp()
        return (g * slope,)


class Silu(Primitive):
    """x·σ(x) (also called swish); derivative σ(x)(1 + x(1 − σ(x)))."""

    label = "silu"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a):
        a = _floating(a)
        with backend.errstate():  # e^−a overflows to inf for a << 0: σ is then 0
            return a / (1.0 + xp.exp(-a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        s = a.sigmoid()
        return (g * s * (1.0 + a * (1.0 - s)),)


class Elu(Primitive):
    """x for x > 0, α(eˣ − 1) otherwise; derivative 1, or α·eˣ (at 0 too, as in PyTorch)."""

    label = "elu"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a, alpha=1.0):
        ctx.alpha = alpha
        a = _floating(a)
        return xp.where(a > 0, a, alpha * xp.expm1(xp.minimum(a, 0)))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        negative = g * ctx.alpha * a.clip(None, 0.0).exp()  # e^min(x, 0): never overflows where it is unused
        return (where(a._data > 0, g, negative),)


class Softplus(Primitive):
    """log(1 + e^(βx))/β, and x itself where βx > threshold; derivative σ(βx) (1 beyond the threshold)."""

    label = "softplus"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a, beta=1.0, threshold=20.0):
        ctx.beta, ctx.threshold = beta, threshold
        a = _floating(a)
        scaled = a * beta
        with backend.errstate():  # e^(βx) overflows only where x itself is returned
            return xp.where(scaled > threshold, a, xp.log1p(xp.exp(scaled)) / beta)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        scaled = a * ctx.beta
        return (where(scaled._data > ctx.threshold, g, g * scaled.sigmoid()),)
