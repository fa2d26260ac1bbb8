"""erf, which NumPy lacks: ``erf_array`` on arrays, and the ``Erf`` op (``Tensor.erf``, ``cr.erf``).

``erf_array`` evaluates two Chebyshev fits made once from Python's ``math.erf``/``math.erfc``
(error below 3e-15 everywhere): x·P(x²) for |x| < 2, and 1 − e^(−x²)·Q(x) for 2 ≤ |x| < 6;
beyond 6, erf is ±1 to double precision.
"""

from __future__ import annotations

import functools
import math

import numpy

from chainrule import backend
from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.ops.activation import _floating

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


@functools.cache
def _erf_fits() -> tuple:
    """(P, Q) of the module docstring, interpolated at Chebyshev points (made at first use)."""
    from numpy.polynomial import Chebyshev

    near = numpy.vectorize(lambda s: math.erf(math.sqrt(s)) / math.sqrt(s))
    far = numpy.vectorize(lambda x: math.erfc(x) * math.exp(x * x))
    return Chebyshev.interpolate(near, 18, domain=[0.0, 4.0]), Chebyshev.interpolate(far, 20, domain=[2.0, 6.0])


def erf_array(a):
    """erf of a floating array, computed in float64 and returned in ``a``'s dtype."""
    near, far = _erf_fits()
    x = xp.asarray(a, dtype=xp.float64)
    z = xp.abs(x)
    with backend.errstate():
        inside = x * near(xp.minimum(z * z, 4.0))
        tail = xp.sign(x) * (1.0 - xp.exp(-z * z) * far(xp.clip(z, 2.0, 6.0)))
        out = xp.where(z < 2.0, inside, xp.where(z < 6.0, tail, xp.sign(x)))  # NaN stays NaN (its sign)
    return out.astype(a.dtype, copy=False)


class Erf(Primitive):
    """erf(a) = 2/√π ∫₀ᵃ e^(−t²) dt; its derivative is 2/√π · e^(−a²)."""

    label = "erf"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a):
        return erf_array(_floating(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        return (g * _TWO_OVER_SQRT_PI * (-(a * a)).exp(),)
