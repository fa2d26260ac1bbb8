"""Integer-style division, as PyTorch: ``a % b`` (``remainder``), ``fmod`` and ``a // b`` (``floor_divide``).

``remainder`` takes the divisor's sign (Python's ``%``), ``fmod`` the dividend's (C's). Their
gradients are PyTorch's: 1 for ``a``, and −q for ``b`` with q the quotient the op rounded
(floored for ``remainder``, truncated for ``fmod``). ``floor_divide`` is piecewise constant: no
gradient, as in PyTorch (whose backward refuses it).
"""

from __future__ import annotations

from typing import Any

from chainrule import backend
from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.ops import promotion
from chainrule.tensor import Tensor


def _data(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _floor_quotient(a: Any, b: Any) -> Any:
    with backend.errstate():
        return xp.floor_divide(a, b)


def _trunc_quotient(a: Any, b: Any) -> Any:
    with backend.errstate():
        return xp.trunc(xp.true_divide(a, b))


class Remainder(Primitive):
    """``a − q·b`` with q = ⌊a / b⌋ (``quotient``); the inputs are read only for b's gradient."""

    label = "%"
    saves_inputs = True
    modulo = staticmethod(xp.remainder)
    quotient = staticmethod(_floor_quotient)

    @classmethod
    def forward(cls, ctx, a, b):
        with backend.errstate():  # x % 0 is nan for floats, as IEEE says
            return promotion.apply(cls.modulo, a, b)

    @classmethod
    def backward(cls, ctx, g):
        if not ctx.needs_input_grad[1]:  # a's gradient reads nothing: in-place changes do not matter
            return g, None
        a, b = ctx.saved_inputs
        return g, -g * Tensor._make(xp.asarray(cls.quotient(_data(a), _data(b)), dtype=g.dtype))

    @classmethod
    def array_backward(cls, ctx, g):
        if not ctx.needs_input_grad[1]:
            return g, None
        a, b = ctx.saved_input_arrays
        return g, -g * cls.quotient(a, b)


class Fmod(Remainder):
    """``a − q·b`` with q = a / b rounded toward 0."""

    label = "fmod"
    modulo = staticmethod(xp.fmod)
    quotient = staticmethod(_trunc_quotient)


class FloorDivide(Primitive):
    """⌊a / b⌋ element-wise (Python's ``//``); never recorded: its gradient is 0 where it exists."""

    label = "//"

    @staticmethod
    def forward(ctx, a, b):
        with backend.errstate():
            return promotion.apply(xp.floor_divide, a, b)


class TruncDivide(Primitive):
    """a / b rounded toward 0, in the operands' dtype; never recorded, as ``FloorDivide``."""

    label = "div_trunc"

    @staticmethod
    def forward(ctx, a, b):
        dtype = promotion.binary(a, b)
        return _trunc_quotient(a, b).astype(xp.result_type(a, b) if dtype is None else dtype, copy=False)


def remainder(a: Any, b: Any) -> Tensor:
    """``a % b`` with the divisor's sign (Python's ``%``), as ``torch.remainder``; they broadcast."""
    return Remainder.apply(a, b)


def fmod(a: Any, b: Any) -> Tensor:
    """The remainder of ``a / b`` with the dividend's sign (C's ``fmod``), as ``torch.fmod``; they broadcast."""
    return Fmod.apply(a, b)


def floor_divide(a: Any, b: Any) -> Tensor:
    """⌊a / b⌋ element-wise (Python's ``//``), as ``torch.floor_divide``; no gradient."""
    return FloorDivide.apply(_constant(a), _constant(b))


def trunc_divide(a: Any, b: Any) -> Tensor:
    """a / b rounded toward 0 (``torch.div(a, b, rounding_mode="trunc")``); no gradient."""
    return TruncDivide.apply(_constant(a), _constant(b))


def _constant(x: Any) -> Any:
    """``x`` cut from the graph (a piecewise-constant op records nothing)."""
    return x.detach() if isinstance(x, Tensor) and x.requires_grad else x
