"""Element-wise arithmetic and math: forward on arrays, backward with Tensor ops.

Backward rules return gradients in the output's (broadcast) shape; the engine
sums them back to each input's shape. Non-Tensor operands are constants.
"""

from __future__ import annotations

from typing import Any

from chainrule import backend
from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.ops import promotion
from chainrule.tensor import Tensor


def _const(array: Any) -> Tensor:
    """A constant (non-differentiable) tensor, e.g. a 0/1 mask inside a backward rule."""
    return Tensor._make(array)


def operand_data(node: Any, i: int) -> Any:
    """The array (or Python number) behind operand ``i`` of a recorded node."""
    a = node.inputs[i]
    return a._data if isinstance(a, Tensor) else a


class Add(Primitive):
    label = "+"

    @staticmethod
    def forward(ctx, a, b):
        return promotion.apply(xp.add, a, b)

    @staticmethod
    def rule(ctx, g):
        return g, g


class Sub(Primitive):
    label = "-"

    @staticmethod
    def forward(ctx, a, b):
        return promotion.apply(xp.subtract, a, b)

    @staticmethod
    def rule(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Primitive):
    label = "*"
    saves_inputs = True
    product_rule = True

    @staticmethod
    def forward(ctx, a, b):
        return promotion.apply(xp.multiply, a, b)

    @staticmethod
    def rule(ctx, g, a, b):
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Primitive):
    label = "/"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a, b):
        with backend.errstate():  # x / 0 is ±inf or nan, as IEEE says, without a warning
            return promotion.apply(xp.true_divide, a, b, promotion.true_divide)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_inputs
        need_a, need_b = ctx.needs_input_grad
        # d/db = −(a / b) / b, as PyTorch spells it: −a / (b·b) would differentiate b·b once more,
        # and its second derivative at b = 0 would be inf·0 = nan instead of ±inf.
        return (g / b if need_a else None), (-g * (a / b) / b if need_b else None)


class Neg(Primitive):
    label = "-x"

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def rule(ctx, g):
        return (-g,)


class Pow(Primitive):
    """``a ** b``; d/da = b·a^(b−1) (0 where b = 0), d/db = a^b·ln a (0 where a = 0 and b ≥ 0)."""

    label = "**"
    saves_inputs = True
    saves_output = True

    @staticmethod
    def forward(ctx, a, b):
        if isinstance(b, int) and not isinstance(b, bool) and b < 0 and xp.asarray(a).dtype.kind in "iu":
            a = xp.asarray(a, dtype=backend.default_float)  # NumPy refuses int ** negative int
        with backend.errstate():
            if type(b) is float and b == -0.5:  # PyTorch's rsqrt: at −0 and −inf it differs from IEEE pow
                return 1 / xp.sqrt(a)
            return a**b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_inputs
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            if isinstance(b, Tensor):
                grad_a = where(b._data == 0, 0.0, g * b * a ** (b - 1))
            else:
                grad_a = g * 0.0 if b == 0 else g * b * a ** (b - 1)
        if need_b:
            out = ctx.saved_output
            a_data = a._data if isinstance(a, Tensor) else xp.asarray(a)
            b_data = b._data
            at_zero = (a_data == 0) & (b_data >= 0)
            with backend.errstate():
                log_a = a.log() if isinstance(a, Tensor) else _const(xp.log(xp.asarray(a, dtype=b_data.dtype)))
            grad_b = g * where(at_zero, 0.0, out * log_a)  # g outside, as PyTorch: a NaN upstream stays NaN
        return grad_a, grad_b


class Exp(Primitive):
    label = "exp"
    saves_output = True

    @staticmethod
    def forward(ctx, a):
        with backend.errstate():  # overflow gives inf quietly
            return xp.exp(promotion.floating(a))

    @staticmethod
    def rule(ctx, g, out):
        return (g * out,)


class Log(Primitive):
    label = "log"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a):
        with backend.errstate():  # log 0 = -inf, log of a negative = nan, quietly
            return xp.log(promotion.floating(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        return (g / a,)


class Log1p(Primitive):
    """log(1 + a), accurate for small a; its derivative is 1/(1 + a)."""

    label = "log1p"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a):
        with backend.errstate():
            return xp.log1p(promotion.floating(a))

    @staticmethod
    def rule(ctx, g, a):
        return (g / (a + 1),)


class Expm1(Primitive):
    """eᵃ − 1, accurate for small a; its derivative is eᵃ = output + 1."""

    label = "expm1"
    saves_output = True

    @staticmethod
    def forward(ctx, a):
        with backend.errstate():
            return xp.expm1(promotion.floating(a))

    @staticmethod
    def rule(ctx, g, out):
        return (g * (out + 1),)


class Sqrt(Primitive):
    label = "sqrt"
    saves_output = True

    @staticmethod
    def forward(ctx, a):
        with backend.errstate():
            return xp.sqrt(promotion.floating(a))

    @staticmethod
    def backward(ctx, g):
        return (g / (2 * ctx.saved_output),)


class Abs(Primitive):
    """|a|; the gradient is sign(a): 0 at 0 and at NaN (as in PyTorch, whose sign(nan) is 0)."""

    label = "abs"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a):
        return xp.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        return (g * _const((a._data > 0).astype(g.dtype) - (a._data < 0)),)  # NumPy's sign(nan) is nan

    @staticmethod
    def branches(node) -> Any:
        """Which side of the kink at 0 each element is on (for gradcheck's kink detection)."""
        return xp.sign(operand_data(node, 0))


class Sin(Primitive):
    label = "sin"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a):
        return xp.sin(promotion.floating(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        return (g * a.cos(),)


class Cos(Primitive):
    label = "cos"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a):
        return xp.cos(promotion.floating(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        return (-g * a.sin(),)


class _Select(Primitive):
    """Element-wise max/min of two operands: the gradient goes to the selected one, half each on ties.

    As in PyTorch, an operand loses its gradient only where it compares strictly worse, so where
    either is NaN (the result is NaN) both receive the whole gradient.
    """

    saves_inputs = True
    select: Any = None  # xp.maximum or xp.minimum
    loses: Any = None  # xp.less or xp.greater: whether the first operand is strictly not selected

    @classmethod
    def forward(cls, ctx, a, b):
        return promotion.apply(cls.select, a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_inputs
        a_data = a._data if isinstance(a, Tensor) else a
        b_data = b._data if isinstance(b, Tensor) else b
        half_on_ties = 0.5 * xp.equal(a_data, b_data)
        need_a, need_b = ctx.needs_input_grad
        share_a = share_b = None
        if need_a:
            share_a = g * _const(xp.asarray(1.0 - cls.loses(a_data, b_data) - half_on_ties, dtype=g.dtype))
        if need_b:
            share_b = g * _const(xp.asarray(1.0 - cls.loses(b_data, a_data) - half_on_ties, dtype=g.dtype))
        return share_a, share_b

    @staticmethod
    def branches(node) -> Any:
        """Per element: +1 where the first input is larger, -1 where the second is, 0 on ties."""
        return xp.sign(xp.subtract(operand_data(node, 0), operand_data(node, 1)))


class Maximum(_Select):
    label = "max"
    select = staticmethod(xp.maximum)
    loses = staticmethod(xp.less)


class Minimum(_Select):
    label = "min"
    select = staticmethod(xp.minimum)
    loses = staticmethod(xp.greater)


class Clip(Primitive):
    """Clamp into [lo, hi]; the gradient passes where lo ≤ a ≤ hi and is 0 outside."""

    label = "clip"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        if lo is None and hi is None:
            raise ValueError("clip needs at least one of min and max")
        ctx.lo, ctx.hi = lo, hi
        return xp.clip(a, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_inputs
        inside = xp.ones(a.shape, dtype=bool)
        if ctx.lo is not None:
            inside &= a._data >= ctx.lo
        if ctx.hi is not None:
            inside &= a._data <= ctx.hi
        return (g * _const(inside),)

    @staticmethod
    def branches(node) -> Any:
        """-1 below ``lo``, +1 above ``hi``, 0 inside, per element."""
        a = operand_data(node, 0)
        below = a < node.lo if node.lo is not None else xp.zeros(xp.shape(a), dtype=bool)
        above = a > node.hi if node.hi is not None else xp.zeros(xp.shape(a), dtype=bool)
        return above.astype(xp.int8) - below.astype(xp.int8)


class Where(Primitive):
    """``cond ? a : b`` element-wise; ``cond`` is a constant boolean array."""

    label = "where"

    @staticmethod
    def forward(ctx, a, b, cond):
        ctx.cond = cond
        return xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        cond = ctx.cond
        return (
            Where.apply(g, 0.0, cond=cond) if need_a else None,
            Where.apply(0.0, g, cond=cond) if need_b else None,
        )


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Pick ``a`` where ``cond`` is true and ``b`` elsewhere (NumPy broadcasting)."""
    cond = cond._data if isinstance(cond, Tensor) else xp.asarray(cond)
    if cond.dtype != bool:
        raise TypeError(f"where: the condition must be boolean, got dtype {cond.dtype}")
    return Where.apply(a, b, cond=cond)


class Cast(Primitive):
    """A copy in another dtype; gradients flow back between floating dtypes."""

    label = "cast"

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.in_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        if not backend.is_floating(ctx.in_dtype):
            return (None,)
        return (g.astype(ctx.in_dtype),)
